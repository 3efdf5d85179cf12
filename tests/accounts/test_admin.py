"""Who may hand out which powers in the user admin."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import AdministratorFactory, CaseworkerFactory

pytestmark = pytest.mark.django_db


def change_user(client, user, **changes):
    """Post the user's admin form as the page shows it, with `changes`."""
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if hasattr(field.widget, "widgets"):  # date_joined and last_login: date + time
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, list):
            data[name] = value
        elif value not in (None, False):
            data[name] = "on" if value is True else str(value)
    data.update(changes)
    return client.post(url, data)


def test_the_functional_administrator_cannot_make_a_superuser(client):
    administrator = AdministratorFactory()
    caseworker = CaseworkerFactory()
    client.force_login(administrator)

    response = change_user(client, caseworker, is_superuser="on", work_phone="09 111 22 33")

    assert response.status_code == 302
    caseworker.refresh_from_db()
    assert caseworker.work_phone == "09 111 22 33"  # the rest of the form was taken
    assert not caseworker.is_superuser


def test_a_superuser_can(admin_client):
    caseworker = CaseworkerFactory()

    change_user(admin_client, caseworker, is_superuser="on")

    assert User.objects.get(pk=caseworker.pk).is_superuser
