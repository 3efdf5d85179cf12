"""The referral list's filters and columns, for each side: which filters a user is offered
follows what they see (a caseworker sees one OCMW, so no OCMW or province filter)."""

from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Province

from .enums import State
from .formfields import BoundedModelChoiceField, DateInput, LongSelect
from .listing import Column
from .models import Training
from .models.indexes import KEY_DATE, OVERDUE_PERIOD_FIELDS, STATE_ORDER
from .models.querysets import OVERDUE_STATES_ALL, client_search, on_days, overdue_condition
from .models.work import mine, work_conditions, work_of

COLUMNS = [
    Column("client", _("Client"), ["client__last_name", "client__first_name"]),
    Column("training", _("Training"), ["training__title", "training__location"]),
    Column("ocmw", _("OCMW"), ["ocmw__name"]),
    Column("state", _("State"), ["state_order"]),
    Column("key_date", _("Key date"), ["key_date"]),
    Column("since", _("Since"), ["state_changed_at"]),
]
DEFAULT_SORT = "-since"

SORT_ANNOTATIONS = {
    # The states in the order of the flow, not of their codes; the date a state turns on.
    # Indexes hold both.
    "state_order": STATE_ORDER,
    "key_date": KEY_DATE,
}

# The dates a list can be narrowed to: the code and its label.
DATE_FIELDS = {
    "applied_on": _("Date of the candidacy"),
    "agreed_on": _("Formal agreement date"),
    "intake": _("Intake date"),
    "start_date": _("Start date"),
    "end_date": _("End date"),
    "since": _("Last change of state"),
}
# The dates to filter on that are moments: the field of each (a date's code is its field).
_MOMENTS = {"intake": "intake_at", "since": "state_changed_at"}


def _field(code: str) -> str:
    return _MOMENTS.get(code, code)


class ReferralFilterForm(forms.Form):
    """The list's filters, read from the query string (codes and ids only)."""

    # Every list page shows these: their options written directly (`LongSelect`).
    state = forms.ChoiceField(label=_("State"), required=False, widget=LongSelect)
    training = BoundedModelChoiceField(
        label=_("Training"), queryset=Training.objects.none(), required=False
    )
    ocmw = BoundedModelChoiceField(
        label=_("OCMW"), queryset=Organisation.objects.none(), required=False
    )
    province = forms.ChoiceField(label=_("Province of the OCMW"), required=False, widget=LongSelect)
    dates = forms.ChoiceField(label=_("Date"), required=False, widget=LongSelect)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    mine = forms.BooleanField(
        label=_("Only mine"),
        required=False,
        help_text=_("Yours, and those nobody of your side is responsible for yet."),
    )
    work = forms.ChoiceField(label=_("To do"), required=False, widget=LongSelect)

    def __init__(self, data, *, user):
        super().__init__(data, auto_id="id_filter_%s")
        self.user = user
        self.fields["state"].choices = [("", _("All states")), *State.choices]
        self.fields["dates"].choices = list(DATE_FIELDS.items())
        self.fields["work"].choices = [
            ("", _("Anything")),
            *((work.code, work.heading) for work in work_of(user)),
        ]
        if user.is_counsellor:
            self.fields["training"].queryset = Training.objects.responsible(user)
        else:
            self.fields["training"].queryset = Training.objects.all()
        self.fields["training"].empty_label = _("All trainings")
        if user.is_caseworker:
            del self.fields["ocmw"]
        else:
            self.fields["ocmw"].queryset = Organisation.objects.filter(
                kind=Organisation.Kind.OCMW
            ).order_by("name")
            self.fields["ocmw"].empty_label = _("All OCMWs")
        if user.is_administrator:
            self.fields["province"].choices = [("", _("All provinces")), *Province.choices]
            del self.fields["mine"]  # an administrator is responsible for no referral
        else:
            del self.fields["province"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period cannot fall before its start."))
        return cleaned

    @property
    def is_filtering(self) -> bool:
        return self.is_valid() and any(
            value not in (None, "", False)
            for name, value in self.cleaned_data.items()
            if name != "dates"
        )

    @property
    def period_column(self) -> str | None:
        """The code of the date the list is narrowed to a period of and shows as a column
        (the last change is always one), if it is."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        if data["date_from"] is None and data["date_to"] is None:
            return None
        return data["dates"] if data["dates"] not in ("", "since") else None

    def columns(self) -> tuple[list[Column], str]:
        """The list's columns and its sort when none is asked for. Narrowed to a period of a
        date, the list shows that date and is sorted by it, latest first: the rows of the
        period read in the order of that date's index, however far back the period lies (in
        the order of the last change, a month two years ago lies behind every later change)."""
        code = self.period_column
        if code is None:
            return COLUMNS, DEFAULT_SORT
        return [*COLUMNS, Column(code, DATE_FIELDS[code], [_field(code)])], f"-{code}"

    def filter(self, referrals):
        """`referrals` narrowed by the valid filters (an invalid one narrows nothing), each
        with the date of its period as `period_date` when it is a column."""
        if not self.is_valid():
            return referrals
        data = self.cleaned_data
        column = self.period_column
        shown = _field(column) if column else None  # the field of the date shown, if one is
        if data["state"]:
            referrals = referrals.filter(state=data["state"])
        if data["training"]:
            referrals = referrals.filter(training=data["training"])
        if data.get("ocmw"):
            referrals = referrals.filter(ocmw=data["ocmw"])
        if data.get("province"):
            referrals = referrals.filter(ocmw__province=data["province"])
        if data["overdue"]:
            referrals = referrals.filter(overdue_condition())
            if shown in OVERDUE_PERIOD_FIELDS:
                # Implied by the overdue (no row changes): said so that the indexes of
                # those dates over those states serve. Only here: beside every overdue
                # condition PostgreSQL takes it for one that narrows, and plans worse.
                referrals = referrals.filter(state__in=OVERDUE_STATES_ALL)
        if data.get("mine"):
            referrals = referrals.filter(mine(self.user))
        if data.get("work"):
            referrals = referrals.filter(work_conditions(self.user)[data["work"]])
        code = data["dates"] or "since"
        first, last = data["date_from"], data["date_to"]
        if code in _MOMENTS:
            referrals = referrals.filter(on_days(_MOMENTS[code], first, last))
        else:
            if first:
                referrals = referrals.filter(**{f"{code}__gte": first})
            if last:
                referrals = referrals.filter(**{f"{code}__lte": last})
        if shown:
            referrals = referrals.annotate(period_date=F(shown))
        return referrals


# VDAB reads a client's numbers only while the client consents (`presenters`): so it
# searches them only then.
CONSENTING = Q(client__consent_vdab=True, client__consent_date__isnull=False)


def searched(referrals, text: str, user):
    """The referrals whose client matches `text` (name, national number, VDAB number)."""
    if not text:
        return referrals
    numbers_if = None if user.is_caseworker or user.is_administrator else CONSENTING
    return referrals.filter(client_search(text, prefix="client__", numbers_if=numbers_if))


def sorted_referrals(referrals, ordering: list[str]):
    needed = {
        name: expression
        for name, expression in SORT_ANNOTATIONS.items()
        if any(field.lstrip("-") == name for field in ordering)
    }
    return referrals.annotate(**needed).order_by(*ordering)
