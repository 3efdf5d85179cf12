"""A client's subject access request: the administrator's page and JSON file of everything
held on the client (referrals/subject_access.py, referrals/admin/subject_access.py).

The models that must be in it are generated from every model's own fields (whatever points
at a client, directly or through rows that do), not taken from the walk: a model added with
a path to the client that the export missed fails `test_every_model_with_a_path_to_the_
client_has_a_section`, and one without a row below fails `test_every_such_model_has_a_row_
in_the_world`."""

import datetime
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import trail
from audit.models import Entry, Kind
from notifications.models import Notification
from referrals import subject_access
from referrals.enums import (
    AtWork,
    CandidacyOutcome,
    EndResult,
    GuidanceTopic,
    InterruptionReason,
    SchoolYearResult,
    State,
)
from referrals.models import (
    Candidacy,
    Client,
    GuidanceNote,
    Interruption,
    OutcomeCheck,
    SchoolYear,
)
from tests.accounts.factories import CaseworkerFactory, OcmwFactory, UserFactory
from tests.referrals.admin_urls import subject_access_json_url as json_url
from tests.referrals.admin_urls import subject_access_url as page_url
from tests.referrals.factories import (
    ClientFactory,
    DocumentFactory,
    TemporaryWorkExperienceFactory,
    TrainingFactory,
    make_insz,
    referral_in_state,
)
from tests.webhooks.deliveries import make_delivery, make_subscription

pytestmark = pytest.mark.django_db


def models_with_a_path_to_the_client() -> list[str]:
    """Every model whose rows point at a client, by a foreign key, one-to-one or
    many-to-many field, directly or through rows that do; the client's own first."""
    found = [Client]
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            opts = model._meta
            fields = [*opts.concrete_fields, *opts.many_to_many]
            if model not in found and any(f.related_model in found for f in fields):
                found.append(model)
                grew = True
    return [model._meta.label_lower for model in found]


# The rows of one client in every model, and what another person left around them.
def a_client_with_everything(*, serial: int, last_name: str, referrals: int = 1) -> dict:
    """A client of their own OCMW with a past temporary work experience, `referrals` ended
    referrals (history, checked conditions, messages, a candidacy by VDAB, a note, a school
    year and a check-up on each), a candidacy that typed their number but was refused by the limit,
    and a caseworker's reading of their page in the trail."""
    insz = make_insz(datetime.date(1984, 3, 9), serial)
    client = ClientFactory(
        ocmw=OcmwFactory(),
        first_name="Rania",
        last_name=last_name,
        insz=insz,
        notes=f"Notitie over {last_name}",
    )
    caseworker = CaseworkerFactory(organisation=client.ocmw)
    today = timezone.localdate()
    rows = {
        "referrals.client": client,
        "referrals.consent": client.consents.get(),
        "referrals.temporaryworkexperience": TemporaryWorkExperienceFactory(
            client=client,
            start_date=today - datetime.timedelta(days=900),
            end_date=today - datetime.timedelta(days=400),
        ),
    }
    for n in range(referrals):
        training = TrainingFactory()
        referral = referral_in_state(
            State.ENDED,
            client=client,
            training=training,
            caseworker=caseworker,
            end__result=EndResult.PASSED,
        )
        counsellor = referral.events.last().actor
        rows["referrals.referral"] = referral
        rows["referrals.referralevent"] = referral.events.last()
        rows["notifications.notification"] = Notification.objects.filter(referral=referral).first()
        rows["referrals.candidacy"] = Candidacy.objects.create(
            registered_by=counsellor,
            ocmw=client.ocmw,
            training=training,
            insz=insz,
            first_name="Rania",
            last_name=last_name,
            outcome=CandidacyOutcome.ALREADY_OPEN,
            referral=referral,
        )
        rows["referrals.guidancenote"] = GuidanceNote.objects.create(
            referral=referral,
            author=counsellor,
            topic=GuidanceTopic.PROGRESS,
            note=f"Vordert goed ({last_name}, {n})",
        )
        rows["referrals.outcomecheck"] = OutcomeCheck.objects.create(
            referral=referral, months=3, at_work=AtWork.YES, checked_by=caseworker
        )
        rows["referrals.interruption"] = Interruption.objects.create(
            referral=referral,
            reason=InterruptionReason.ILLNESS,
            from_date=referral.start_date,
            to_date=referral.start_date,
            note=f"Griep ({last_name}, {n})",
            recorded_by=caseworker,
        )
        rows["referrals.document"] = DocumentFactory(
            referral=referral, added_by=caseworker, original_name=f"attest {last_name}.pdf"
        )
        rows["referrals.schoolyear"] = SchoolYear.objects.create(
            referral=referral,
            year=referral.start_date.year,
            result=SchoolYearResult.PASSED,
            recorded_by=counsellor,
        )
        rows["webhooks.delivery"] = make_delivery(
            make_subscription(organisation=client.ocmw), referral=referral
        )
    rows["unlinked candidacy"] = Candidacy.objects.create(
        registered_by=counsellor,
        ocmw=OcmwFactory(municipality="Lokeren"),
        training=training,
        insz=insz,
        first_name="Rania",
        last_name=last_name,
        outcome=CandidacyOutcome.LIMITED,
    )
    rows["audit.entry"] = trail.record(Kind.VIEW, user=caseworker, client=client)
    return rows


