"""Report fixtures: referrals written straight into the state the figures read.

The reports read dates and results, not history, so a referral is created in its final
state in one row (`Referral.objects.create(state=...)`), with a client whose birth date
and gender come from the INSZ as in production."""

import datetime
import itertools
from zoneinfo import ZoneInfo

from accounts.models import Organisation, Province
from referrals.enums import AtWork, Gender, OkotType, State
from referrals.models import Client, OutcomeCheck, Referral, Training
from referrals.models.obtained import default_obtained
from tests.accounts.factories import OrganisationFactory
from tests.referrals.factories import ClientFactory, TrainingFactory, make_insz

BRUSSELS = ZoneInfo("Europe/Brussels")
OV = Province.OOST_VLAANDEREN
YES, NO, UNKNOWN = AtWork.values

_numbers = itertools.count(1)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def local(text: str) -> datetime.datetime:
    """A moment on the Brussels clock: local("2024-03-02 00:30")."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=BRUSSELS)


def insz(born: datetime.date = datetime.date(1990, 1, 1), gender: str = Gender.FEMALE) -> str:
    """A new person's national number: the serial's parity gives M or V; X and "" get a BIS
    number that carries no gender."""
    n = next(_numbers) % 498 + 1
    if gender == Gender.MALE:
        return make_insz(born, 2 * n - 1)
    if gender == Gender.FEMALE:
        return make_insz(born, 2 * n)
    return make_insz(born, n, month_offset=20)


def client(
    number: str | None = None,
    *,
    ocmw: Organisation | None = None,
    born: datetime.date | None = datetime.date(1990, 1, 1),
    gender: str = Gender.FEMALE,
) -> Client:
    """The person `number` (made from born and gender when not given) as a client of `ocmw`;
    `born=None` leaves the birth date unknown."""
    ocmw = ocmw or OrganisationFactory()
    number = number or insz(born or datetime.date(1990, 1, 1), gender)
    found = Client.objects.filter(ocmw=ocmw, insz=number).first()
    if found:
        return found
    made = ClientFactory(ocmw=ocmw, insz=number, gender=gender if gender == Gender.X else "")
    if born is None:
        Client.objects.filter(pk=made.pk).update(birth_date=None)
        made.birth_date = None
    return made


def referral(
    *,
    okot: str = OkotType.PBA,
    province: str = OV,
    ocmw: Organisation | None = None,
    person: Client | None = None,
    born: datetime.date | None = datetime.date(1990, 1, 1),
    gender: str = Gender.FEMALE,
    training: Training | None = None,
    start: str | None = None,
    end: str | None = None,
    result: str = "",
    reason: str = "",
    state: str | None = None,
    checks: dict[int, str] | None = None,
    **fields,
) -> Referral:
    """One referral written in its state: `referral(okot="HBO", start="2024-02-01",
    end="2024-06-30", result="passed", checks={3: YES})`. The state is closed once ended,
    in training once started, informed otherwise, unless given."""
    person = person or client(ocmw=ocmw, born=born, gender=gender)
    training = training or TrainingFactory(okot_type=okot, province=province)
    if state is None:
        state = State.CLOSED if end else State.IN_TRAINING if start else State.INFORMED
    if result and "obtained" not in fields:
        # What the `end` step records when nobody says: a passed end the diploma on the
        # end date, any other end nothing (a database constraint wants it with every end).
        fields["obtained"], fields["obtained_on"] = default_obtained(
            result, day(end) if end else None
        )
    if start and "agreed_on" not in fields:
        # A training starts after the formal agreement (and VDAB's figures count from it).
        fields["agreed_on"] = day(start) - datetime.timedelta(days=30)
    made = Referral.objects.create(
        client=person,
        training=training,
        state=state,
        start_date=day(start) if start else None,
        end_date=day(end) if end else None,
        end_result=result,
        stop_reason=reason,
        **fields,
    )
    for months, at_work in (checks or {}).items():
        OutcomeCheck.objects.create(referral=made, months=months, at_work=at_work)
    return made


def rows(table) -> list[tuple]:
    """A table as (group code, value per column...) tuples, in its row order."""
    return [(row.group, *values) for row, values in table.cell_rows()]


def row(table, group: str) -> tuple:
    (found,) = [r for r in rows(table) if r[0] == group]
    return found
