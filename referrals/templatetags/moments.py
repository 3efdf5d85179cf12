"""A moment or a day as a `<time datetime>` holds it: HTML takes at most three digits of a
second (`date:'c'` writes Python's six), so whole seconds, in the current time zone."""

import datetime

from django import template

register = template.Library()


@register.filter(expects_localtime=True)
def machine_time(value) -> str:
    """`value` (an aware datetime, in the current time zone; a naive one as it is; a date)
    for a `datetime` attribute; empty for anything else."""
    if isinstance(value, datetime.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
