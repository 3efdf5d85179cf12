"""English reads dates day first and times on a 24-hour clock, as a Flemish or British
reader expects (config/formats/en); Dutch keeps Django's own Dutch formats."""

import datetime
import re
import zoneinfo

import pytest
from django import forms
from django.urls import reverse
from django.utils import formats, translation

from notifications.models import Kind
from notifications.rendering import render_message
from referrals.enums import HandoverHow, State
from referrals.formfields import PlausibleDateField, PlausibleDateTimeField
from tests.referrals.factories import ClientFactory, referral_in_state

BIRTHDAY = datetime.date(1991, 9, 1)
AFTERNOON = datetime.datetime(1991, 9, 1, 14, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))


@pytest.mark.parametrize(
    ("language", "name", "value", "expected"),
    [
        ("en", "SHORT_DATE_FORMAT", BIRTHDAY, "01/09/1991"),
        ("en", "DATE_FORMAT", BIRTHDAY, "1 Sep 1991"),
        ("en", "TIME_FORMAT", AFTERNOON, "14:30"),
        ("en", "DATETIME_FORMAT", AFTERNOON, "1 Sep 1991, 14:30"),
        ("en", "SHORT_DATETIME_FORMAT", AFTERNOON, "01/09/1991 14:30"),
        ("nl-be", "SHORT_DATE_FORMAT", BIRTHDAY, "1-9-1991"),
        ("nl-be", "DATE_FORMAT", BIRTHDAY, "1 september 1991"),
        ("nl-be", "TIME_FORMAT", AFTERNOON, "14:30"),
        ("nl-be", "SHORT_DATETIME_FORMAT", AFTERNOON, "1-9-1991 14:30"),
    ],
)
def test_dates_are_day_first_and_times_on_a_24_hour_clock(language, name, value, expected):
    with translation.override(language):
        assert formats.date_format(value, name) == expected


@pytest.mark.parametrize("language", ["en", "nl-be"])
def test_the_week_starts_on_monday(language):
    with translation.override(language):
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1


@pytest.mark.parametrize(
    ("language", "decimal", "thousands"), [("en", ".", ","), ("nl-be", ",", ".")]
)
def test_numbers_keep_their_separators(language, decimal, thousands):
    with translation.override(language):
        assert formats.get_format("DECIMAL_SEPARATOR") == decimal
        assert formats.get_format("THOUSAND_SEPARATOR") == thousands


@pytest.mark.parametrize("typed", ["01/09/1991", "1/9/1991", "01-09-1991", "1991-09-01"])
@pytest.mark.parametrize("field", [forms.DateField, PlausibleDateField])
def test_a_date_typed_in_english_is_read_day_first(field, typed):
    with translation.override("en"):
        assert field().clean(typed) == BIRTHDAY


@pytest.mark.parametrize("typed", ["01/09/1991 14:30", "1991-09-01T14:30", "01-09-1991 14:30"])
def test_a_moment_typed_in_english_is_read_day_first(typed):
    with translation.override("en"):
        assert PlausibleDateTimeField().clean(typed) == AFTERNOON


def test_what_english_shows_reads_back_as_the_same_day():
    with translation.override("en"):
        shown = formats.date_format(BIRTHDAY, "SHORT_DATE_FORMAT")
        assert forms.DateField().clean(shown) == BIRTHDAY


@pytest.mark.django_db
def test_the_client_list_in_english_shows_the_birth_date_day_first(client, caseworker, ocmw_gent):
    ClientFactory(ocmw=ocmw_gent, born=BIRTHDAY)
    client.force_login(caseworker)
    html = client.get(reverse("referrals:client_list"), HTTP_ACCEPT_LANGUAGE="en").content
    assert "01/09/1991" in html.decode()
    assert "09/01/1991" not in html.decode()


@pytest.mark.django_db
def test_a_message_in_english_shows_day_first_and_24_hours(caseworker, counsellor, training):
    referral = referral_in_state(
        State.AGREED, training=training, caseworker=caseworker, counsellor=counsellor
    )
    referral.handover_how = HandoverHow.PHONE
    referral.handover_at = AFTERNOON
    counsellor.language = "en"
    _subject, text = render_message(
        Kind.HANDOVER_RECORDED, counsellor, referral, {"actor": caseworker}
    )
    assert "01/09/1991 14:30" in text
    assert not re.search(r"\b[ap]\.m\.", text)
