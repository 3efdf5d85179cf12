"""A change of personal data in Django admin leaves its row in the audit trail, as the app's
do: a client (with its inline temporary work experiences) and a temporary work experience on
its own pages through the app's own service, and every other row added, changed or deleted
there, all in the admin's transaction."""

import datetime

import pytest
from django.contrib.admin.options import ModelAdmin
from django.urls import reverse

from audit import trail
from audit.models import Entry, Kind
from referrals.enums import AtWork, GuidanceTopic
from referrals.models import Client, GuidanceNote, OutcomeCheck, TemporaryWorkExperience
from tests.referrals.admin_urls import change_url
from tests.referrals.factories import ClientFactory, TemporaryWorkExperienceFactory, make_insz

pytestmark = pytest.mark.django_db

PREFIX = "temporary_work_experiences"


def admin_url(obj, action: str = "change") -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=[obj.pk])


def change_form_data(http, obj, **changes) -> dict:
    """The admin's change form of `obj` as it comes, its inlines untouched, with `changes`."""
    response = http.get(admin_url(obj))
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            value = "on" if value else ""
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {
                f"{formset.prefix}-TOTAL_FORMS": str(formset.initial_form_count()),
                f"{formset.prefix}-INITIAL_FORMS": str(formset.initial_form_count()),
            }
        )
        for index, row in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{index}-id"] = row.instance.pk
    return {**data, **changes}


def the_change() -> Entry:
    return Entry.objects.get(kind=Kind.CHANGE)


@pytest.fixture
def person():
    return ClientFactory(
        first_name="Lotte",
        last_name="Maes",
        insz=make_insz(datetime.date(1979, 3, 3), 121),
        phone="",
        municipality="Aalst",
    )


# Born another day, with the same gender (an odd serial): only the number changes, and the
# birth date it holds.
NEW_INSZ = make_insz(datetime.date(1977, 8, 9), 123)

CLIENT_CHANGES = [
    ("first_name", "Charlotte", lambda p: ["Lotte", "Charlotte"]),
    ("phone", "053 21 21 21", lambda p: ["", "053 21 21 21"]),
    ("municipality", "Erembodegem", lambda p: ["Aalst", "Erembodegem"]),
    ("insz", NEW_INSZ, lambda p: [trail.mask_insz(p.insz), trail.mask_insz(NEW_INSZ)]),
    ("registered_job_seeker", "", lambda p: [True, False]),
]


