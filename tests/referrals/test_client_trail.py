"""A client's edit in the app leaves one row in the audit trail, in the same transaction:
the fields before and after, the temporary work experiences added, changed and deleted,
the national number masked and free texts only named."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import trail
from audit.models import Entry, Kind
from referrals import changes
from referrals.forms import ClientForm
from referrals.models import Client, TemporaryWorkExperience
from tests.referrals.conftest import client_post_data, formset_management
from tests.referrals.factories import TemporaryWorkExperienceFactory, make_insz

pytestmark = pytest.mark.django_db

PREFIX = "temporary_work_experiences"
# Born another day, and a woman as the Gent client is (an even serial): only the number
# and the birth date it holds change.
NEW_INSZ = make_insz(datetime.date(1990, 5, 1), 64)


def form_data(client: Client, **changes) -> dict:
    """The client form as the page fills it for `client`, with `changes` typed in."""
    form = ClientForm(instance=client, ocmw=client.ocmw)
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if isinstance(value, bool):
            value = "on" if value else ""
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = "" if value is None else value
    return {**data, **formset_management(), **changes}


def edit_url(client: Client) -> str:
    return reverse("referrals:client_edit", args=[client.pk])


def the_change() -> Entry:
    """The client's change (a consent given with a new client is a change of its own)."""
    return Entry.objects.get(kind=Kind.CHANGE, detail__model="referrals.client")


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# (field, what is typed, what the trail keeps as [before, after]) for the Gent client.
FIELD_CHANGES = [
    ("first_name", "Fatma", ["Fatima", "Fatma"]),
    ("last_name", "El Ouardi", ["Elouardi", "El Ouardi"]),
    ("phone", "0470 11 22 33", ["", "0470 11 22 33"]),
    ("email", "f.elouardi@example.org", ["", "f.elouardi@example.org"]),
    ("street", "Dampoortstraat 7", ["Kortrijksesteenweg 412", "Dampoortstraat 7"]),
    ("postal_code", "9040", ["9000", "9040"]),
    ("municipality", "Sint-Amandsberg", ["Gent", "Sint-Amandsberg"]),
    ("registered_job_seeker", "", [True, False]),
    ("vdab_client_number", "7788124", ["VD7788123", "7788124"]),
    ("gpmi_date", days_ago(30).isoformat(), [days_ago(200).isoformat(), days_ago(30).isoformat()]),
]


@pytest.mark.parametrize(
    ("field", "typed", "kept"), FIELD_CHANGES, ids=[f for f, _t, _k in FIELD_CHANGES]
)
def test_an_edit_keeps_the_field_before_and_after(
    client, caseworker, gent_client, field, typed, kept
):
    client.force_login(caseworker)

    response = client.post(edit_url(gent_client), form_data(gent_client, **{field: typed}))

    assert response.status_code == 302
    entry = the_change()
    assert entry.detail == {
        "model": "referrals.client",
        "id": gent_client.pk,
        "action": "changed",
        "fields": {field: kept},
        "withheld": [],
    }
    assert (entry.client_id, entry.referral_id) == (gent_client.pk, None)
    assert (entry.actor, entry.organisation_id) == (caseworker, caseworker.organisation_id)
    assert (entry.path, entry.ip_address) == (edit_url(gent_client), "127.0.0.1")


def test_a_new_national_number_is_masked_and_its_birth_date_only_named(
    client, caseworker, gent_client
):
    client.force_login(caseworker)
    old = gent_client.insz

    client.post(edit_url(gent_client), form_data(gent_client, insz=NEW_INSZ))

    detail = the_change().detail
    assert detail["fields"] == {"insz": [trail.mask_insz(old), trail.mask_insz(NEW_INSZ)]}
    assert detail["withheld"] == ["birth_date"]
    stored = json.dumps(detail)
    for secret in (old, NEW_INSZ, "1988-02-14", "1990-05-01"):
        assert secret not in stored


def test_notes_are_named_without_their_text(client, caseworker, gent_client):
    client.force_login(caseworker)
    old_notes = gent_client.notes

    client.post(edit_url(gent_client), form_data(gent_client, notes="Schuldbemiddeling loopt."))

    detail = the_change().detail
    assert (detail["fields"], detail["withheld"]) == ({}, ["notes"])
    assert "Schuld" not in json.dumps(detail) and old_notes[:20] not in json.dumps(detail)


def test_saving_without_a_change_leaves_no_row(client, caseworker, gent_client):
    client.force_login(caseworker)

    response = client.post(edit_url(gent_client), form_data(gent_client))

    assert response.status_code == 302
    assert not Entry.objects.filter(kind=Kind.CHANGE).exists()


