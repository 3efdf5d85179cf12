from django import template
from django.urls import reverse

from ..listing import REFERRAL_LIST, remembered_list

register = template.Library()


@register.simple_tag(takes_context=True)
def referral_list_url(context) -> str:
    """The referral list as the user last left it (filters, sort, page), else the list."""
    return remembered_list(context["request"], REFERRAL_LIST, reverse("referrals:referral_list"))
