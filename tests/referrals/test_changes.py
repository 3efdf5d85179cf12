"""What the audit trail keeps of a change (`referrals.changes.describe`), for every field of
every model: free texts and the birth date only named, national numbers masked, the rest
before and after in JSON."""

import datetime
import json

import pytest
from django.apps import apps
from django.db import models

from audit.trail import mask_insz
from referrals.changes import describe
from referrals.models import Client, Referral
from referrals.models.clients import InszField

MODELS = list(apps.get_app_config("referrals").get_models())


def fields_of(kind) -> list:
    return [
        pytest.param(model, field.name, id=f"{model._meta.model_name}.{field.name}")
        for model in MODELS
        for field in model._meta.concrete_fields
        if isinstance(field, kind)
    ]


def change_of(model, name: str, before, after) -> dict:
    return describe(model(), {name: before}, {name: after}, pk=1)


@pytest.mark.parametrize(("model", "name"), fields_of(models.TextField))
def test_free_text_is_named_never_kept(model, name):
    change = change_of(model, name, "Schulden bij de energieleverancier", "Verhuisd naar Aalst")

    assert (change["fields"], change["withheld"]) == ({}, [name])
    assert "energie" not in json.dumps(change) and "Aalst" not in json.dumps(change)


@pytest.mark.parametrize(("model", "name"), fields_of(InszField))
def test_national_numbers_are_masked(model, name):
    change = change_of(model, name, "85073003328", "90050106401")

    assert change["fields"] == {name: [mask_insz("85073003328"), mask_insz("90050106401")]}
    assert "850730" not in json.dumps(change) and "900501" not in json.dumps(change)


def test_the_birth_date_is_named_never_kept():
    change = change_of(Client, "birth_date", datetime.date(1985, 7, 30), None)

    assert (change["fields"], change["withheld"]) == ({}, ["birth_date"])


def test_dates_and_times_are_kept_as_iso_strings():
    at = datetime.datetime(2025, 3, 4, 9, 30, tzinfo=datetime.UTC)
    change = describe(
        Referral(),
        {"start_date": None, "intake_at": None},
        {"start_date": datetime.date(2025, 3, 1), "intake_at": at},
        pk=1,
    )

    assert change["fields"] == {
        "start_date": [None, "2025-03-01"],
        "intake_at": [None, "2025-03-04T09:30:00+00:00"],
    }
    json.dumps(change)  # plain JSON, without Django's encoder


def test_nothing_changed_is_no_change():
    assert describe(Client(), {"first_name": "Jan"}, {"first_name": "Jan"}) is None
