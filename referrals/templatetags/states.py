from django import template

from referrals.presenters import STATE_BADGE_COLOURS

register = template.Library()


@register.filter
def badge_colour(state: str) -> str:
    """The Bootstrap colour of a state's badge (`text-bg-<colour>`)."""
    return STATE_BADGE_COLOURS[state]
