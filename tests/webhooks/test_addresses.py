"""Where a webhook may go: never to this machine, a link-local address (a cloud's metadata
service) or a reserved one; to a private network only one the operator named; the check is
made at each attempt, on the addresses the host resolves to then."""

import pytest

from webhooks.models import address_refusal

PUBLIC = "https://8.8.8.8/hooks"


@pytest.fixture(autouse=True)
def production(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_PRIVATE_NETWORKS = []
    return settings


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost:8443/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://[::1]/hooks",
        "https://0.0.0.0/hooks",
    ],
)
def test_an_address_that_is_not_public_is_refused(url):
    assert "not public" in address_refusal(url)


def test_a_public_address_is_taken():
    assert address_refusal(PUBLIC) == ""


def test_a_private_network_the_operator_named_is_taken(production):
    production.WEBHOOKS_PRIVATE_NETWORKS = ["10.0.0.0/8"]

    assert address_refusal("https://10.1.2.3/hooks") == ""
    assert "not public" in address_refusal("https://192.168.0.10/hooks")


def test_a_name_that_does_not_resolve_is_left_to_the_call():
    """The call fails (temporarily) and is retried: DNS may be back by then."""
    assert address_refusal("https://no-such-host.invalid/hooks") == ""


def test_development_and_tests_allow_this_machine(production):
    production.WEBHOOKS_ALLOW_HTTP = True

    assert address_refusal("http://127.0.0.1:8080/hooks") == ""
