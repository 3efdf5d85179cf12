"""Admin changelist search that keeps the term out of URLs.

A search is a person's name or national number more often than not, and a URL ends up in
server logs and browser history. So the search form posts, the term is kept in the session
(per model), and the changelist, its links and the preserved filters of the change pages
never carry it. Every ModelAdmin with `search_fields` uses `SessionSearchMixin`.

Django also filters a list by any of the model's own fields named in the URL
(`?last_name=Peeters`, `?insz=…`) and then carries that filter into every link of the list
and its change pages. Only the filters the list offers (its list_filter and date hierarchy)
are kept here; a URL with another is answered with the list without it."""

from django.contrib import messages
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.options import IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import (
    ALL_VAR,
    ERROR_FLAG,
    ORDER_VAR,
    PAGE_VAR,
    SEARCH_VAR,
)
from django.core.exceptions import PermissionDenied
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpResponseRedirect, QueryDict
from django.utils.http import urlencode
from django.utils.translation import gettext

from .admin_paging import RowLinksChangeList

# The button that clears the search (and, like Django's "N total" link, the filters).
CLEAR_SEARCH_VAR = "_clear_search"
# What a new search leaves out of the changelist's URL: the term, and the page of the old one.
DROPPED_PARAMS = (SEARCH_VAR, PAGE_VAR, ERROR_FLAG)
# The changelist's own parameters: everything else in its URL is a filter.
LIST_PARAMS = {ALL_VAR, ORDER_VAR, PAGE_VAR, SEARCH_VAR, ERROR_FLAG}
LIST_PARAMS |= {IS_FACETS_VAR, IS_POPUP_VAR, TO_FIELD_VAR, CLEAR_SEARCH_VAR}


class SessionSearchChangeList(RowLinksChangeList):
    """A changelist searched by the term kept in the session, never by a URL parameter."""

    search_in_session = True  # tells templates/admin/search_form.html to post

    def get_queryset(self, request, exclude_parameters=None):
        self.query = self.model_admin.get_stored_search(request)
        return super().get_queryset(request, exclude_parameters)

    def get_query_string(self, new_params=None, remove=None):
        # Not `remove`: it drops every parameter that merely starts with "q".
        return super().get_query_string({**(new_params or {}), SEARCH_VAR: None}, remove)

    def clear_search_query_string(self) -> str:
        """Where the "N total" button leads: the whole list, still in its popup or facets."""
        kept = (IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR)
        return "?" + urlencode(sorted((k, v) for k, v in self.params.items() if k in kept))


class SessionSearchMixin:
    """For a ModelAdmin: search by POST, the term in the session, nothing of it in URLs."""

    def search_session_key(self, request) -> str:
        # A raw-id popup searches for a field of another page: it keeps a search of its own.
        popup = ":popup" if IS_POPUP_VAR in request.GET else ""
        return f"admin-search:{self.admin_site.name}:{self.opts.label_lower}{popup}"

    def get_stored_search(self, request) -> str:
        return request.session.get(self.search_session_key(request), "")

    def get_changelist(self, request, **kwargs):
        return SessionSearchChangeList

    def get_preserved_filters(self, request):
        preserved = super().get_preserved_filters(request)
        if not preserved:
            return preserved
        # An old link may still carry the term, or a filter the list does not offer, in
        # _changelist_filters: pass the rest on.
        filters = QueryDict(QueryDict(preserved)["_changelist_filters"], mutable=True)
        filters.pop(SEARCH_VAR, None)
        for name in self.unoffered_filters(request, filters):
            filters.pop(name)
        return urlencode({"_changelist_filters": filters.urlencode()}) if filters else ""

    def unoffered_filters(self, request, params) -> list[str]:
        """The parameters of `params` that filter on something the list offers no filter
        for, such as `last_name=Peeters` typed into the address."""
        if IS_POPUP_VAR in request.GET:
            return []  # a raw-id popup filters by its field's limit_choices_to
        paths = {self.date_hierarchy} - {None}
        for entry in self.get_list_filter(request):
            if isinstance(entry, (list, tuple)):
                entry = entry[0]
            if isinstance(entry, type) and issubclass(entry, SimpleListFilter):
                entry = entry.parameter_name
            paths.add(entry)

        def offered(name: str) -> bool:
            # A filter's parameter, which Django also allows (unlike organisation__name
            # next to an organisation filter, which it refuses with a 400).
            return any(
                name == path or name.startswith(path + LOOKUP_SEP) for path in paths
            ) and all(self.lookup_allowed(name, value, request) for value in params.getlist(name))

        return [name for name in params if name not in LIST_PARAMS and not offered(name)]

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and is_search_post(request.POST):
            return self.store_search(request, request.POST, status=303)
        if request.method == "GET" and SEARCH_VAR in request.GET:  # an old bookmark
            return self.store_search(request, request.GET, status=302)
        if request.method == "GET" and (unoffered := self.unoffered_filters(request, request.GET)):
            return self.drop_filters(request, unoffered)
        return super().changelist_view(request, extra_context)

    def drop_filters(self, request, names: list[str]) -> HttpResponseRedirect:
        """Show the list without the filters `names`, saying so."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        messages.warning(
            request,
            gettext(
                "This list cannot be filtered that way; use the search box for names and numbers."
            ),
        )
        params = request.GET.copy()
        for name in names:
            params.pop(name)
        return HttpResponseRedirect(
            f"{request.path}?{params.urlencode()}" if params else request.path
        )

    def store_search(self, request, data, *, status: int) -> HttpResponseRedirect:
        """Keep (or clear) the term of `data`, then show the changelist without it."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        key = self.search_session_key(request)
        form = SessionSearchChangeList.search_form_class(data)
        if CLEAR_SEARCH_VAR in data:
            request.session.pop(key, None)
        elif form.is_valid():
            term = form.cleaned_data[SEARCH_VAR]
            if term.strip():
                request.session[key] = term
            else:
                request.session.pop(key, None)
        else:
            for errors in form.errors.values():
                messages.error(request, ", ".join(errors))
        params = request.GET.copy()
        for name in DROPPED_PARAMS:
            params.pop(name, None)
        response = HttpResponseRedirect(
            f"{request.path}?{params.urlencode()}" if params else request.path
        )
        response.status_code = status
        return response


def is_search_post(data) -> bool:
    """Whether a POST to the changelist is the search form (not an action or a bulk edit)."""
    if "action" in data or "index" in data or "_save" in data:
        return False
    return SEARCH_VAR in data or CLEAR_SEARCH_VAR in data
