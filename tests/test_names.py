"""The factories' names: a client's is never a user's, nor part of anyone's (tests.names)."""

from tests.names import (
    CLIENT_FIRST_NAMES,
    CLIENT_LAST_NAMES,
    HAND_SET,
    USER_FIRST_NAMES,
    USER_LAST_NAMES,
)


def test_no_client_name_holds_or_is_held_by_another_name():
    clients = [*CLIENT_FIRST_NAMES, *CLIENT_LAST_NAMES]
    users = {*USER_FIRST_NAMES, *USER_LAST_NAMES}
    assert len(clients) == len(set(clients)) > 400
    assert HAND_SET <= users
    for name in clients:
        others = (users | set(clients)) - {name}
        assert not [other for other in others if name in other or other in name], name