def test_a_new_client_is_recorded_with_what_was_filled_in(client, caseworker):
    client.force_login(caseworker)
    data = client_post_data(
        **{
            f"{PREFIX}-0-start_date": days_ago(10).isoformat(),
            f"{PREFIX}-0-employer": "Kringwinkel Gent",
        }
    )

    client.post(reverse("referrals:client_create"), data)

    new = Client.objects.get()
    experience = new.temporary_work_experiences.get()
    detail = the_change().detail
    assert (detail["action"], detail["id"], the_change().client_id) == ("added", new.pk, new.pk)
    # A new client's texts are named, not copied: the trail is no copy of the file.
    assert detail["fields"]["ocmw"] == [None, caseworker.organisation_id]
    assert "notes" not in detail["fields"] and "notes" not in detail["withheld"]  # left empty
    assert {"first_name", "last_name", "insz", "birth_date"} <= set(detail["withheld"])
    # Not even masked (its last three digits, which a key such as the OCMW's 1328 may hold).
    assert "Jonas" not in str(detail) and "insz" not in detail["fields"]
    assert trail.mask_insz(data["insz"]) not in str(detail)
    assert detail["related"] == [
        {
            "model": "referrals.temporaryworkexperience",
            "id": experience.pk,
            "action": "added",
            "fields": {
                "client": [None, new.pk],
                "start_date": [None, days_ago(10).isoformat()],
                "created_by": [None, caseworker.pk],
            },
            "withheld": ["employer"],
        }
    ]


def test_temporary_work_experiences_added_changed_and_deleted(client, caseworker, gent_client):
    kept = TemporaryWorkExperienceFactory(client=gent_client, employer="Sociale kruidenier")
    gone = TemporaryWorkExperienceFactory(
        client=gent_client, start_date=days_ago(900), end_date=days_ago(800), employer="Park"
    )
    client.force_login(caseworker)
    rows = {
        0: {"id": kept.pk, "start_date": kept.start_date, "employer": "Sociale kruidenier Gent"},
        1: {
            "id": gone.pk,
            "start_date": gone.start_date,
            "end_date": gone.end_date,
            "DELETE": "on",
        },
        2: {"start_date": days_ago(5), "employer": "Kringwinkel"},
    }
    data = form_data(gent_client, **formset_management(total=3, initial=2))
    for index, values in rows.items():
        data.update({f"{PREFIX}-{index}-{name}": str(value) for name, value in values.items()})

    response = client.post(edit_url(gent_client), data)

    assert response.status_code == 302
    added = TemporaryWorkExperience.objects.get(employer="Kringwinkel")
    detail = the_change().detail
    assert (detail["action"], detail["fields"]) == ("changed", {})  # the client's own: none
    related = {row["action"]: row for row in detail["related"]}
    assert related["changed"]["fields"] == {
        "employer": ["Sociale kruidenier", "Sociale kruidenier Gent"]
    }
    assert related["deleted"]["id"] == gone.pk
    assert related["deleted"]["fields"] == {
        "client": [gent_client.pk, None],
        "start_date": [gone.start_date.isoformat(), None],
        "end_date": [gone.end_date.isoformat(), None],
    }
    assert related["deleted"]["withheld"] == ["employer"]
    assert related["added"]["id"] == added.pk
    assert added.created_by == caseworker


def test_no_edit_is_saved_without_its_row(client, caseworker, gent_client, monkeypatch):
    """The row is written in the edit's transaction: when it cannot be, nothing changes."""

    def refused(*args, **kwargs):
        raise RuntimeError("the trail is down")

    client.force_login(caseworker)  # a login writes its own row of the trail
    monkeypatch.setattr(changes.trail, "record", refused)
    client.raise_request_exception = True

    with pytest.raises(RuntimeError):
        client.post(
            edit_url(gent_client),
            form_data(
                gent_client,
                first_name="Fatma",
                **formset_management(total=1),
                **{f"{PREFIX}-0-start_date": days_ago(5).isoformat()},
            ),
        )

    stored = Client.objects.get(pk=gent_client.pk)
    assert stored.first_name == "Fatima"
    assert not stored.temporary_work_experiences.exists()
    assert not Entry.objects.filter(kind=Kind.CHANGE).exists()


@pytest.mark.parametrize(
    ("typed", "kept", "error"),
    [
        ("12.345.678", "12345678", None),
        ("", "", None),
        ("abc123", None, "Een VDAB-klantnummer bevat alleen cijfers."),
    ],
)
def test_the_ocmws_form_keeps_the_vdab_client_number_as_vdabs_does(
    client, caseworker, gent_client, typed, kept, error
):
    """Compact and digits only, as VDAB's own form keeps it, so that a search finds it."""
    client.force_login(caseworker)

    response = client.post(edit_url(gent_client), form_data(gent_client, vdab_client_number=typed))

    gent_client.refresh_from_db()
    if error:
        assert response.status_code == 200  # the form again, with the message
        assert error in response.content.decode()
        assert gent_client.vdab_client_number != typed
    else:
        assert response.status_code == 302
        assert gent_client.vdab_client_number == kept
