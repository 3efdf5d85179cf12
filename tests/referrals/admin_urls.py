"""The admin's URL of a referral's change page, for the admin tests."""

from django.urls import reverse

from referrals.models import Referral


def change_url(referral: Referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])
