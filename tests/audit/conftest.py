"""The audit trail's tests: an administrator's admin client, and rows of the trail."""

import datetime

import pytest
from django.utils import timezone

from audit.models import Entry, Kind


@pytest.fixture
def admin_browser(client, administrator):
    """The functional administrator (not a superuser) in Django admin, in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(administrator)
    return client


@pytest.fixture
def make_entry(db):
    """An Entry as the trail writes it: `make_entry(kind, actor=user, client_id=...)`."""

    def make(kind=Kind.VIEW, *, actor=None, days_ago=0, **fields):
        at = fields.pop("at", timezone.now() - datetime.timedelta(days=days_ago))
        if actor is not None:
            fields.setdefault("actor_name", actor.username)
            fields.setdefault("organisation_id", actor.organisation_id)
        return Entry.objects.create(kind=kind, actor=actor, at=at, **fields)

    return make
