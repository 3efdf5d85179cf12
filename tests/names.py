"""The names the factories give people: Faker's Flemish names, split so that a client's name
is never a user's, nor part of one, nor of another client's, nor a word the tests or the
application write themselves.

Tests assert that a client's name is *not* on a page or in a message that someone may not
read, and such pages show the people who work on it. Drawn from one pool, a client named
Sofie failed on the caseworker Sofie Claes who agreed; one named Ann would on Hanne, one
named Remi on "Reminder". So users draw from every other name and the staff names
conftest sets, and clients from the rest, less any name that holds another or is held by
one (Claes, Claessens), less the shortest, less what the translations hold (Mark in "Mark
as read"). Neither draws a name the tests write (the client Fatima Elouardi they set by
hand). Clients take their names in turn from a shuffled pool, so two clients of a test
differ."""

import hashlib
import re
from collections import Counter
from pathlib import Path

from faker.providers.person.nl_BE import Provider

ROOT = Path(__file__).resolve().parent.parent

# The names conftest's people carry (the caseworker Sofie Claes, the counsellor Jan Peeters).
STAFF = {"Sofie", "Jan", "Claes", "Peeters"}

_TESTS_WRITE = set(
    re.findall(r"\w+", "\n".join(path.read_text("utf-8") for path in ROOT.glob("tests/**/*.py")))
)
_PAGES_SAY = "\n".join(path.read_text("utf-8") for path in ROOT.glob("locale/*/*/django.po"))


def _written(name: str) -> bool:
    return all(word in _TESTS_WRITE for word in name.split())


def _split(names) -> tuple[list[str], list[str]]:
    """Every other name (and the staff's) a user's, the rest a client's if apart."""
    ordered = sorted(set(names))
    users = [name for index, name in enumerate(ordered) if index % 2 == 0 or name in STAFF]
    return (
        [name for name in users if name in STAFF or not _written(name)],
        [name for name in ordered if name not in users and _apart(name)],
    )


_FIRST = {*Provider.first_names_male, *Provider.first_names_female}
# Ahmed is a first name and a last name: counted twice, it is nobody's as a client.
_EVERYONE = Counter([*_FIRST, *Provider.last_names])


def _apart(name: str) -> bool:
    return (
        len(name) >= 4
        and _EVERYONE[name] == 1
        and not any(other != name and (name in other or other in name) for other in _EVERYONE)
        and not _written(name)
        and name not in _PAGES_SAY
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
