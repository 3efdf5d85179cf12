"""The names the factories give people: Faker's Flemish names, split so that a client's name
is never a user's, nor part of another name or of the pages' text.

Tests assert that a client's name is *not* on a page or in a message that someone may not
read, where the people who work on it are named. So users draw from every other name and
the staff names conftest sets; clients from the rest, less any name that holds another or
is held by one (Claes, Claessens), less the shortest, less what Django's and our
translations hold (a word of the pages: "Reminder" holds Remi). Neither draws a word the
tests write themselves (a client or a user they name by hand). Clients take their names in
turn from a shuffled pool, so the clients of a test differ, up to the pools' sizes (about
170 last names)."""

import hashlib
import re
from collections import Counter
from pathlib import Path

import django
from faker.providers.person.nl_BE import Provider

TESTS = Path(__file__).resolve().parent

# The names conftest's people carry (the caseworker Sofie Claes, the counsellor Jan Peeters).
STAFF = {"Sofie", "Jan", "Claes", "Peeters"}

# Every word of the tests but this module's and its test's, which name examples.
WORDS_IN_TESTS = {
    word
    for path in TESTS.glob("**/*.py")
    if path.name not in ("names.py", "test_names.py")
    for word in re.findall(r"\w+", path.read_text("utf-8"))
}
DJANGO = Path(django.__file__).parent
PAGE_TEXT = "\n".join(
    path.read_text("utf-8")
    for path in [
        *TESTS.parent.glob("locale/*/LC_MESSAGES/django.po"),
        *DJANGO.glob("conf/locale/nl/LC_MESSAGES/django.po"),
        *DJANGO.glob("contrib/*/locale/nl/LC_MESSAGES/django.po"),
    ]
)


def written_in_tests(name: str) -> bool:
    return all(word in WORDS_IN_TESTS for word in name.split())


_FIRST = {*Provider.first_names_male, *Provider.first_names_female}
# Ahmed is a first name and a last name: counted twice, it is nobody's as a client.
_ALL = Counter([*_FIRST, *Provider.last_names])


def _a_clients(name: str) -> bool:
    return (
        len(name) >= 4
        and _ALL[name] == 1
        and not written_in_tests(name)
        and name not in PAGE_TEXT
        and not any(other != name and (name in other or other in name) for other in _ALL)
    )


def _split(names) -> tuple[list[str], list[str]]:
    """Users' names and clients' names, of `names` sorted."""
    ordered = sorted(set(names))
    users = [name for index, name in enumerate(ordered) if index % 2 == 0 or name in STAFF]
    return (
        [name for name in users if name in STAFF or not written_in_tests(name)],
        [name for name in ordered if name not in users and _a_clients(name)],
    )


def _shuffled(names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: hashlib.sha256(name.encode()).digest())


USER_FIRST_NAMES, _first = _split(_FIRST)
USER_LAST_NAMES, _last = _split(Provider.last_names)
CLIENT_FIRST_NAMES = _shuffled(_first)
CLIENT_LAST_NAMES = _shuffled(_last)


def client_first_name(n: int) -> str:
    return CLIENT_FIRST_NAMES[n % len(CLIENT_FIRST_NAMES)]


def client_last_name(n: int) -> str:
    return CLIENT_LAST_NAMES[n % len(CLIENT_LAST_NAMES)]
