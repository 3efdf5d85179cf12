"""Model behaviour outside the workflow: INSZ, derived birth date and gender, ages, due dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from stdnum.be import ssn

from accounts.models import Organisation, Province
from referrals.enums import EndResult, Gender, State
from referrals.models import Client, EntryCondition, Referral
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OrganisationFactory,
    UserFactory,
    VdabOrganisationFactory,
)
from tests.referrals.factories import ClientFactory, make_insz

date = datetime.date


pytestmark = pytest.mark.usefixtures("in_english")

# --- INSZ ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "serial"),
    [
        (date(1960, 1, 1), 1),
        (date(1985, 7, 30), 33),
        (date(1992, 2, 29), 998),
        (date(1999, 12, 31), 2),
        (date(2000, 1, 1), 1),
        (date(2004, 6, 15), 124),
    ],
)
def test_generated_insz_numbers_are_valid(birth_date, serial):
    insz = make_insz(birth_date, serial)

    assert len(insz) == 11 and insz.isdigit()
    assert ssn.is_valid(insz)
    assert ssn.get_birth_date(insz) == birth_date


def test_make_insz_matches_the_published_example():
    assert make_insz(date(1985, 7, 30), 33) == "85073003328"


def test_the_client_factory_makes_distinct_valid_numbers():
    numbers = [ClientFactory.build().insz for _ in range(200)]

    assert all(ssn.is_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)


INVALID_INSZ = {
    "wrong-check-digits": "85073003329",
    "ten-digits": "8507300332",
    "a-letter": "8507300332A",
    "month-13": f"851330033{97 - 851330033 % 97:02d}",
}


def insz_error(insz: str, ocmw) -> ValidationError:
    client = ClientFactory.build(insz=insz, ocmw=ocmw)
    with pytest.raises(ValidationError) as refused:
        client.full_clean()
    return refused.value


@pytest.mark.django_db
@pytest.mark.parametrize("insz", INVALID_INSZ.values(), ids=INVALID_INSZ.keys())
def test_an_invalid_insz_is_refused_with_a_clear_message(insz):
    error = insz_error(insz, ClientFactory().ocmw)

    (message,) = error.message_dict["insz"]
    assert message.startswith("This is not a valid national number (INSZ): ")
    assert len(message) > len("This is not a valid national number (INSZ): ") + 10
    assert error.error_dict["insz"][0].code == "invalid_insz"


@pytest.mark.django_db
def test_each_kind_of_insz_error_gets_its_own_explanation():
    ocmw = ClientFactory().ocmw

    messages = {insz_error(insz, ocmw).message_dict["insz"][0] for insz in INVALID_INSZ.values()}

    assert len(messages) == len(INVALID_INSZ)


@pytest.mark.django_db
def test_a_formatted_insz_is_accepted_and_stored_compact():
    client = ClientFactory.build(insz="85.07.30-033.28", ocmw=ClientFactory().ocmw)

    client.full_clean()
    client.save()

    assert Client.objects.get(pk=client.pk).insz == "85073003328"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("birth_date", "serial", "gender"),
    [
        (date(1985, 7, 30), 33, Gender.MALE),
        (date(1992, 2, 29), 2, Gender.FEMALE),
        (date(2001, 1, 9), 1, Gender.MALE),
        (date(2003, 12, 31), 998, Gender.FEMALE),
    ],
)
def test_birth_date_and_gender_are_derived_from_the_insz_on_save(birth_date, serial, gender):
    client = ClientFactory(insz=make_insz(birth_date, serial), gender=Gender.X)

    stored = Client.objects.get(pk=client.pk)
    assert (stored.birth_date, stored.gender) == (birth_date, gender)


@pytest.mark.django_db
def test_a_corrected_insz_corrects_the_birth_date_and_gender():
    client = ClientFactory(insz=make_insz(date(1985, 7, 30), 33))

    client.insz = make_insz(date(1987, 3, 1), 40)
    client.save()

    stored = Client.objects.get(pk=client.pk)
    assert (stored.birth_date, stored.gender) == (date(1987, 3, 1), Gender.FEMALE)


@pytest.mark.django_db
def test_a_bis_number_without_gender_keeps_the_gender_given():
    insz = make_insz(date(1990, 5, 17), 21, month_offset=20)
    assert ssn.is_valid(insz) and ssn.guess_type(insz) == "bis"

    client = ClientFactory(insz=insz, gender=Gender.X)

    stored = Client.objects.get(pk=client.pk)
    assert (stored.birth_date, stored.gender) == (date(1990, 5, 17), Gender.X)


@pytest.mark.django_db
def test_a_bis_number_with_gender_gives_the_gender():
    client = ClientFactory(insz=make_insz(date(1990, 5, 17), 22, month_offset=40))

    assert Client.objects.get(pk=client.pk).gender == Gender.FEMALE


@pytest.mark.django_db
def test_consent_needs_its_date():
    client = ClientFactory.build(consent_vdab=True, consent_date=None, ocmw=ClientFactory().ocmw)

    with pytest.raises(ValidationError) as refused:
        client.full_clean()

    assert "consent_date" in refused.value.message_dict
    assert not client.has_consent


@pytest.mark.parametrize(
    ("name", "given", "same"),
    [
        (("Lien", "Claes"), ("Lien", "Claes"), True),
        (("Lien", "Claes"), ("  LIEN ", "claes"), True),
        (("Marie Lien", "Van den Broeck"), ("marie  lien", "Van\tden Broeck "), True),
        (("Lien", "Claes"), ("Lien", "Claessens"), False),
        (("Lien", "Claes"), ("Lien Claes", ""), False),
        (("Lien", "Claes"), ("Liên", "Claes"), False),
    ],
)
def test_has_name_ignores_only_case_and_spaces(name, given, same):
    client = Client(first_name=name[0], last_name=name[1])

    assert client.has_name(*given) is same


# --- ages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "day", "age"),
    [
        (date(1990, 6, 15), date(2025, 6, 14), 34),
        (date(1990, 6, 15), date(2025, 6, 15), 35),
        (date(1990, 6, 15), date(2025, 12, 31), 35),
        (date(2000, 2, 29), date(2025, 2, 28), 24),
        (date(2000, 2, 29), date(2025, 3, 1), 25),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
        (date(2000, 12, 31), date(2025, 1, 1), 24),
    ],
)
def test_age_on_a_day_counts_whole_years(birth_date, day, age):
    assert Client(birth_date=birth_date).age_on(day) == age


def test_age_is_unknown_without_a_birth_date():
    assert Client(birth_date=None).age_on(date(2025, 1, 1)) is None


# --- outflow check-up dates ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_date", "months", "due"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2025, 1, 31), 6, date(2025, 7, 31)),
        (date(2025, 1, 31), 9, date(2025, 10, 31)),
        (date(2025, 1, 31), 12, date(2026, 1, 31)),
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 8, 31), 9, date(2026, 5, 31)),
        (date(2025, 8, 31), 12, date(2026, 8, 31)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2025, 9, 30), 3, date(2025, 12, 30)),
        (date(2025, 10, 31), 3, date(2026, 1, 31)),
        (date(2025, 12, 31), 12, date(2026, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 6, 15), 6, date(2025, 12, 15)),
    ],
)
def test_outcome_due_date_is_months_after_the_end_clipped_to_the_month(end_date, months, due):
    assert Referral(end_date=end_date).outcome_due_date(months) == due


def test_no_outcome_due_date_before_the_end():
    assert Referral().outcome_due_date(3) is None


@pytest.mark.parametrize(
    ("result", "positive"),
    [
        (EndResult.PASSED, True),
        (EndResult.STOPPED_EMPLOYMENT, True),
        (EndResult.FAILED, False),
        (EndResult.STOPPED_EARLY, False),
        ("", False),
    ],
)
def test_a_positive_end_is_passed_or_stopped_for_employment(result, positive):
    assert Referral(end_result=result).has_positive_end is positive


@pytest.mark.parametrize("state", State.values)
def test_only_declined_closed_and_withdrawn_are_final(state):
    is_final = state in {State.DECLINED, State.CLOSED, State.WITHDRAWN}

    assert Referral(state=state).is_open is not is_final


# --- reference data and roles seeded by the migration ---------------------------------------


@pytest.mark.parametrize(
    ("okot_types", "okot_type", "applies"),
    [
        ("", "HBO", True),
        ("HBO", "HBO", True),
        ("7BSO,SENSE,TKO,PBA", "HBO", False),
        (" HBO , PBA ", "PBA", True),
        ("SENSE", "7BSO", False),
    ],
)
def test_an_entry_condition_applies_to_its_types_or_to_all(okot_types, okot_type, applies):
    assert EntryCondition(okot_types=okot_types).applies_to(okot_type) is applies


@pytest.mark.django_db
def test_the_migration_seeds_the_entry_conditions_checklist():
    assert EntryCondition.objects.filter(active=True).count() == 7
    assert sum(c.applies_to("HBO") for c in EntryCondition.objects.all()) == 5
    assert sum(c.applies_to("SENSE") for c in EntryCondition.objects.all()) == 6


ROLE_FACTORIES = {
    "caseworker": CaseworkerFactory,
    "counsellor": CounsellorFactory,
    "network_manager": NetworkManagerFactory,
    "administrator": AdministratorFactory,
    "none": UserFactory,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLE_FACTORIES)
def test_each_role_factory_gives_exactly_its_role(role):
    user = ROLE_FACTORIES[role]()

    assert {
        "caseworker": user.is_caseworker,
        "counsellor": user.is_counsellor,
        "network_manager": user.is_network_manager,
        "administrator": user.is_administrator,
    } == {name: name == role for name in ROLE_FACTORIES if name != "none"}


@pytest.mark.django_db
def test_organisation_factory_defaults_to_ocmw_gent_and_has_a_vdab_variant():
    gent = OrganisationFactory()
    vdab = OrganisationFactory(vdab=True)

    assert (gent.name, gent.kind, gent.province) == ("OCMW Gent", "ocmw", "oost_vlaanderen")
    assert (vdab.name, vdab.kind, vdab.province) == (
        "VDAB Oost-Vlaanderen",
        Organisation.Kind.VDAB,
        Province.OOST_VLAANDEREN,
    )
    assert VdabOrganisationFactory() == vdab
    assert OrganisationFactory() == gent


@pytest.mark.django_db
def test_each_foreign_key_without_an_index_of_its_own_starts_one():
    """The referral's `ocmw`, `caseworker` and `counsellor` have no index of their own
    (migration 0034): the database holds none of them alone, and an index of the model
    over every row (no condition: on either kind of database) starts with each, which
    serves the lists, Mijn werk and the deletion of a user or an organisation (which
    looks for their referrals)."""
    unindexed = {
        field.name: field.column
        for field in Referral._meta.concrete_fields
        if field.is_relation and not field.db_index
    }
    assert set(unindexed) == {"ocmw", "caseworker", "counsellor"}
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Referral._meta.db_table)
    alone = [
        c["columns"]
        for c in constraints.values()
        if c["index"] and len(c["columns"]) == 1 and c["columns"][0] in unindexed.values()
    ]
    assert not alone
    firsts = {
        index.fields[0]
        for index in Referral._meta.indexes
        if index.condition is None and index.fields
    }
    assert set(unindexed) <= firsts