@pytest.fixture
def held(db) -> dict:
    """Everything held on Rania Vermeulen, beside Rania Quackenbosch's own (a name no
    factory makes: Faker may call a user Janssens, who would then be "in" the file)."""
    rows = a_client_with_everything(serial=41, last_name="Vermeulen")
    rows["someone else"] = a_client_with_everything(serial=43, last_name="Quackenbosch")
    return rows


@pytest.fixture
def administrator_client(client, administrator):
    client.force_login(administrator)
    return client


def exported(http, client: Client) -> dict:
    response = http.get(json_url(client))
    assert response.status_code == 200
    return json.loads(response.content)


# --- what is in it ----------------------------------------------------------------------------


def test_no_shared_model_has_a_path_to_the_client():
    """What the walk never collects (trainings, organisations, users, entry conditions)
    holds nothing about a client, so nothing escapes the export by being shared."""
    assert set(subject_access.SHARED_MODELS).isdisjoint(models_with_a_path_to_the_client())


def test_every_model_with_a_path_to_the_client_has_a_section(administrator_client, held):
    sections = exported(administrator_client, held["referrals.client"])["sections"]

    assert set(models_with_a_path_to_the_client()) | {"audit.entry"} <= set(sections)


def test_every_such_model_has_a_row_in_the_world(held):
    """The tests below see a row of every kind: a new model needs one in
    `a_client_with_everything` (and in the other person's, made by the same function)."""
    assert set(models_with_a_path_to_the_client()) - set(held) == set()


KINDS = [*models_with_a_path_to_the_client(), "audit.entry"]


@pytest.mark.parametrize("label", KINDS)
def test_the_file_has_the_clients_row_of_every_kind_and_none_of_another_persons(
    administrator_client, held, label
):
    sections = exported(administrator_client, held["referrals.client"])["sections"]

    ids = {row["id"] for row in sections[label]}
    assert held[label].pk in ids
    assert held["someone else"][label].pk not in ids


@pytest.mark.parametrize("label", KINDS)
def test_the_page_has_the_clients_row_of_every_kind_and_none_of_another_persons(
    administrator_client, held, label
):
    response = administrator_client.get(page_url(held["referrals.client"]))

    assert response.status_code == 200
    section = next(s for s in response.context["sections"] if s.label == label)
    ids = {row.values[0] for row in section.rows}  # the id comes first
    assert str(held[label].pk) in ids
    assert str(held["someone else"][label].pk) not in ids
    assert f'data-section="{label}"' in response.content.decode()


def test_a_candidacy_that_typed_the_clients_number_is_in_it_even_unlinked(
    administrator_client, held
):
    candidacies = exported(administrator_client, held["referrals.client"])["sections"][
        "referrals.candidacy"
    ]

    ids = {row["id"] for row in candidacies}
    assert held["unlinked candidacy"].pk in ids
    assert held["someone else"]["unlinked candidacy"].pk not in ids


def test_nothing_of_another_person_is_in_the_file_or_on_the_page(administrator_client, held):
    other = held["someone else"]["referrals.client"]
    client = held["referrals.client"]

    for response in (
        administrator_client.get(json_url(client)),
        administrator_client.get(page_url(client)),
    ):
        text = response.content.decode()
        assert "Vermeulen" in text
        assert other.last_name not in text
        assert other.insz not in text


