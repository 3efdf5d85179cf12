"""Each row's checkbox in the admin's lists with actions is Django's own HTML, written without
rendering a widget's templates per row (`admin_paging.ActionCheckboxMixin`)."""

import pytest
from django.contrib import admin
from django.contrib.admin import site
from django.urls import reverse
from django.utils import translation

from accounts.admin_paging import ActionCheckboxMixin
from referrals.models import Referral
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_rows_checkbox_is_the_one_django_renders(language):
    """Its name, value and label as Django's widget gives them, a name to escape included."""
    client = ClientFactory(first_name='Ann "<b>', last_name="O'Neil & Zn")
    referral = Referral.objects.create(client=client, training=TrainingFactory())
    with translation.override(language):
        for obj in (client, referral):
            model_admin = site._registry[type(obj)]
            assert isinstance(model_admin, ActionCheckboxMixin)
            expected = admin.ModelAdmin.action_checkbox(model_admin, obj)
            assert model_admin.action_checkbox(obj) == expected
            assert "&lt;b&gt;" in expected  # what was to escape, escaped once


def test_the_list_shows_each_row_with_its_checkbox(client, administrator):
    someone = ClientFactory()
    client.force_login(administrator)
    pass_second_factor(client, administrator)

    page = client.get(reverse("admin:referrals_client_changelist"))

    assert page.status_code == 200
    assert (
        f'<input type="checkbox" name="_selected_action" value="{someone.pk}" '
        'class="action-select"' in page.text
    )
