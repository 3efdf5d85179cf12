"""The OpenAPI schema and its Swagger UI page: a valid OpenAPI 3 document naming the state
codes and step names as enumerations and every step's body; a page that runs under the
site's Content-Security-Policy, its files served from our static files."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from api.steps import PAGE_ONLY
from referrals.enums import State
from referrals.steps import STEPS
from tests.test_url_access import API_KEYS, PATTERNS

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def ref(schema: dict, node: dict) -> dict:
    """The schema a `$ref` points to, also wrapped in a one-item `allOf` (or the node)."""
    while "$ref" in node or len(node.get("allOf", [])) == 1:
        if "allOf" in node:
            node = node["allOf"][0]
            continue
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = schema["components"]["schemas"][name]
    return node


def operation(schema: dict, operation_id: str) -> dict:
    found = [
        op
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and op.get("operationId") == operation_id
    ]
    assert len(found) == 1, operation_id
    return found[0]


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


def test_the_schema_generates_without_a_warning(tmp_path):
    """What `manage.py spectacular --validate --fail-on-warn` checks in CI."""
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_the_schema_describes_every_api_url(schema):
    routes = {key: route for key, route, _ in PATTERNS if key in API_KEYS}
    described = {re.sub(r"\{\w+\}", "{}", path) for path in schema["paths"]}
    expected = {
        "/"
        + re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", "{}", route).replace("^", "").replace("$", "")
        for key, route in routes.items()
        if key not in ("api:schema", "api:docs")
    }
    assert described == expected


def test_the_states_are_an_enumeration_of_their_codes(schema):
    state = ref(schema, schema["components"]["schemas"]["Referral"]["properties"]["state"])

    assert state["enum"] == State.values


def test_a_referrals_state_is_read_only_with_no_default(schema):
    """Nobody sends a referral's state: its schema names no default (DRF gives a field of a
    unique constraint one unless the serializer validates nothing: `validators = []`)."""
    state = schema["components"]["schemas"]["Referral"]["properties"]["state"]

    assert state["readOnly"] is True
    assert "default" not in state


def test_the_steps_are_an_enumeration_of_their_names(schema):
    transitions = ref(
        schema,
        operation(schema, "referral_transitions")["responses"]["200"]["content"][
            "application/json"
        ]["schema"],
    )
    available = ref(schema, transitions["properties"]["available"]["items"])

    assert ref(schema, available["properties"]["name"])["enum"] == list(STEPS)


def test_a_conflict_names_its_codes(schema):
    conflict = ref(
        schema,
        operation(schema, "referral_step_close")["responses"]["409"]["content"]["application/json"][
            "schema"
        ],
    )

    codes = ref(schema, conflict["properties"]["code"])["enum"]
    assert sorted(codes) == ["blocked", "changed", "not_possible", "refused"]


@pytest.mark.parametrize("name", STEPS)
def test_each_step_has_its_forms_fields_as_its_body(schema, name):
    form = STEPS[name].form
    body = ref(
        schema,
        operation(schema, f"referral_step_{name}")["requestBody"]["content"]["application/json"][
            "schema"
        ],
    )

    fields = {field for field in form.base_fields if field not in PAGE_ONLY}
    assert set(body["properties"]) == fields
    required = {field for field in fields if form.base_fields[field].required and field != "state"}
    assert set(body.get("required", [])) == required
    assert ref(schema, body["properties"]["state"])["enum"] == State.values


def test_the_schema_says_how_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["token"]["description"],
    }
    assert schemes["cookieAuth"]["in"] == "cookie"


# --- the page ---------------------------------------------------------------------------------


@pytest.fixture
def docs(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    return response


def test_the_docs_page_has_no_inline_script(docs):
    html = docs.content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "the page runs Swagger UI"
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert not re.search(r"\son\w+=", html)  # no event handler attributes either
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    assert "unsafe-inline" not in docs["Content-Security-Policy"]


def test_the_docs_page_has_no_inline_style(docs):
    assert "<style" not in docs.content.decode()


def test_the_docs_pages_files_are_ours_not_a_cdn(docs, settings):
    html = docs.content.decode()
    sources = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html)

    assert len(sources) >= 4  # the bundle, the preset, the settings, the stylesheet
    assert not [url for url in sources if re.match(r"(https?:)?//", url)]
    static = [url for url in sources if url.startswith(settings.STATIC_URL)]
    assert {url.rsplit("/", 1)[-1] for url in static} >= {
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-ui.css",
    }
    for url in static:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_the_docs_settings_script_points_at_our_schema(client, docs):
    [settings_script] = re.findall(
        r'<script src="(/api/docs/\?script=[^"]*)"', docs.content.decode()
    )

    response = client.get(settings_script)

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert reverse("api:schema") in response.content.decode()