def test_the_trail_shows_who_saw_the_client_by_name_organisation_kind_and_page(
    administrator_client, held
):
    caseworker_view = held["audit.entry"]

    entries = exported(administrator_client, held["referrals.client"])["sections"]["audit.entry"]

    row = next(row for row in entries if row["id"] == caseworker_view.pk)
    assert row["kind"] == Kind.VIEW
    assert row["actor_name"] == caseworker_view.actor.username
    assert row["actor"]["name"] == str(caseworker_view.actor)
    assert row["organisation"]["name"] == str(caseworker_view.actor.organisation)
    assert "at" in row and "path" in row
    assert "ip_address" not in row


def test_a_read_of_several_is_in_the_file_naming_only_the_client_and_theirs(
    administrator_client, held
):
    """A list that showed the client and their referral among other people's: its row is in
    the file, naming the client and the referral and no one else; the row itself unchanged."""
    client, other = held["referrals.client"], held["someone else"]["referrals.client"]
    referral, others = held["referrals.referral"], held["someone else"]["referrals.referral"]
    caseworker = held["audit.entry"].actor
    among = trail.record_many(
        Kind.VIEW,
        user=caseworker,
        subjects=[(other.pk, others.pk), (client.pk, referral.pk), (other.pk + 1000, None)],
    )
    about_referral = trail.record_many(
        Kind.SEARCH, user=caseworker, subjects=[(None, others.pk), (None, referral.pk)]
    )
    elsewhere = trail.record_many(
        Kind.VIEW, user=caseworker, subjects=[(other.pk, others.pk), (other.pk + 1000, None)]
    )

    entries = exported(administrator_client, client)["sections"]["audit.entry"]

    by_id = {row["id"]: row for row in entries}
    assert elsewhere.pk not in by_id
    # The rows are the client's: their number is not repeated on each.
    assert "client_ids" not in by_id[among.pk] and "client_id" not in by_id[among.pk]
    assert by_id[among.pk]["referral_ids"] == [referral.pk]
    assert by_id[about_referral.pk]["referral_ids"] == [referral.pk]
    among.refresh_from_db()
    assert among.client_ids == [other.pk, client.pk, other.pk + 1000]
    assert among.referral_ids == [others.pk, referral.pk]


def test_the_page_shows_labels_and_values_as_people_read_them(administrator_client, held):
    response = administrator_client.get(page_url(held["referrals.client"]))

    text = response.content.decode()
    assert "Notitie over Vermeulen" in text
    assert "Vordert goed (Vermeulen, 0)" in text
    assert str(Kind.VIEW.label) in text  # the audit row's kind, by its label


# --- the file ---------------------------------------------------------------------------------


def test_the_file_is_an_attachment_whose_name_carries_no_personal_data(administrator_client, held):
    client = held["referrals.client"]

    response = administrator_client.get(json_url(client))

    assert response["Content-Type"].startswith("application/json")
    disposition = f'attachment; filename="inzage-client-{client.pk}.json"'
    assert response["Content-Disposition"] == disposition


def test_the_file_names_users_without_their_account(administrator_client, held):
    text = administrator_client.get(json_url(held["referrals.client"])).content.decode()
    data = json.loads(text)

    assert "pbkdf2" not in text and "argon2" not in text
    assert '"password"' not in text
    assert '"email": "user' not in text  # users' addresses (UserFactory's) are not given
    referral = data["sections"]["referrals.referral"][0]
    assert set(referral["created_by"]) == {"name", "organisation"}


def test_the_file_has_field_names_codes_and_iso_dates(administrator_client, held):
    client = held["referrals.client"]

    data = exported(administrator_client, client)

    own = data["sections"]["referrals.client"][0]
    assert own["insz"] == client.insz
    assert own["birth_date"] == client.birth_date.isoformat()
    referral = data["sections"]["referrals.referral"][0]
    assert referral["state"] == State.ENDED
    datetime.datetime.fromisoformat(referral["created_at"])


