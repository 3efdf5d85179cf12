"""The audit trail in Django admin, for administrators: read, filtered, exported; never
added, changed or deleted, by anyone (superusers included).

The trail grows by millions of rows a year, so the list asks the database only what its
indexes answer: a page of the newest rows through the filters (person, client, referral,
organisation, kind, period), a count that stops at a cap (`CappedListMixin`), no facets,
no total, and one query for the page (the organisation joined). The search finds a person by
user name or name, through the accounts, and the failed logins under a user name."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_paging import ActionCheckboxMixin, CappedListMixin
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin

from . import trail
from .admin_filters import ClientFilter, PeriodFilter, PersonFilter, ReferralFilter, is_number
from .export import csv_response, detail_text
from .models import Entry, Kind, Purge

# Accounts a search may name: more and it should be narrower.
SEARCH_MATCHES = 50
# The subjects of a read of several linked in the list's row, and on the row's own page (an
# export names up to 10,000).
LISTED_SUBJECTS = 3
SHOWN_SUBJECTS = 200
# The list, from the row's own page.
LIST = reverse_lazy("admin:audit_entry_changelist")


@admin.register(Entry)
class EntryAdmin(
    ActionCheckboxMixin, ReadOnlyAdminMixin, SessionSearchMixin, CappedListMixin, admin.ModelAdmin
):
    list_display = [
        "at",
        "kind",
        "person",
        "organisation",
        "client",
        "referral",
        "path",
        "ip_address",
        "summary",
    ]
    list_filter = [
        PersonFilter,
        ClientFilter,
        ReferralFilter,
        "organisation",
        "kind",
        ("at", PeriodFilter),
    ]
    list_select_related = ["organisation", "actor"]
    list_per_page = 100
    search_fields = ["actor_name"]  # searched by get_search_results
    search_help_text = _(
        "A user name or a person's name: what that person did, and the failed logins and "
        "lockouts under that user name."
    )
    actions = ["export_csv"]
    fields = [
        "at",
        "kind",
        "actor",
        "actor_name",
        "organisation",
        "all_clients",
        "all_referrals",
        "path",
        "ip_address",
        "detail_shown",
    ]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        """Rows under the user names of the accounts the term names (every word in the user
        name, first or last name), or under the term itself as a user name (a failed
        login's): the index on (actor_name, at) answers either."""
        term = search_term.strip()
        if not term:
            return queryset, False
        accounts = get_user_model().objects.all()
        for word in term.split():
            accounts = accounts.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
            )
        names = {term, *accounts.values_list("username", flat=True)[:SEARCH_MATCHES]}
        return queryset.filter(actor_name__in=names), False

    @admin.display(description=_("person"), ordering="actor_name")
    def person(self, entry: Entry):
        if entry.actor_id is None:
            return entry.actor_name or "—"
        name = entry.actor_name
        if entry.actor is not None and entry.actor.get_full_name():
            name = f"{name} ({entry.actor.get_full_name()})"
        return filter_link(name, PersonFilter.parameter_name, entry.actor_id)

    @admin.display(description=_("client"), ordering="client_id")
    def client(self, entry: Entry):
        return subject_links(entry.clients, ClientFilter.parameter_name, LISTED_SUBJECTS)

    @admin.display(description=_("referral"), ordering="referral_id")
    def referral(self, entry: Entry):
        return subject_links(entry.referrals, ReferralFilter.parameter_name, LISTED_SUBJECTS)

    @admin.display(description=_("clients"))
    def all_clients(self, entry: Entry):
        return subject_links(entry.clients, ClientFilter.parameter_name, SHOWN_SUBJECTS, LIST)

    @admin.display(description=_("referrals"))
    def all_referrals(self, entry: Entry):
        return subject_links(entry.referrals, ReferralFilter.parameter_name, SHOWN_SUBJECTS, LIST)

    @admin.display(description=_("detail"))
    def summary(self, entry: Entry) -> str:
        text = detail_text(entry.detail)
        return text if len(text) <= 120 else text[:119] + "…"

    @admin.display(description=_("detail"))
    def detail_shown(self, entry: Entry):
        return format_html("<pre>{}</pre>", detail_text(entry.detail)) if entry.detail else "—"

    @admin.action(description=_("Export the selected rows as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        """The rows chosen (or, with "select all", every row the filters and the search
        leave) as a CSV file. Reading the trail is a read of personal data: the export
        writes its own row, with what it was filtered by."""
        count = queryset.count()
        filters = request.GET.dict()
        client = request.GET.get(ClientFilter.parameter_name, "")
        detail = {
            "export": "audit trail",
            "rows": count,
            "filters": filters,
            "searched": bool(self.get_stored_search(request)),
        }
        entry = trail.record(
            Kind.EXPORT,
            request=request,
            client=int(client) if is_number(client) else None,
            detail=detail,
        )
        file_name = f"audit-trail-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
        return csv_response(queryset.exclude(pk=entry.pk), file_name)


def subject_links(numbers: list[int], parameter: str, shown: int, to: str = ""):
    """The first `shown` of a row's subjects, each linking to the list (`to`: a URL, or
    this page's own) filtered by it, and how many more."""
    if not numbers:
        return "—"
    links = format_html_join(
        ", ", "{}", ((filter_link(pk, parameter, pk, to),) for pk in numbers[:shown])
    )
    more = len(numbers) - len(numbers[:shown])
    if not more:
        return links
    text = ngettext("and %(count)s more", "and %(count)s more", more) % {"count": more}
    return format_html("{} {}", links, text)


def filter_link(text, parameter: str, number: int | None, to: str = ""):
    """`text` linking to the list (`to`, or this page) filtered by `number` (a person, a
    client, a referral)."""
    if number is None:
        return "—"
    return format_html('<a href="{}?{}">{}</a>', to, urlencode({parameter: number}), text)


@admin.register(Purge)
class PurgeAdmin(ActionCheckboxMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Each application of the trail's retention: when, which rows (before the cutoff),
    how many."""

    list_display = ["at", "cutoff", "deleted"]
    fields = list_display
    readonly_fields = fields
