"""Django admin templates the project adapted (templates/admin/): their fields have labels
and a table that scrolls can take the focus; each is pinned to the Django file it was
adapted from, so that an upgrade of Django is a reminder to adapt it again."""

import hashlib
from pathlib import Path

import django
import pytest
from django.contrib.admin.widgets import AdminSplitDateTime
from django.urls import reverse
from django.utils import translation

from tests.referrals.factories import ClientFactory, TemporaryWorkExperienceFactory

DJANGO_ADMIN_TEMPLATES = Path(django.__file__).parent / "contrib/admin/templates/admin"
ADAPTED_FROM_SHA256 = {
    "edit_inline/tabular.html": "ef1b0d9b50be1e24e18f44c96571af7070202de3816eeb9746318c8aa5d6f1f7",
    "widgets/split_datetime.html": (
        "050f5736fddeaadbcda996465b7f1504cd8d6a7fb93c1c6891ba36166ff0c024"
    ),
}


@pytest.mark.parametrize("template", sorted(ADAPTED_FROM_SHA256))
def test_djangos_template_is_the_one_ours_was_adapted_from(template):
    djangos = DJANGO_ADMIN_TEMPLATES / template

    assert hashlib.sha256(djangos.read_bytes()).hexdigest() == ADAPTED_FROM_SHA256[template]


def test_the_date_and_the_time_of_a_field_are_labelled():
    with translation.override("en"):
        html = AdminSplitDateTime().render("when", None, attrs={"id": "id_when"})

    assert '<label for="id_when_0">Date:</label>' in html
    assert '<label for="id_when_1">Time:</label>' in html


def test_a_tabular_inline_scrolls_by_keyboard_and_labels_its_rows_fields(admin_client, db):
    client = ClientFactory()
    TemporaryWorkExperienceFactory(client=client)

    page = admin_client.get(
        reverse("admin:referrals_client_change", args=[client.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (
        'tabindex="0" role="region" aria-labelledby="temporary_work_experiences-heading"'
    ) in page.text
    assert (
        '<label for="id_temporary_work_experiences-0-employer" class="visually-hidden">'
        "Workplace</label>"
    ) in page.text
    assert (
        '<label for="id_temporary_work_experiences-0-DELETE" class="visually-hidden">'
        "Delete?</label>"
    ) in page.text
