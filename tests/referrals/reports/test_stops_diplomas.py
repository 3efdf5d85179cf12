"""Early stops with their reasons, and diplomas (passed only); both by the end date's year."""

import datetime

import pytest

from referrals.enums import EndResult, Gender, OkotType, StopReason
from referrals.models import Referral
from referrals.reports.tables import diplomas, early_stops

from .builders import client, referral, rows

pytestmark = pytest.mark.django_db

D = datetime.date
REASONS = [
    "lasting_work",
    "moved",
    "illness",
    "maternity",
    "other_compelling",
    "no_valid_reason",
    "insufficient_progress",
    "other_vdab",
]


def stopped(okot, end, reason, **kwargs):
    return referral(
        okot=okot,
        start="2023-09-01",
        end=end,
        result=EndResult.STOPPED_EARLY,
        reason=reason,
        **kwargs,
    )


@pytest.fixture
def ends_around_2024():
    stopped(OkotType.PBA, "2024-03-01", StopReason.ILLNESS)
    stopped(OkotType.HBO, "2024-12-31", StopReason.ILLNESS)
    stopped(OkotType.PBA, "2024-06-01", StopReason.MOVED)
    stopped(OkotType.TKO, "2025-01-01", StopReason.NO_VALID_REASON)  # next year
    stopped(OkotType.TKO, "2023-12-31", StopReason.INSUFFICIENT_PROGRESS)  # year before
    referral(okot=OkotType.PBA, start="2023-09-01", end="2024-04-04", result="stopped_employment")
    referral(okot=OkotType.PBA, start="2023-09-01", end="2024-06-30", result="passed")
    referral(okot=OkotType.HBO, start="2023-09-01", end="2024-06-30", result="failed")
    referral(okot=OkotType.HBO, start="2024-09-01")  # still in training


def test_early_stops_by_reason_with_employment_as_its_own_row_and_a_total(ends_around_2024):
    table = early_stops(Referral.objects.all(), year=2024, by="reason")

    assert rows(table) == [
        ("lasting_work", 0),
        ("moved", 1),
        ("illness", 2),
        ("maternity", 0),
        ("other_compelling", 0),
        ("no_valid_reason", 0),
        ("insufficient_progress", 0),
        ("other_vdab", 0),
        ("stopped_employment", 1),
        ("total", 4),
    ]
    assert [r.is_total for r in table.rows] == [False] * 9 + [True]


def test_early_stops_the_year_is_the_end_dates(ends_around_2024):
    expected_2025 = [(code, int(code == "no_valid_reason")) for code in REASONS]
    assert rows(early_stops(Referral.objects.all(), year=2025)) == [
        *expected_2025,
        ("stopped_employment", 0),
        ("total", 1),
    ]
    expected_2023 = [(code, int(code == "insufficient_progress")) for code in REASONS]
    assert rows(early_stops(Referral.objects.all(), year=2023)) == [
        *expected_2023,
        ("stopped_employment", 0),
        ("total", 1),
    ]


def test_early_stops_by_type_count_every_stop_before_the_end(ends_around_2024):
    # Stopped early or stopped for work: the same four as by reason, so the totals agree.
    assert rows(early_stops(Referral.objects.all(), year=2024, by="type")) == [
        ("7BSO", 0),
        ("PBA", 3),
        ("SENSE", 0),
        ("TKO", 0),
        ("HBO", 1),
        ("total", 4),
    ]


def test_an_early_stop_without_a_recorded_reason_is_unknown_not_dropped():
    stopped(OkotType.PBA, "2024-03-01", "")
    stopped(OkotType.PBA, "2024-03-02", StopReason.MATERNITY)

    assert rows(early_stops(Referral.objects.all(), year=2024)) == [
        ("lasting_work", 0),
        ("moved", 0),
        ("illness", 0),
        ("maternity", 1),
        ("other_compelling", 0),
        ("no_valid_reason", 0),
        ("insufficient_progress", 0),
        ("other_vdab", 0),
        ("stopped_employment", 0),
        ("?", 1),
        ("total", 2),
    ]


