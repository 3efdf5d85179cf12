"""How the referral's history reads on its page: each line's label and its data as
(label, value) pairs, in the user's language, locale and time zone."""

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from .enums import (
    CHECKUP_CORRECTED,
    CHECKUP_RECORDED,
    DOCUMENT_ADDED,
    DOCUMENT_REMOVED,
    HANDOVER_RECORDED,
    INTERRUPTION_CORRECTED,
    INTERRUPTION_ENDED,
    INTERRUPTION_EVENTS,
    INTERRUPTION_RECORDED,
    RESPONSIBLE_CHANGED,
    RESPONSIBLE_SIDES,
    SCHOOL_YEAR_RECORDED,
    VDAB_REGISTRATION,
    CheckupMonths,
)
from .models import Interruption, OutcomeCheck, Referral
from .record_presenters import document_details, school_year_details
from .steps import STEPS
from .vdab_presenters import vdab_registration_details

EVENT_LABELS = {
    "create": _("Registered"),
    "import": _("Imported"),
    **{name: step.label for name, step in STEPS.items()},
    CHECKUP_RECORDED: _("Outflow check-up recorded"),
    CHECKUP_CORRECTED: _("Outflow check-up corrected"),
    VDAB_REGISTRATION: _("Registration with VDAB recorded"),
    HANDOVER_RECORDED: _("Warm handover recorded"),
    INTERRUPTION_RECORDED: _("Interruption recorded"),
    INTERRUPTION_ENDED: _("Interruption ended: training resumed"),
    INTERRUPTION_CORRECTED: _("Interruption corrected"),
    DOCUMENT_ADDED: _("Document added"),
    DOCUMENT_REMOVED: _("Document removed"),
    SCHOOL_YEAR_RECORDED: _("School year recorded"),
    RESPONSIBLE_CHANGED: _("Another person made responsible"),
}
# What a history line keeps besides the referral's fields, with its label.
EXTRA_DETAILS = {"handover_with": _("warm handover: with")}


def format_value(value):
    """Dates and times in the user's locale and time zone."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def event_details(event) -> list[tuple[str, object]]:
    """The line's data as (label, value): a step's fields of the referral (references to
    other rows left out), or what `SPECIAL_DETAILS` makes of a line that is no step."""
    special = SPECIAL_DETAILS.get(event.transition)
    if special:
        return special(event.data)
    details = []
    for name, value in event.data.items():
        if value in ("", None, [], {}) or name.endswith("_id") or isinstance(value, list):
            continue
        if name in EXTRA_DETAILS:
            details.append((EXTRA_DETAILS[name], value))
            continue
        try:
            field = Referral._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        details.append((field.verbose_name, stored_value(field, value)))
    return details


def stored_value(field, value):
    """A field's value as a history line keeps it (JSON), as the page shows it."""
    if field.choices:
        value = dict(field.flatchoices).get(value, value)
    elif isinstance(field, models.DateTimeField):
        value = parse_datetime(value) or value
    elif isinstance(field, models.DateField):
        value = parse_date(value) or value
    return format_value(value)


def _checkup_details(data: dict) -> list[tuple[str, object]]:
    """Which check-up, and its answer; a correction's answer after the one it replaced."""
    before = data.get("before", {})
    details = [(_("Check-up"), CheckupMonths(data["months"]).label)]
    for name, value in data["after"].items():
        field = OutcomeCheck._meta.get_field(name)
        shown = stored_value(field, value)
        if name in before:
            shown = f"{stored_value(field, before[name])} → {shown}"
        details.append((field.verbose_name, shown))
    return details


def interruption_details(data: dict) -> list[tuple[str, object]]:
    """A history line of an interruption: its reason and days, a correction's values after
    the ones they replaced."""
    before = data.get("before", {})
    details = []
    for name in ("reason", "from_date", "to_date"):
        if name not in data["after"]:
            continue
        field = Interruption._meta.get_field(name)
        value = data["after"][name]
        shown = stored_value(field, value) if value is not None else _("still going on")
        if name in before:
            old = before[name]
            shown = f"{stored_value(field, old) if old is not None else '—'} → {shown}"
        details.append((field.verbose_name, shown))
    if data.get("at_end"):
        details.append((_("ended"), _("with the end of the training")))
    return details


def timeline(referral: Referral) -> list[dict]:
    return [
        {
            "event": event,
            "label": EVENT_LABELS.get(event.transition, event.transition),
            "details": event_details(event),
        }
        for event in referral.events.select_related("actor", "actor__organisation")
    ]


# History lines that are no step, and how their data reads.
SPECIAL_DETAILS = {
    CHECKUP_RECORDED: _checkup_details,
    CHECKUP_CORRECTED: _checkup_details,
    VDAB_REGISTRATION: vdab_registration_details,
    **dict.fromkeys(INTERRUPTION_EVENTS, interruption_details),
    DOCUMENT_ADDED: document_details,
    DOCUMENT_REMOVED: document_details,
    SCHOOL_YEAR_RECORDED: school_year_details,
    RESPONSIBLE_CHANGED: lambda data: [(RESPONSIBLE_SIDES[data["side"]], data["person"])],
}