@pytest.mark.parametrize(
    ("field", "typed", "kept"), CLIENT_CHANGES, ids=[f for f, _t, _k in CLIENT_CHANGES]
)
def test_a_client_changed_in_the_admin_keeps_the_field_before_and_after(
    admin_user_client, administrator, person, field, typed, kept
):
    data = change_form_data(admin_user_client, person, **{field: typed})

    response = admin_user_client.post(admin_url(person), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = the_change()
    assert entry.detail["fields"] == {field: kept(person)}
    assert (entry.client_id, entry.actor, entry.path) == (
        person.pk,
        administrator,
        admin_url(person),
    )
    person.refresh_from_db()
    assert person.insz not in str(entry.detail)


def test_inline_rows_are_part_of_the_clients_change(admin_user_client, administrator, person):
    old = TemporaryWorkExperienceFactory(client=person, employer="Park")
    data = change_form_data(admin_user_client, person, first_name="Charlotte")
    data.update(
        {
            f"{PREFIX}-TOTAL_FORMS": "2",
            f"{PREFIX}-0-start_date": old.start_date.isoformat(),
            f"{PREFIX}-0-employer": "Park",
            f"{PREFIX}-0-DELETE": "on",
            f"{PREFIX}-1-start_date": "2024-01-01",
            f"{PREFIX}-1-employer": "OCMW-kringloop",
        }
    )

    response = admin_user_client.post(admin_url(person), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    added = TemporaryWorkExperience.objects.get(client=person)
    detail = the_change().detail
    assert detail["fields"] == {"first_name": ["Lotte", "Charlotte"]}
    assert [(row["action"], row["id"]) for row in detail["related"]] == [
        ("added", added.pk),
        ("deleted", old.pk),
    ]
    assert detail["related"][0]["fields"]["created_by"] == [None, administrator.pk]
    assert Entry.objects.filter(kind=Kind.CHANGE).count() == 1


def test_a_client_added_in_the_admin_is_recorded(admin_user_client, ocmw_gent):
    insz = make_insz(datetime.date(1980, 1, 2), 40)
    data = {
        "ocmw": ocmw_gent.pk,
        "first_name": "Ruben",
        "last_name": "Wouters",
        "insz": insz,
        f"{PREFIX}-TOTAL_FORMS": "0",
        f"{PREFIX}-INITIAL_FORMS": "0",
        # The consent history's inline, read-only, still sends its management form.
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
    }

    response = admin_user_client.post(reverse("admin:referrals_client_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Client.objects.get()
    entry = the_change()
    assert (entry.detail["action"], entry.client_id) == ("added", new.pk)
    assert {"first_name", "insz"} <= set(entry.detail["withheld"])
    assert "Ruben" not in str(entry.detail)


def test_no_admin_change_is_saved_without_its_row(admin_user_client, person, monkeypatch):
    """The admin's transaction holds the change and its row: a failure after both undoes
    both."""

    def broken(*args, **kwargs):
        raise RuntimeError("after the save")

    monkeypatch.setattr(ModelAdmin, "log_change", broken)
    admin_user_client.raise_request_exception = True
    data = change_form_data(admin_user_client, person, first_name="Charlotte")

    with pytest.raises(RuntimeError):
        admin_user_client.post(admin_url(person), data)

    assert Client.objects.get(pk=person.pk).first_name == "Lotte"
    # (The change page read to fill the form in left its VIEW, outside that transaction.)
    assert not Entry.objects.filter(kind=Kind.CHANGE).exists()


def test_a_temporary_work_experience_changed_on_its_own_page(admin_user_client, person):
    experience = TemporaryWorkExperienceFactory(client=person, employer="Park")
    data = change_form_data(admin_user_client, experience, employer="Stadsparken")

    response = admin_user_client.post(admin_url(experience), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = the_change()  # the client's, as the client's form writes it
    assert entry.client_id == person.pk
    assert (entry.detail["model"], entry.detail["fields"]) == ("referrals.client", {})
    assert entry.detail["related"] == [
        {
            "model": "referrals.temporaryworkexperience",
            "id": experience.pk,
            "action": "changed",
            "fields": {"employer": ["Park", "Stadsparken"]},
            "withheld": [],
        }
    ]
    assert Client.objects.get(pk=person.pk).updated_at > person.updated_at


def test_temporary_work_experiences_deleted_from_their_list(admin_user_client, person):
    """The changelist's "delete selected": one change row per client, each naming the
    experiences of theirs it deleted."""
    other = ClientFactory()
    experiences = [
        TemporaryWorkExperienceFactory(client=person, employer="Park"),
        TemporaryWorkExperienceFactory(client=person, employer="Kringwinkel"),
        TemporaryWorkExperienceFactory(client=other, employer="Bib"),
    ]
    changelist = reverse("admin:referrals_temporaryworkexperience_changelist")
    selected = [experience.pk for experience in experiences]

    response = admin_user_client.post(
        changelist, {"action": "delete_selected", "post": "yes", "_selected_action": selected}
    )

    assert response.status_code == 302
    assert not TemporaryWorkExperience.objects.exists()
    rows = Entry.objects.filter(kind=Kind.CHANGE).order_by("client_id")
    assert [(row.client_id, row.detail["model"]) for row in rows] == [
        (person.pk, "referrals.client"),
        (other.pk, "referrals.client"),
    ]
    assert [[r["id"] for r in row.detail["related"]] for row in rows] == [
        [experiences[0].pk, experiences[1].pk],
        [experiences[2].pk],
    ]
    assert {r["action"] for row in rows for r in row.detail["related"]} == {"deleted"}


def test_a_temporary_work_experience_stays_with_its_client(admin_user_client, person):
    experience = TemporaryWorkExperienceFactory(client=person)

    form = admin_user_client.get(admin_url(experience)).context["adminform"].form

    assert "client" not in form.fields  # shown, read-only


def test_a_referrals_external_id_changed_in_the_admin(admin_user_client, ended_referral):
    data = change_form_data(admin_user_client, ended_referral, external_id="LEGACY-7")

    response = admin_user_client.post(change_url(ended_referral), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = the_change()
    assert (entry.client_id, entry.referral_id) == (
        ended_referral.client_id,
        ended_referral.pk,
    )
    assert entry.detail["fields"] == {"external_id": ["", "LEGACY-7"]}


def note_of(referral):
    return referral.notes.get()


def check_of(referral):
    return referral.outcomes.get()


DELETED = [
    pytest.param(
        note_of,
        {"topic": [GuidanceTopic.PROGRESS, None]},
        ["note"],
        id="guidance-note",
    ),
    pytest.param(
        check_of,
        {"months": [3, None], "at_work": [AtWork.YES, None]},
        [],
        id="outcome-check",
    ),
]


@pytest.mark.parametrize(("row_of", "fields", "withheld"), DELETED)
def test_a_row_deleted_in_the_admin_is_recorded(
    admin_user_client, ended_referral, row_of, fields, withheld
):
    row = row_of(ended_referral)

    response = admin_user_client.post(admin_url(row, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not type(row).objects.filter(pk=row.pk).exists()
    entry = the_change()
    assert (entry.client_id, entry.referral_id) == (ended_referral.client_id, ended_referral.pk)
    assert (entry.detail["action"], entry.detail["id"]) == ("deleted", row.pk)
    assert fields.items() <= entry.detail["fields"].items()
    assert entry.detail["withheld"] == withheld


def test_rows_deleted_from_the_list_are_each_recorded(admin_user_client, ended_referral):
    checks = [check_of(ended_referral)]
    checks.append(OutcomeCheck.objects.create(referral=ended_referral, months=6, at_work=AtWork.NO))
    response = admin_user_client.post(
        reverse("admin:referrals_outcomecheck_changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in checks], "post": "yes"},
    )

    assert response.status_code == 302
    assert not OutcomeCheck.objects.exists()
    rows = Entry.objects.filter(kind=Kind.CHANGE)
    # Recorded in the list's order (the latest first: `GrowingListMixin`), compared in none.
    assert sorted((r.detail["action"], r.detail["id"], r.referral_id) for r in rows) == [
        ("deleted", c.pk, ended_referral.pk) for c in checks
    ]


def test_a_client_deleted_in_the_admin_is_recorded(admin_user_client, person):
    # A client who ever consented is not deleted in admin: the consent history is
    # read-only there, and Django refuses a delete that would take it along.
    person.consents.all().delete()
    pk = person.pk

    response = admin_user_client.post(admin_url(person, "delete"), {"post": "yes"})

    assert response.status_code == 302
    entry = the_change()
    assert (entry.client_id, entry.detail["action"], entry.detail["id"]) == (pk, "deleted", pk)
    assert {"last_name", "insz"} <= set(entry.detail["withheld"])
    assert "Maes" not in str(entry.detail)


def test_guidance_note_text_never_reaches_the_trail(admin_user_client, ended_referral):
    note = GuidanceNote.objects.get(referral=ended_referral)

    admin_user_client.post(admin_url(note, "delete"), {"post": "yes"})

    assert note.note not in str(the_change().detail)
