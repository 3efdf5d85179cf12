"""A text of one line (a client's or a candidacy's name, their address, a phone number) holds no
control character (`referrals.textlimits.one_line`): a tab or a line break pasted with it,
or a character nobody sees, is refused with a clear message on every way in (the client
form, the candidacy's page and API (tests/api/test_candidacies.py), the import
(tests/referrals/imports/test_rows.py), Django admin), and nothing is saved. Names
of every script are taken as typed."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from referrals import services
from referrals.models import Candidacy, Client
from tests.referrals.conftest import client_post_data
from tests.referrals.factories import make_insz

pytestmark = pytest.mark.django_db

REFUSED = "Remove the tab, line break or other invisible control character from this text."


def add_client(browser, caseworker, language="en", **fields):
    browser.force_login(caseworker)
    data = client_post_data(**fields)
    return browser.post(reverse("referrals:client_create"), data, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Jo\tnas"),
        ("last_name", "De\nSmet"),
        ("street", "Sint-Pietersnieuwstraat\r1"),
        ("phone", "0470\x1b12 34 56"),
        ("postal_code", "90\x7f00"),
        ("municipality", "Gent\x85Oost"),
        ("municipality", "Gent\u2028Oost"),
    ],
)
def test_the_client_form_refuses_a_control_character(client, caseworker, field, value):
    response = add_client(client, caseworker, **{field: value})

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [REFUSED]}
    assert not Client.objects.exists()


def test_the_refusal_is_in_dutch_for_a_dutch_user(client, caseworker):
    response = add_client(client, caseworker, "nl", first_name="Jo\tnas")

    assert response.context["form"].errors["first_name"] == [
        "Haal de tab, het regeleinde of een ander onzichtbaar stuurteken uit deze tekst."
    ]


def test_a_nul_keeps_djangos_own_message_alone(client, caseworker):
    response = add_client(client, caseworker, first_name="Jo\x00nas")

    assert response.context["form"].errors == {"first_name": ["Null characters are not allowed."]}


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [("Zoë", "N'Diaye-Ørsted"), ("José María", "Ñúñez"), ("Мария", "Иванова"), ("محمد", "علي")],
)
def test_names_of_every_script_are_taken(client, caseworker, first_name, last_name):
    response = add_client(client, caseworker, first_name=first_name, last_name=last_name)

    assert response.status_code == 302
    assert str(Client.objects.get()) == f"{first_name} {last_name}"


@pytest.mark.parametrize("last_name", ["De\u0085Smet", "De\x00Smet", "De\u2028Smet"])
def test_the_candidacy_service_refuses_a_control_character(
    counsellor, ocmw_gent, training, in_english, last_name
):
    """Also NUL, which a form refuses first and a caller without one would have handed to
    the database (PostgreSQL refuses it with an error, not a message)."""
    with pytest.raises(ValidationError) as refused:
        services.referral_register_candidacy(
            user=counsellor,
            ocmw=ocmw_gent,
            insz=make_insz(datetime.date(1985, 7, 30), 33),
            training=training,
            first_name="Jonas",
            last_name=last_name,
        )

    assert refused.value.message_dict == {"last_name": [REFUSED]}
    assert not Candidacy.objects.exists()
    assert not Client.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "street"])
def test_the_admin_refuses_a_control_character(rf, administrator, ocmw_gent, in_english, field):
    request = rf.post("/")
    request.user = administrator
    form_class = admin.site.get_model_admin(Client).get_form(request)

    form = form_class(client_post_data(**{field: "a\tb", "ocmw": ocmw_gent.pk}))

    assert form.errors[field] == [REFUSED]
