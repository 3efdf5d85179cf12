"""`<time datetime>` as HTML takes it: a day, or a moment to the second with its offset (at
most three digits of a second are valid; Python's isoformat writes six)."""

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from referrals.enums import State
from tests.referrals.factories import ClientFactory, referral_in_state

# HTML's valid date string, and its valid global date and time string as we write it.
HTML_DAY = r"\d{4}-\d{2}-\d{2}"
HTML_MOMENT = rf"{HTML_DAY}T\d{{2}}:\d{{2}}(:\d{{2}}(\.\d{{1,3}})?)?(Z|[+-]\d{{2}}:?\d{{2}})"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def machine_time(value) -> str:
    return Template("{% load moments %}{{ value|machine_time }}").render(Context({"value": value}))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (
            datetime.datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=datetime.UTC),
            "2026-03-29T03:30:15+02:00",  # in Brussels, after the clocks went forward
        ),
        (
            datetime.datetime(2026, 12, 5, 9, 0, 0, 999999, tzinfo=BRUSSELS),
            "2026-12-05T09:00:00+01:00",
        ),
        (datetime.date(2026, 12, 5), "2026-12-05"),
        (None, ""),
        ("", ""),
    ],
)
def test_a_moment_is_written_to_the_second_in_brussels_and_a_day_as_a_day(value, written):
    with timezone.override(BRUSSELS):
        assert machine_time(value) == written


@pytest.mark.django_db
def test_every_time_of_the_referral_list_is_one_html_takes(client, caseworker, training):
    referral = referral_in_state(
        State.INTAKE_PLANNED,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=training,
        caseworker=caseworker,
    )
    day = timezone.localtime(referral.intake_at).date()
    client.force_login(caseworker)

    html = client.get(f"/referrals/?dates=intake&date_from={day}&date_to={day}").content.decode()

    times = re.findall(r'<time datetime="([^"]*)"', html)
    assert len(times) == 2  # its last change and its intake
    assert all(re.fullmatch(HTML_MOMENT, value) for value in times), times


def test_no_template_writes_a_time_with_pythons_microseconds():
    templates = Path(settings.BASE_DIR, "templates").rglob("*.html")
    written = {path.name for path in templates if re.search(r"date:[\"']c[\"']", path.read_text())}
    assert written == set()
