"""The rows beside a referral and a client in Django admin: the history is read-only, on its
own pages and as an inline on the referral (the permissions of every read-only admin are
tests/accounts/test_admin_readonly.py's); a temporary work experience added inline is
stamped with the administrator who added it."""

import pytest
from django.urls import reverse

from referrals.models import ReferralEvent, TemporaryWorkExperience
from tests.referrals.admin_urls import change_url
from tests.referrals.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_history_is_read_only(admin_user_client, ended_referral):
    event = ended_referral.events.first()
    assert admin_user_client.get(reverse("admin:referrals_referralevent_add")).status_code == 403
    delete = reverse("admin:referrals_referralevent_delete", args=[event.pk])
    assert admin_user_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:referrals_referralevent_change", args=[event.pk])
    response = admin_user_client.get(change)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert ReferralEvent.objects.filter(pk=event.pk).exists()


def test_history_inline_on_the_referral_is_read_only(admin_user_client, ended_referral):
    response = admin_user_client.get(change_url(ended_referral))
    history = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.model is ReferralEvent
    )
    assert not history.has_add_permission
    assert not history.has_change_permission
    assert not history.has_delete_permission


def test_new_inline_rows_are_stamped_with_the_admin(admin_user_client, administrator):
    client = ClientFactory()
    response = admin_user_client.get(reverse("admin:referrals_client_change", args=[client.pk]))
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value not in (None, "")
    }
    for inline in response.context["inline_admin_formsets"]:  # the consents' too
        management = inline.formset.management_form
        data.update({management.add_prefix(n): v for n, v in management.initial.items()})
    data.update(
        {
            "temporary_work_experiences-TOTAL_FORMS": "1",
            "temporary_work_experiences-INITIAL_FORMS": "0",
            "temporary_work_experiences-0-start_date": "2024-01-01",
            "temporary_work_experiences-0-employer": "OCMW-kringloop",
        }
    )
    response = admin_user_client.post(
        reverse("admin:referrals_client_change", args=[client.pk]), data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    twe = TemporaryWorkExperience.objects.get(client=client)
    assert twe.created_by == administrator
