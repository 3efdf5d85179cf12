"""The names the factories give people: Faker's Flemish names, split so that a client's name
is never a user's, nor part of one, nor of another client's.

Tests assert that a client's name is *not* on a page or in a message that someone may not
read, and such pages show the people who work on it. Drawn from one pool, a client named
Sofie failed on the caseworker Sofie Claes who agreed; one named Ann would on Hanne. So
users draw from every other name and the hand-set staff names, and clients from the rest,
less any name that holds another or is held by one (Claes, Claessens), and less the
shortest, which ordinary words hold. Clients take their names in turn from a shuffled
pool, so two clients of a test differ."""

import hashlib
from collections import Counter

from faker.providers.person.nl_BE import Provider

# The names conftest's people carry (the caseworker Sofie Claes, the counsellor Jan Peeters).
HAND_SET = {"Sofie", "Jan", "Claes", "Peeters"}


def _split(names) -> tuple[list[str], list[str]]:
    ordered = sorted(set(names))
    users = [name for index, name in enumerate(ordered) if index % 2 == 0 or name in HAND_SET]
    return users, [name for name in ordered if name not in users]


_FIRST = {*Provider.first_names_male, *Provider.first_names_female}
USER_FIRST_NAMES, _first = _split(_FIRST)
USER_LAST_NAMES, _last = _split(Provider.last_names)
# Ahmed is a first name and a last name: counted twice, it is nobody's as a client.
_everyone = Counter([*_FIRST, *Provider.last_names])


def _apart(name: str) -> bool:
    return (
        len(name) >= 4
        and _everyone[name] == 1
        and not any(other != name and (name in other or other in name) for other in _everyone)
    )


def _shuffled(names: list[str]) -> list[str]:
    kept = [name for name in names if _apart(name)]
    return sorted(kept, key=lambda name: hashlib.sha256(name.encode()).digest())


CLIENT_FIRST_NAMES = _shuffled(_first)
CLIENT_LAST_NAMES = _shuffled(_last)


def client_first_name(n: int) -> str:
    return CLIENT_FIRST_NAMES[n % len(CLIENT_FIRST_NAMES)]


def client_last_name(n: int) -> str:
    return CLIENT_LAST_NAMES[n % len(CLIENT_LAST_NAMES)]
