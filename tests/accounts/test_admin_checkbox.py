"""Each row's checkbox in the admin's lists with actions is Django's own HTML, written without
rendering a widget's templates per row (`admin_paging.ActionCheckboxMixin`)."""

import pytest
from django.contrib import admin
from django.contrib.admin import site
from django.urls import reverse
from django.utils import translation

from accounts.admin_paging import ActionCheckboxMixin
from referrals.models import Client, Referral
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def test_every_admin_list_with_actions_writes_its_checkboxes_directly(rf, admin_user):
    """Every list whose rows have a checkbox for an action, whatever its size: a hundred
    checkboxes rendered through a widget's templates took a third of a page (the trainings'
    list 127 ms, the check-ups' 85, where the referral changelist took 60)."""
    request = rf.get("/admin/")
    request.user = admin_user  # a superuser: every action is offered
    with_actions = {
        model._meta.label
        for model, model_admin in site._registry.items()
        if model_admin.get_actions(request)
    }
    writing = {
        model._meta.label
        for model, model_admin in site._registry.items()
        if isinstance(model_admin, ActionCheckboxMixin)
    }
    assert {"referrals.Referral", "referrals.Training", "accounts.User"} <= with_actions
    assert with_actions <= writing


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
