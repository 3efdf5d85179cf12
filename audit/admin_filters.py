"""The audit trail's list filters: by a number typed in (a person's, a client's, a
referral's) and by period (from, to), each with a small GET form in the sidebar.

A list of millions of rows cannot offer every person or client as a link, so these take a
number; the rows' own links set them (`?actor=12`, `?client=345`). Numbers are no one's
personal data: they may be in a URL, as they are in the app's own. A value that is not a
number or a date is dropped with a message, never a 500 or Django's "database error" page."""

import datetime
from urllib.parse import parse_qsl

from django.contrib import admin, messages
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Entry

MAX_DIGITS = 18  # a PositiveBigIntegerField's largest value has 19


def other_params(changelist, names) -> list[tuple[str, str]]:
    """The list's parameters but `names` and the page, as the hidden fields of a filter's
    form: submitting it changes that filter only (and starts at the first page)."""
    query = changelist.get_query_string(dict.fromkeys([*names, PAGE_VAR]))
    return parse_qsl(query.lstrip("?"), keep_blank_values=True)


class NumberFilter(admin.SimpleListFilter):
    """Rows about the number given in `parameter_name`: by default, whose `field` it is."""

    template = "admin/audit/entry/number_filter.html"
    field = ""
    input_label = ""

    def __init__(self, request, params, model, model_admin):
        values = params.get(self.parameter_name)
        if values is not None and not is_number(values[-1]):
            params.pop(self.parameter_name)
            if values[-1].strip():
                messages.error(
                    request, gettext("Filter by %(title)s: give a number.") % {"title": self.title}
                )
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, self.label(int(value)))] if value else []

    def label(self, number: int) -> str:
        return str(number)

    def has_output(self) -> bool:
        return True  # the form, whether or not a number is chosen

    def queryset(self, request, queryset):
        value = self.value()
        return self.rows(queryset, int(value)) if value else queryset

    def rows(self, queryset, number: int):
        return queryset.filter(**{self.field: number})

    def choices(self, changelist):
        self.other_params = other_params(changelist, [self.parameter_name])
        yield from super().choices(changelist)


def is_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS


class PersonFilter(NumberFilter):
    title = _("person")
    parameter_name = "actor"
    field = "actor_id"
    input_label = _("User number")

    def label(self, number: int) -> str:
        user = get_user_model().objects.filter(pk=number).first()
        if user is not None:
            full_name = user.get_full_name()
            return f"{user.get_username()} ({full_name})" if full_name else user.get_username()
        # An account deleted since: the name it had in the trail.
        name = Entry.objects.filter(actor_id=number).values_list("actor_name", flat=True)
        return name.first() or f"#{number}"


class ClientFilter(NumberFilter):
    """The rows about a client: alone, or among the clients a read showed."""

    title = _("client")
    parameter_name = "client"
    input_label = _("Client number")

    def rows(self, queryset, number: int):
        return queryset.about_client(number)


class ReferralFilter(NumberFilter):
    """The rows about a referral: alone, or among the referrals a read showed."""

    title = _("referral")
    parameter_name = "referral"
    input_label = _("Referral number")

    def rows(self, queryset, number: int):
        return queryset.about_referrals([number])


class PeriodFilter(admin.FieldListFilter):
    """Rows of a period, from one day to another (both included), typed in or chosen
    among the usual ones. Filtered as `at >= start of the first day` and `at < start of
    the day after the last`, which the index on `at` answers."""

    template = "admin/audit/entry/period_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.since_name = f"{field_path}__date__gte"
        self.until_name = f"{field_path}__date__lte"
        self.since = self.until = None
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("period")
        for name, attribute in ((self.since_name, "since"), (self.until_name, "until")):
            text = (self.used_parameters.get(name) or [""])[-1]
            try:
                day = datetime.date.fromisoformat(text) if text else None
                # The first and last days of the calendar cannot be a day's bounds in UTC.
                if day and not (datetime.date.min < day < datetime.date.max):
                    raise ValueError(text)
                setattr(self, attribute, day)
            except ValueError:
                messages.error(
                    request,
                    gettext("Filter by period: “%(date)s” is not a date (yyyy-mm-dd).")
                    % {"date": text[:20]},
                )

    def expected_parameters(self):
        return [self.since_name, self.until_name]

    def queryset(self, request, queryset):
        if self.since:
            queryset = queryset.filter(**{f"{self.field_path}__gte": start_of(self.since)})
        if self.until:
            day_after = self.until + datetime.timedelta(days=1)
            queryset = queryset.filter(**{f"{self.field_path}__lt": start_of(day_after)})
        return queryset

    def periods(self) -> list[tuple[str, datetime.date | None, datetime.date | None]]:
        today = timezone.localdate()
        return [
            (gettext("Any date"), None, None),
            (gettext("Today"), today, today),
            (gettext("Past 7 days"), today - datetime.timedelta(days=6), today),
            (gettext("This month"), today.replace(day=1), today),
            (gettext("This year"), today.replace(month=1, day=1), today),
        ]

    def choices(self, changelist):
        self.other_params = other_params(changelist, self.expected_parameters())
        for label, since, until in self.periods():
            yield {
                "selected": (self.since, self.until) == (since, until),
                "query_string": changelist.get_query_string(
                    {
                        self.since_name: since.isoformat() if since else None,
                        self.until_name: until.isoformat() if until else None,
                        PAGE_VAR: None,
                    }
                ),
                "display": label,
            }


def start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day`, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
