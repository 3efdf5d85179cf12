"""Each role is defined once (`accounts.models.Role`): who holds it, asked of one user
(`held_by`, behind `User.is_caseworker` and friends) and as a query (`holders`, for finding
whom to tell), must always agree."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.models import Province, Role
from tests.accounts.factories import (
    AdministratorFactory,
    CaseworkerFactory,
    CounsellorFactory,
    NetworkManagerFactory,
    OcmwFactory,
    OrganisationFactory,
    UserFactory,
    VdabOrganisationFactory,
)

pytestmark = pytest.mark.django_db


def with_permission(user, role: Role):
    """Grant the role's permission to one user directly, without its group."""
    app_label, codename = role.permission.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return user


@pytest.fixture
def people():
    gent = OrganisationFactory()
    vdab = VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    return {
        "caseworker": CaseworkerFactory(organisation=gent),
        "caseworker_of_aalst": CaseworkerFactory(organisation=OcmwFactory()),
        "counsellor": CounsellorFactory(organisation=vdab),
        "network_manager": NetworkManagerFactory(organisation=vdab),
        "network_manager_who_counsels": UserFactory(
            organisation=vdab, groups=[Role.NETWORK_MANAGER, Role.COUNSELLOR]
        ),
        "administrator": AdministratorFactory(),
        "superuser": UserFactory(is_superuser=True),
        "superuser_of_an_ocmw": UserFactory(is_superuser=True, organisation=gent),
        "inactive_caseworker": CaseworkerFactory(organisation=gent, is_active=False),
        "inactive_administrator": AdministratorFactory(is_active=False),
        "caseworker_by_permission": with_permission(
            UserFactory(organisation=gent), Role.CASEWORKER
        ),
        # Granted by their group and to them alone: one holder all the same.
        "caseworker_granted_twice": with_permission(
            CaseworkerFactory(organisation=gent), Role.CASEWORKER
        ),
        "caseworker_role_in_a_vdab_office": UserFactory(
            organisation=vdab, groups=[Role.CASEWORKER]
        ),
        "counsellor_role_without_organisation": UserFactory(groups=[Role.COUNSELLOR]),
        "without_role": UserFactory(organisation=gent),
    }


HOLDERS = {
    Role.CASEWORKER: {
        "caseworker",
        "caseworker_of_aalst",
        "superuser_of_an_ocmw",
        "caseworker_by_permission",
        "caseworker_granted_twice",
    },
    Role.COUNSELLOR: {"counsellor", "network_manager_who_counsels"},
    Role.NETWORK_MANAGER: {"network_manager"},
    Role.ADMINISTRATOR: {"administrator", "superuser", "superuser_of_an_ocmw"},
}


@pytest.mark.parametrize("role", Role)
def test_holders_are_who_held_by_says(people, role):
    by_pk = {user.pk: name for name, user in people.items()}

    found = [by_pk[pk] for pk in role.holders().values_list("pk", flat=True)]
    asked = {name for name, user in people.items() if role.held_by(user)}

    assert set(found) == asked == HOLDERS[role]
    assert len(found) == len(HOLDERS[role])  # each once


def test_the_user_properties_ask_the_roles(people):
    caseworker, manager = people["caseworker_by_permission"], people["network_manager"]

    assert caseworker.is_caseworker and caseworker.has_role
    assert not caseworker.is_counsellor and not caseworker.is_administrator
    assert manager.is_network_manager and not manager.is_counsellor
    assert not people["without_role"].has_role


def test_a_users_roles_are_asked_once_and_follow_a_move_or_deactivation(monkeypatch):
    asked, held_by = [], Role.held_by

    def asking(role, user):
        asked.append(role)
        return held_by(role, user)

    monkeypatch.setattr(Role, "held_by", asking)
    caseworker = CaseworkerFactory()

    assert all(caseworker.is_caseworker for _ in range(50))  # every row of a list asks
    assert asked == [Role.CASEWORKER]

    caseworker.organisation = VdabOrganisationFactory()  # moved to VDAB
    assert not caseworker.is_caseworker
    caseworker.organisation = OcmwFactory()
    caseworker.is_active = False
    assert not caseworker.is_caseworker and not caseworker.has_role
    someone = UserFactory()
    assert not someone.is_administrator
    someone.is_superuser = True  # has every permission
    assert someone.is_administrator


def test_each_role_is_a_group_of_the_data_migration_granting_its_permission():
    for role in Role:
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert role.permission in granted
