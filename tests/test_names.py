"""The factories' names: a client's is never a user's, nor part of anyone's, nor a word the
tests or the pages write (tests.names)."""

from tests.names import (
    CLIENT_FIRST_NAMES,
    CLIENT_LAST_NAMES,
    STAFF,
    USER_FIRST_NAMES,
    USER_LAST_NAMES,
)

CLIENTS = [*CLIENT_FIRST_NAMES, *CLIENT_LAST_NAMES]
USERS = {*USER_FIRST_NAMES, *USER_LAST_NAMES}


def test_no_client_name_holds_or_is_held_by_another_name():
    assert len(CLIENTS) == len(set(CLIENTS)) > 400
    for name in CLIENTS:
        others = (USERS | set(CLIENTS)) - {name}
        assert not [other for other in others if name in other or other in name], name


def test_the_staff_names_are_users_and_names_written_elsewhere_nobodys():
    assert STAFF <= USERS
    # Set by hand for a client (Fatima Elouardi, Anna), and in "Reminder", "Mark as read".
    for name in ("Fatima", "Elouardi", "Anna", "Remi", "Mark"):
        assert name not in USERS
        assert name not in CLIENTS
