"""What the admin's searches should find, worked out apart from them: Django's own admin
search with the same search fields, but that a word of one or two letters, in a field
Django looks for it anywhere (one without prefix or lookup), is found only where the
field or a part of it starts: after a space or a hyphen, and in a user's name or e-mail
address also after a dot, an underscore or "@" (`querysets.word_in`, as the app's own
search finds it in names). Django's search finds every such row too, so the rows are
Django's, of which those whose short words start a part of some field are kept, each
field's value compared here, in Python."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models.constants import LOOKUP_SEP

from referrals.admin.words import search_words

# Django's search fields with a prefix, and the lookups a search field may end with here.
PREFIXES = {"^": "istartswith", "=": "iexact"}
LOOKUPS = {"startswith", "exact"}


def django_search(model_admin, term: str, search_fields: list[str] | None = None) -> set[int]:
    """What Django's own admin search finds with the admin's search fields (or those)."""
    plain = admin.ModelAdmin(model_admin.model, admin.site)
    plain.search_fields = model_admin.search_fields if search_fields is None else search_fields
    found, _ = plain.get_search_results(None, model_admin.model.objects.all(), term)
    return set(found.values_list("pk", flat=True))


def starts_a_part(value: str, word: str, marks: str) -> bool:
    """`word` where `value`, or a part of it after one of `marks`, starts, in any case."""
    value, word = value.upper(), word.upper()
    return value.startswith(word) or any(f"{mark}{word}" in value for mark in marks)


def marks_of(model, field: str) -> str:
    """What starts a part of the search field `field` (a path from `model`)."""
    *relations, _name = field.split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    return " -._@" if model is get_user_model() else " -"


def holding(model, field: str, word: str) -> set[int]:
    """The rows of `model` whose search field `field` holds the short `word`."""
    rows = model.objects.all()
    if field[0] in PREFIXES:
        rows = rows.filter(**{f"{field[1:]}__{PREFIXES[field[0]]}": word})
    elif field.rsplit(LOOKUP_SEP, 1)[-1] in LOOKUPS:
        rows = rows.filter(**{field: word})
    else:
        marks = marks_of(model, field)
        return {
            pk
            for pk, value in rows.values_list("pk", field)
            if value is not None and starts_a_part(value, word, marks)
        }
    return set(rows.values_list("pk", flat=True))


def admin_finds(model_admin, term: str, search_fields: list[str] | None = None) -> set[int]:
    """What the admin's search of `model_admin` (or with `search_fields`) should find."""
    fields = model_admin.search_fields if search_fields is None else search_fields
    found = django_search(model_admin, term, fields)
    for word in [word for word in search_words(term) if len(word) < 3]:
        found &= set().union(*(holding(model_admin.model, field, word) for field in fields))
    return found
