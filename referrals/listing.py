"""What the lists share: a search kept in the session (names and national numbers never go
into a URL), sorting on a whitelisted column, filters from the query string, and pages
that never count all rows.

A list's URL holds only codes and ids (`?state=agreed&sort=-since&page=2`): it may be
bookmarked and shared, and the referral page links back to it with the filters as they were
(`remember_list` / `remembered_list`)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.admin_paging import rows_between

SEARCH_MAX_LENGTH = 100
# A link's parameter that starts a list without the search kept in the session.
CLEAR_SEARCH = "clear_search"


class SearchForm(forms.Form):
    """The search box of a list: posted, then kept in the session (`stored_search`)."""

    q = forms.CharField(
        label=_("Search by name, national number or VDAB client number"),
        max_length=SEARCH_MAX_LENGTH,
        required=False,
    )


def _search_key(name: str) -> str:
    return f"list-search:{name}"


def stored_search(request, name: str) -> str:
    return request.session.get(_search_key(name), "")


def store_search(request, name: str, form: SearchForm) -> None:
    """Keep a valid search term (or forget it when empty) for list `name`."""
    if form.is_valid() and form.cleaned_data["q"].strip():
        request.session[_search_key(name)] = form.cleaned_data["q"].strip()
    else:
        request.session.pop(_search_key(name), None)


# The referral list's name in the session (its search, and where it was left).
REFERRAL_LIST = "referrals"


def _list_key(name: str) -> str:
    return f"list-url:{name}"


def remember_list(request, name: str) -> None:
    """Remember the list's path and query (codes only) to link back to it as it was."""
    request.session[_list_key(name)] = request.get_full_path()


def remembered_list(request, name: str, default: str) -> str:
    return request.session.get(_list_key(name), default)


# --- sorting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A sortable column: its code in the URL, its heading, and the ordering it sorts by
    (ascending; the descending sort reverses each)."""

    code: str
    label: str
    ordering: Sequence[str]


def ordering_for(columns: Sequence[Column], sort: str, default: str) -> tuple[str, list[str]]:
    """The valid sort code asked for (else `default`) and its `order_by` arguments, with the
    primary key last so that pages never overlap."""
    by_code = {column.code: column for column in columns}
    if sort.removeprefix("-") not in by_code:
        sort = default
    column = by_code[sort.removeprefix("-")]
    descending = sort.startswith("-")
    fields = [*column.ordering, "pk"]
    return sort, [_reversed(field) if descending else field for field in fields]


def _reversed(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


@dataclass(frozen=True)
class Heading:
    """A column heading as the template shows it: a link that sorts by it (or reverses the
    sort when it is the current one), and its `aria-sort`."""

    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "none"


def headings(columns: Sequence[Column], sort: str, query: QueryDict) -> list[Heading]:
    result = []
    for column in columns:
        if sort == column.code:
            next_sort, aria = f"-{column.code}", "ascending"
        elif sort == f"-{column.code}":
            next_sort, aria = column.code, "descending"
        else:
            next_sort, aria = column.code, "none"
        result.append(Heading(column.label, with_query(query, sort=next_sort, page=None), aria))
    return result


def with_query(query: QueryDict, **changes) -> str:
    """`?…` of `query` with `changes` applied (None removes a parameter)."""
    params = {key: query.getlist(key) for key in query}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = [value]
    return "?" + urlencode(sorted(params.items()), doseq=True)


# --- pages ---------------------------------------------------------------------------------


class Page:
    """One page of a list, read with one row more than it shows to know whether there is a
    next one: no COUNT over the whole list, however long it is."""

    def __init__(self, queryset, number: str | None, size: int, query: QueryDict):
        try:
            self.number = max(1, min(int(number or 1), 100_000))
        except ValueError:
            self.number = 1
        rows = self._rows(queryset, size)
        if not rows and self.number > 1:  # past the end (the list shrank): its first page
            self.number = 1
            rows = self._rows(queryset, size)
        self.object_list = rows[:size]
        self.has_next = len(rows) > size
        self.has_previous = self.number > 1
        self.query = query

    def _rows(self, queryset, size: int) -> list:
        offset = (self.number - 1) * size
        return rows_between(queryset, offset, offset + size + 1)  # a deep page by its keys

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def previous_url(self) -> str:
        return with_query(self.query, page=str(self.number - 1) if self.number > 2 else None)

    @property
    def next_url(self) -> str:
        return with_query(self.query, page=str(self.number + 1))
