from django import template

from audit.trail import mask_insz
from referrals import presenters

register = template.Library()


@register.filter
def client_name(referral, user) -> str:
    """The referral's client as `user` may call them (`presenters.client_name`)."""
    return presenters.client_name(referral, user)


@register.filter
def masked_insz(insz: str) -> str:
    """A national number as every list shows it: its last digits only (`mask_insz`)."""
    return mask_insz(insz)
