"""The history reads in words in Django admin too, as on the referral page: the step's name
and its data with their labels, never the raw JSON of the line."""

import pytest
from django.urls import reverse

from referrals.enums import State
from referrals.models import ReferralEvent

pytestmark = pytest.mark.django_db


def test_the_referrals_history_in_admin_reads_in_words(admin_user_client, walk):
    referral = walk(State.INTAKE_PLANNED)
    html = admin_user_client.get(
        reverse("admin:referrals_referral_change", args=[referral.pk])
    ).content.decode()
    assert "Plan intake" in html
    assert "Intake place:" in html or "intake place:" in html.lower()
    assert '{"intake_at"' not in html and "&quot;intake_at&quot;" not in html


def test_a_history_line_in_admin_reads_in_words(admin_user_client, walk):
    referral = walk(State.AGREED)
    event = ReferralEvent.objects.get(referral=referral, transition="agree")
    html = admin_user_client.get(
        reverse("admin:referrals_referralevent_change", args=[event.pk])
    ).content.decode()
    assert "Formally agree" in html
    assert "Formal agreement date:" in html
    assert "agreed_on" not in html
