"""The words of an admin search, and each word's condition over the search fields.

Django's admin splits a term into words ("quoted words" as one) and wants each word in one
of the search fields: a field with a prefix (`^name`, `=name`, `@name`) or a lookup
(`name__startswith`) as it says, a plain one anywhere (`icontains`). These searches do the
same a word at a time, each word's condition written so that a table's own indexes answer
it (`WordSearchMixin`; `search.ReferralSearchMixin` and `search.RowSearchMixin`, which ask
each table apart).

A plain field is asked anywhere from three letters on; a word of one or two letters where
the name or text, or a part of it, starts (`querysets.word_in`), as the app's own search
finds it. Anywhere, no index answers it, and PostgreSQL read every name and text (the
history searched for "x" at a million referrals: 6 seconds, to find no line); at the start
of a part, the trigram indexes do. The search box says so (`SHORT_WORDS`)."""

import functools
import operator

from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from ..models.querysets import NAME_PARTS, word_in

# Django's lookup for a search field named with a prefix.
PREFIXED = {"^": "istartswith", "=": "iexact", "@": "search"}
# Under the search box of the admins whose search finds a short word where a part starts.
SHORT_WORDS = _(
    "One or two letters find the start of a word (“de” finds “De Smet”, not “Vandenberghe”); "
    "longer words are found anywhere."
)
# A user name or an e-mail address has parts after dots, underscores and "@" too: "pe"
# finds jan.peeters.
USER_PARTS = f"{NAME_PARTS}._@"


def through(path: str, fields: list[str]) -> list[str]:
    """`fields` (Django's search fields) as named from a row whose foreign key `path` leads
    to their model."""
    return [
        f"{field[0]}{path}__{field[1:]}" if field[0] in PREFIXED else f"{path}__{field}"
        for field in fields
    ]


def search_words(term: str) -> list[str]:
    """The words of `term` as Django's admin search splits them ("quoted words" as one)."""
    words = []
    for word in smart_split(term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        words.append(word)
    return words


def any_of(conditions) -> Q:
    return functools.reduce(operator.or_, conditions)


def all_of(conditions) -> Q:
    return functools.reduce(operator.and_, conditions)


def field_has(field: str, word: str, prefix: str = "", parts: str = NAME_PARTS) -> Q:
    """Django's condition for `word` in a search field of the model's own (`^name`,
    `=name`, `@name`, `name__lookup`), through the lookup path `prefix`; for a plain `name`,
    which Django looks for anywhere (icontains), `word_in`: a word of one or two letters
    where the name or text, or a part of it (after one of `parts`), starts."""
    if field[0] in PREFIXED:
        return Q(**{f"{prefix}{field[1:]}__{PREFIXED[field[0]]}": word})
    if LOOKUP_SEP in field:
        return Q(**{f"{prefix}{field}": word})
    return word_in(f"{prefix}{field}", word, parts)


def holds(fields: list[str], word: str, path: str = "", parts: str = NAME_PARTS) -> Q:
    """The condition for `word` over search fields of the model's own, or of the model a
    row's foreign keys `path` ("referral__client") lead to (`field_has`)."""
    prefix = f"{path}{LOOKUP_SEP}" if path else ""
    return any_of(field_has(field, word, prefix, parts) for field in fields)


class WordSearchMixin:
    """For an admin whose search fields Django's condition joins, or compares as text
    (ids), or looks for anywhere: Django's search a word at a time, each word's condition
    (`word_found`) written so that the table's own indexes answer it; by default, the
    search fields (the model's own) as `holds` asks them (then say `SHORT_WORDS`)."""

    def word_found(self, word: str) -> Q:
        return holds(self.search_fields, word)

    def get_search_results(self, request, queryset, search_term):
        return queryset.filter(*map(self.word_found, search_words(search_term))), False
