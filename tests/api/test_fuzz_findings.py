"""What schemathesis found in `make test-api-fuzz`, each pinned: the answer is no 500, and
the answers match the schema the API publishes (checked with schemathesis' own validator)."""

import datetime

import pytest
import requests
import schemathesis
from django.utils import timezone
from rest_framework.test import APIClient

from api.filters import LocalDateTimeField
from referrals.enums import State
from referrals.formfields import PlausibleDateTimeField
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.factories import ClientFactory, counsellor_for, referral_in_state

# Offsets Python takes and PostgreSQL refuses (it stops at ±15:59), a fortnight on (an intake
# is never before the agreement).
FAR_OFFSET = f"{timezone.localdate() + datetime.timedelta(days=14)}T10:00:00-22:32"
FAR_INSTANT = datetime.datetime.fromisoformat(FAR_OFFSET)


@pytest.fixture
def schema(db):
    raw = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return schemathesis.openapi.from_dict(raw.json())


def assert_as_documented(schema, path: str, method: str, response) -> None:
    """The response is one the schema documents for the operation (its status and body)."""
    request = requests.Request(method, f"http://testserver{response.wsgi_request.path}")
    schema[path][method].validate_response(
        schemathesis.Response(
            status_code=response.status_code,
            headers={name: [value] for name, value in response.headers.items()},
            content=response.content,
            request=request.prepare(),
            elapsed=0.0,
            verify=True,
        )
    )


def test_referral_with_empty_result_fields_matches_the_schema(schema, api_for):
    """Choice and e-mail fields empty until their step ("") were outside their enum and
    format in the schema: DRF drops `allow_blank` from read-only model fields."""
    referral = referral_in_state(State.AGREED)
    http = api_for(referral.created_by)
    referral.caseworker_email = ""
    referral.save(update_fields=["caseworker_email"])

    detail = http.get(f"/api/v1/referrals/{referral.pk}/")
    listed = http.get("/api/v1/referrals/")

    assert [detail.json()[name] for name in ("end_result", "caseworker_email")] == ["", ""]
    assert_as_documented(schema, "/api/v1/referrals/{id}/", "GET", detail)
    assert_as_documented(schema, "/api/v1/referrals/", "GET", listed)


def test_referral_as_a_counsellor_reads_it_matches_the_schema(schema, api_for):
    """A counsellor reads fewer of the client's fields (no birth date, no consent date),
    which the schema listed as always there (read-only fields are required by default)."""
    referral = referral_in_state(State.AGREED)
    http = api_for(counsellor_for(referral.training))

    detail = http.get(f"/api/v1/referrals/{referral.pk}/")

    assert "birth_date" not in detail.json()["client"]
    assert_as_documented(schema, "/api/v1/referrals/{id}/", "GET", detail)
    assert_as_documented(schema, "/api/v1/referrals/", "GET", http.get("/api/v1/referrals/"))


def test_client_search_answers_the_plain_list_the_schema_says(schema, api_for):
    """The search was documented as a page (`PaginatedClientList`, with `page_size` and
    `cursor` parameters) but answers its first 50 hits as a list."""
    caseworker = CaseworkerFactory()
    ClientFactory(ocmw=caseworker.organisation, last_name="Wouters")

    found = api_for(caseworker).post("/api/v1/clients/search/", {"q": "Wout"}, format="json")

    assert [client["last_name"] for client in found.json()] == ["Wouters"]
    assert_as_documented(schema, "/api/v1/clients/search/", "POST", found)
    assert "parameters" not in schema.raw_schema["paths"]["/api/v1/clients/search/"]["post"]


@pytest.mark.parametrize("field", [LocalDateTimeField, PlausibleDateTimeField])
def test_a_moment_with_any_offset_is_read_in_the_local_time_zone(field):
    """PostgreSQL refused `-22:32` in the query (DataError, a 500): the moment goes on in
    the current time zone instead, the same instant."""
    moment = field().clean(FAR_OFFSET)

    assert moment.utcoffset() == timezone.localtime(moment).utcoffset()
    assert moment == FAR_INSTANT


@pytest.mark.parametrize("offset", ["9999-12-31T23:00:00-14:00", "0001-01-01T01:00:00+14:00"])
def test_a_changed_filter_past_the_calendar_is_a_400(api_for, offset):
    http = api_for(CaseworkerFactory())

    response = http.get("/api/v1/referrals/", {"changed_before": offset})

    assert response.status_code == 400
    assert list(response.json()) == ["changed_before"]


def test_changed_filter_with_a_far_offset_finds_the_same_instant(api_for):
    referral = referral_in_state(State.CANDIDATE)
    http = api_for(referral.created_by)
    far = datetime.timezone(-datetime.timedelta(hours=22, minutes=32))
    changed = referral.state_changed_at.astimezone(far).isoformat()

    found = http.get("/api/v1/referrals/", {"changed_after": changed})
    before = http.get("/api/v1/referrals/", {"changed_before": changed})

    assert [row["id"] for row in found.json()["results"]] == [referral.pk]
    assert before.json()["results"] == []


def test_step_with_a_far_offset_is_taken_at_that_instant(api_for):
    referral = referral_in_state(State.AGREED)
    http = api_for(counsellor_for(referral.training))

    response = http.post(
        f"/api/v1/referrals/{referral.pk}/transitions/plan_intake/",
        {"intake_at": FAR_OFFSET, "place": "VDAB Gent"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    referral.refresh_from_db()
    assert referral.intake_at == FAR_INSTANT


@pytest.mark.parametrize(
    "value",
    [[None, None], ["2026-11-02"], {"day": 2}],
    ids=["list of nulls", "list", "object"],
)
def test_a_list_or_an_object_for_a_single_value_is_a_400(api_for, value):
    """`{"written_on": [null, null]}` reached the form as a list: an AttributeError, a 500."""
    referral = referral_in_state(State.IN_TRAINING)
    http = api_for(referral.created_by)

    note = http.post(
        f"/api/v1/referrals/{referral.pk}/notes/",
        {"written_on": value, "topic": "attendance", "note": "Aanwezig."},
        format="json",
    )
    step = http.post(
        f"/api/v1/referrals/{referral.pk}/transitions/close/",
        {"continued_by": value},
        format="json",
    )

    assert (note.status_code, step.status_code) == (400, 400)
    assert note.json() == {"written_on": ["Send a single value."]}
    assert step.json() == {"continued_by": ["Send a single value."]}


def test_an_irreversible_step_needs_no_confirmation_box_from_a_system(api_for):
    """The page's "cannot be undone" box is the page's: even a false one is not asked."""
    referral = referral_in_state(State.CANDIDATE)

    response = api_for(referral.created_by).post(
        f"/api/v1/referrals/{referral.pk}/transitions/decline/",
        {"reason": "Verhuisd.", "confirmed": False},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == State.DECLINED


def test_the_messages_page_is_documented_as_a_page(schema, api_for):
    """The messages were documented as one message, not a page of them."""
    referral = referral_in_state(State.AGREED)
    http = api_for(referral.created_by)

    page = http.get("/api/v1/notifications/")

    assert page.json()["results"]
    assert_as_documented(schema, "/api/v1/notifications/", "GET", page)


@pytest.mark.parametrize(
    "url",
    ["/api/v1/referrals/null,null/", "/api/v1/clients/1.5/", "/api/v1/trainings/x/"],
)
def test_an_id_that_is_not_a_number_is_a_404(api_for, url):
    """`/api/v1/referrals/null,null/` reached the query: a ValueError, a 500."""
    response = api_for(CaseworkerFactory()).get(url)

    assert response.status_code == 404
