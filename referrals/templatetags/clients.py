from django import template

from referrals import presenters

register = template.Library()


@register.filter
def client_name(referral, user) -> str:
    """The referral's client as `user` may call them (`presenters.client_name`)."""
    return presenters.client_name(referral, user)
