"""How long the free text people write may be, and how every path keeps to it.

A text field's limit is its `max_length`, one of the lengths below for the long texts (the
short ones, names and places, keep the lengths their CharFields always had). From there:

- forms and Django admin take it (a `maxlength` attribute, and Django's own message "at most
  N characters (it has M)"), the step forms through `max_length_of`;
- the services refuse a longer text with that same message (`within_limit`, which runs the
  field's own validators too), so that a caller without a form gets a ValidationError
  rather than a database error;
- the database refuses it too: a CharField is a varchar(n), which PostgreSQL enforces, and a
  TextField (no length in SQL) has a CheckConstraint on its length (`max_length_check`),
  which PostgreSQL and SQLite both enforce. SQLite ignores varchar lengths; it serves only
  the demo and the quick tests, PostgreSQL is the database of record.

The numbers: a reason or one aspect of the screening is a paragraph or two, 2,000 characters
is some 300 words; a note (the warm handover, a guidance note, the OCMW's notes on a client, a
training's description) may fill a page, 5,000 characters is some 750 words, and keeps the
printed formal agreement to two pages.

A text of one line (a name, a street, a phone number) holds no control character either
(`one_line`): a tab or a line break pasted with it, or a character nobody can see. Nothing
shows them, and a workbook cannot hold most of them (`referrals.workbooks.xlsx_text`)."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

REASON = 2_000
SCREENING = 2_000
NOTE = 5_000

# Unicode's control characters (category Cc) and its line and paragraph separators. A form
# field refuses NUL first with Django's own message; a model field does not.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def max_length_check(prefix: str, field: str, limit: int) -> models.CheckConstraint:
    """The database's copy of a TextField's `max_length`: its length is at most `limit`."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit), name=f"{prefix}_{field}_max_length"
    )


def max_length_of(model, field: str) -> int:
    """A model field's limit, for a form field that takes the same text."""
    return model._meta.get_field(field).max_length


def within_limit(model, field: str, value: str, *, key: str | None = None) -> str:
    """`value`, if it fits `model.field` (its length, then the field's own validators, such
    as `one_line`); else a ValidationError on `key` (the field's name unless told) with
    Django's max_length message, or the validator's."""
    model_field = model._meta.get_field(field)
    try:
        MaxLengthValidator(model_field.max_length)(value)
        model_field.run_validators(value)
    except ValidationError as exc:
        raise ValidationError({key or field: exc.error_list}) from None
    return value


def one_line(value: str) -> None:
    """Refuses a control character in a text of one line: the model fields of a client's and
    a candidacy's name and address (their forms and Django admin), and the forms and the
    import's columns that take them."""
    if CONTROL_CHARACTER.search(value):
        raise ValidationError(
            _("Remove the tab, line break or other invisible control character from this text."),
            code="control_character",
        )
