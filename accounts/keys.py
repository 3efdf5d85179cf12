"""What can be a key of the database, told from a form's or a URL's text before it is
looked up: a text no key can be is answered as "not found", never with a 500."""

MAX_PK = 2**63 - 1  # the largest key a database holds (a 64-bit integer)


def is_pk(value) -> bool:
    """Whether `value` can be a key: ASCII digits (`isdigit()` also takes "²", which
    `int()` refuses), no more than a key holds. Counted before `int()`, which refuses over
    4,300 digits."""
    text = str(value)
    return (
        text.isascii() and text.isdigit() and len(text) <= len(str(MAX_PK)) and int(text) <= MAX_PK
    )
