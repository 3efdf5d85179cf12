"""Each row's checkbox in the admin's lists with actions is Django's own HTML, written without
rendering a widget's templates per row (`admin_paging.ActionCheckboxMixin`)."""

import pytest
from django.contrib import admin
from django.contrib.admin import site
from django.urls import reverse
from django.utils import translation

from accounts.admin_paging import ActionCheckboxMixin
from accounts.models import Organisation, User
from audit.models import Entry
from notifications.models import Notification
from referrals.models import Client, Referral, Training
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, TrainingFactory
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", [Referral, Client, Notification, Delivery, Entry, Training, User, Organisation]
)
def test_the_lists_of_a_page_or_more_write_their_checkboxes_directly(model):
    """The tables of a million rows, and those of hundreds or thousands (500 trainings, 3,000
    users, 300 OCMWs and VDAB's regions), whose checkboxes took a third of their page."""
    assert isinstance(site._registry[model], ActionCheckboxMixin)


@pytest.mark.parametrize("language", ["nl-be", "en"])
def test_a_rows_checkbox_is_the_one_django_renders(language):
    """Its name, value and label as Django's widget gives them, a name to escape included."""
    client = ClientFactory(first_name='Ann "<b>', last_name="O'Neil & Zn")
    referral = Referral.objects.create(client=client, training=TrainingFactory())
    with translation.override(language):
        for obj in (client, referral):
            model_admin = site._registry[type(obj)]
            expected = admin.ModelAdmin.action_checkbox(model_admin, obj)
            assert model_admin.action_checkbox(obj) == expected
            assert "&lt;b&gt;" in expected  # what was to escape, escaped once


def test_its_label_is_in_djangos_own_dutch_words():
    someone = ClientFactory(first_name="An", last_name="Peeters")
    with translation.override("nl-be"):
        checkbox = site._registry[Client].action_checkbox(someone)
    assert f'aria-label="Selecteer dit object voor een actie - {someone}"' in checkbox


def test_the_list_shows_each_row_with_its_checkbox_under_the_one_for_all(client, administrator):
    someone = ClientFactory()
    client.force_login(administrator)
    pass_second_factor(client, administrator)

    page = client.get(reverse("admin:referrals_client_changelist"))

    assert page.status_code == 200
    assert 'id="action-toggle"' in page.text
    assert (
        f'<input type="checkbox" name="_selected_action" value="{someone.pk}" '
        'class="action-select"' in page.text
    )