def test_the_file_lists_the_files_of_other_ocmws_with_the_same_number(administrator_client, held):
    client = held["referrals.client"]
    elsewhere = ClientFactory(insz=client.insz, last_name="Vermeulen")

    data = exported(administrator_client, client)

    assert data["other_client_files"] == [{"id": elsewhere.pk, "ocmw": str(elsewhere.ocmw)}]


# --- who may, and the trail it leaves ---------------------------------------------------------


@pytest.mark.parametrize(("url", "kind"), [(page_url, Kind.PRINT), (json_url, Kind.EXPORT)])
def test_each_reading_leaves_its_row_in_the_trail_and_in_itself(
    administrator_client, administrator, held, url, kind
):
    client = held["referrals.client"]

    response = administrator_client.get(url(client))

    entry = Entry.objects.get(kind=kind, actor=administrator)
    assert entry.client_id == client.pk
    assert entry.path == url(client)
    if kind == Kind.EXPORT:
        ids = {row["id"] for row in json.loads(response.content)["sections"]["audit.entry"]}
        assert entry.pk in ids


@pytest.mark.parametrize("url", [page_url, json_url])
@pytest.mark.parametrize("who", ["caseworker", "counsellor", "network_manager"])
def test_others_are_sent_to_the_admins_login(client, request, held, url, who):
    client.force_login(request.getfixturevalue(who))
    before = Entry.objects.count()

    response = client.get(url(held["referrals.client"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Entry.objects.count() == before


@pytest.mark.parametrize("url", [page_url, json_url])
def test_staff_who_may_view_clients_but_are_no_administrator_are_refused(client, held, url):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *apps.get_model("auth", "Permission").objects.filter(codename="view_client")
    )
    client.force_login(staff)

    response = client.get(url(held["referrals.client"]))

    assert response.status_code == 403
    assert not Entry.objects.filter(kind__in=[Kind.PRINT, Kind.EXPORT]).exists()


@pytest.mark.parametrize("url", [page_url, json_url])
def test_a_state_change_is_not_allowed(administrator_client, held, url):
    assert administrator_client.post(url(held["referrals.client"])).status_code == 405


def test_an_unknown_client_is_a_404(administrator_client):
    response = administrator_client.get(
        reverse("admin:referrals_client_subject_access", args=[987654])
    )
    assert response.status_code == 404


def test_the_change_page_links_to_the_overview(administrator_client, held):
    client = held["referrals.client"]

    response = administrator_client.get(reverse("admin:referrals_client_change", args=[client.pk]))

    assert page_url(client) in response.content.decode()


# --- the page ---------------------------------------------------------------------------------


def test_the_page_has_one_title_labelled_tables_and_a_link_to_correct_the_data(
    administrator_client, held
):
    client = held["referrals.client"]

    text = administrator_client.get(page_url(client)).content.decode()

    assert text.count("<h1") == 1
    assert 'lang="' in text
    assert '<th scope="col">' in text and '<th scope="row">' in text
    assert reverse("admin:referrals_client_change", args=[client.pk]) in text
    assert json_url(client) in text
    assert "js/print.js" in text and "data-print" in text


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [page_url, json_url])
def test_the_queries_do_not_grow_with_the_rows(
    administrator_client, django_assert_max_num_queries, url
):
    few = a_client_with_everything(serial=51, last_name="Claes")["referrals.client"]
    with CaptureQueriesContext(connection) as context:
        assert administrator_client.get(url(few)).status_code == 200
    many = a_client_with_everything(serial=53, last_name="Maes", referrals=4)["referrals.client"]
    for _ in range(5):
        trail.record(Kind.VIEW, user=UserFactory(), client=many)

    with django_assert_max_num_queries(len(context.captured_queries)):
        assert administrator_client.get(url(many)).status_code == 200


def test_a_client_with_nothing_else_gets_every_section_empty(administrator_client):
    """A section per kind of row even without rows: the reader sees there are none."""
    client = ClientFactory(consent_vdab=False)

    data = exported(administrator_client, client)
    page = administrator_client.get(page_url(client))

    assert set(models_with_a_path_to_the_client()) <= set(data["sections"])
    assert [label for label, rows in data["sections"].items() if rows] == [
        "referrals.client",
        "audit.entry",  # the export itself
    ]
    assert {s.label for s in page.context["sections"]} == set(data["sections"])
