"""The factories' names (tests.names): a client's is never a user's, nor part of another name
or of the pages' text, nor a word the tests write."""

from tests import names

CLIENTS = [*names.CLIENT_FIRST_NAMES, *names.CLIENT_LAST_NAMES]
USERS = {*names.USER_FIRST_NAMES, *names.USER_LAST_NAMES}


def test_no_client_name_holds_or_is_held_by_another_name():
    assert len(CLIENTS) == len(set(CLIENTS))
    assert len(names.CLIENT_LAST_NAMES) > 150
    for name in CLIENTS:
        others = (USERS | set(CLIENTS)) - {name}
        assert not [other for other in others if name in other or other in name], name


def test_no_client_name_is_in_the_pages_text():
    assert "Remi" in names.PAGE_TEXT  # "Reminder"
    assert "Frida" in names.PAGE_TEXT  # Django's "Friday"
    assert not [name for name in CLIENTS if name in names.PAGE_TEXT]


def test_the_staff_names_are_users_and_the_names_the_tests_write_nobodys():
    assert names.STAFF <= USERS
    assert {"Fatima", "Anna"} <= names.WORDS_IN_TESTS  # set by hand for clients
    written = [name for name in [*CLIENTS, *USERS - names.STAFF] if names.written_in_tests(name)]
    assert not written
