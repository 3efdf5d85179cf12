"""Every control of an admin list has a name for a screen reader (accounts/admin_names.py):
the fields of its editable columns, by column and row, and a filter's choice of the empty
text."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.admin_names import LabelledListEditableMixin
from tests.referrals.factories import TrainingFactory

EDITABLE_LISTS = sorted(
    (model_admin for model_admin in admin.site._registry.values() if model_admin.list_editable),
    key=str,
)


@pytest.mark.parametrize("model_admin", EDITABLE_LISTS, ids=str)
def test_each_list_with_editable_columns_names_their_fields(model_admin):
    assert isinstance(model_admin, LabelledListEditableMixin)


def test_a_rows_editable_field_is_named_by_its_column_and_its_row(admin_client):
    training = TrainingFactory(title="Lasser", location="Gent")

    page = admin_client.get(
        reverse("admin:referrals_training_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert f'aria-label="Active of {training}"' in page.text


def test_a_filter_names_the_empty_text_of_a_field(admin_client):
    TrainingFactory(field_of_study="")
    TrainingFactory(field_of_study="Bouw")

    page = admin_client.get(
        reverse("admin:referrals_training_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert '<a href="?field_of_study=">Empty</a>' in page.text
    assert '<a href="?field_of_study=Bouw">Bouw</a>' in page.text