# --- diplomas -------------------------------------------------------------------------------


@pytest.fixture
def diplomas_around_2024():
    def ended(okot, end, result="passed", **kwargs):
        return referral(
            okot=okot, start=kwargs.pop("start", "2022-09-01"), end=end, result=result, **kwargs
        )

    # Passed in 2024: three women and two men, of three types.
    ended(OkotType.HBO, "2024-06-30", born=D(1999, 9, 2), gender=Gender.FEMALE)  # 22 at start
    ended(OkotType.HBO, "2024-06-30", born=D(1997, 9, 1), gender=Gender.FEMALE)  # 25 at start
    ended(OkotType.PBA, "2024-01-01", born=D(1975, 1, 1), gender=Gender.MALE)  # 47
    ended(OkotType.PBA, "2024-12-31", born=D(1960, 5, 5), gender=Gender.FEMALE)  # 62
    ended(OkotType.TKO, "2024-06-30", born=D(1984, 9, 1), gender=Gender.MALE)  # 38: 39 at end
    # Not diplomas of 2024.
    ended(OkotType.HBO, "2024-06-30", result="failed")
    ended(OkotType.HBO, "2024-06-30", result="stopped_employment")
    ended(OkotType.HBO, "2024-06-30", result="stopped_early", reason="illness")
    ended(OkotType.PBA, "2025-01-01")
    ended(OkotType.PBA, "2023-12-31")


def test_diplomas_by_type(diplomas_around_2024):
    assert rows(diplomas(Referral.objects.all(), year=2024, by="type")) == [
        ("7BSO", 0),
        ("PBA", 2),
        ("SENSE", 0),
        ("TKO", 1),
        ("HBO", 2),
        ("total", 5),
    ]


def test_diplomas_by_gender(diplomas_around_2024):
    assert rows(diplomas(Referral.objects.all(), year=2024, by="gender")) == [
        ("M", 2),
        ("V", 3),
        ("X", 0),
        ("total", 5),
    ]


def test_diplomas_by_age_band_at_the_start_of_training(diplomas_around_2024):
    # Age at the start (1 September 2022), not at the diploma.
    assert rows(diplomas(Referral.objects.all(), year=2024, by="age")) == [
        ("-25", 1),
        ("25-40", 2),
        ("40-55", 1),
        ("55+", 1),
        ("total", 5),
    ]


def test_diplomas_the_year_is_the_end_dates(diplomas_around_2024):
    assert rows(diplomas(Referral.objects.all(), year=2025)) == [
        ("7BSO", 0),
        ("PBA", 1),
        ("SENSE", 0),
        ("TKO", 0),
        ("HBO", 0),
        ("total", 1),
    ]
    assert rows(diplomas(Referral.objects.all(), year=None))[-1] == ("total", 7)


def test_diplomas_count_trajectories_not_persons():
    """Two diplomas of one person in the year are two diplomas (unlike starts)."""
    person = client(born=D(1990, 1, 1))
    referral(
        person=person, okot=OkotType.TKO, start="2022-09-01", end="2024-01-31", result="passed"
    )
    referral(
        person=person, okot=OkotType.PBA, start="2022-09-01", end="2024-06-30", result="passed"
    )

    assert rows(diplomas(Referral.objects.all(), year=2024))[-1] == ("total", 2)


def test_an_ended_referral_without_start_date_has_an_unknown_age_band():
    """The age is taken at the start: without a start date it is unknown, not 55+."""
    referral(okot=OkotType.PBA, end="2024-06-30", result="passed", born=D(1990, 1, 1))

    assert rows(diplomas(Referral.objects.all(), year=2024, by="age")) == [
        ("-25", 0),
        ("25-40", 0),
        ("40-55", 0),
        ("55+", 0),
        ("?", 1),
        ("total", 1),
    ]
