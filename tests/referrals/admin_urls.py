"""The admin's URLs of a referral's change page and of a client's subject access request,
for the admin tests."""

from django.urls import reverse

from referrals.models import Client, Referral


def change_url(referral: Referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


def subject_access_url(client: Client) -> str:
    """The page of everything held on a client (their subject access request)."""
    return reverse("admin:referrals_client_subject_access", args=[client.pk])


def subject_access_json_url(client: Client) -> str:
    return reverse("admin:referrals_client_subject_access_json", args=[client.pk])
