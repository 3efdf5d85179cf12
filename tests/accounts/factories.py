"""Organisations and users, with a factory per role (roles are the Groups of the data migration)."""

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from accounts.models import Organisation, Province, Role, User
from tests.names import USER_FIRST_NAMES, USER_LAST_NAMES


class OrganisationFactory(DjangoModelFactory):
    """OCMW Gent unless told otherwise; `vdab=True` gives VDAB Oost-Vlaanderen."""

    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    class Params:
        vdab = factory.Trait(
            name="VDAB Oost-Vlaanderen",
            kind=Organisation.Kind.VDAB,
            municipality="Gent",
            province=Province.OOST_VLAANDEREN,
            email="oost-vlaanderen@vdab.example",
        )

    name = "OCMW Gent"
    kind = Organisation.Kind.OCMW
    municipality = "Gent"
    province = Province.OOST_VLAANDEREN
    email = factory.LazyAttribute(lambda o: f"info@{o.name.lower().replace(' ', '-')}.example")


class VdabOrganisationFactory(OrganisationFactory):
    """VDAB in a province: `VdabOrganisationFactory(province=Province.LIMBURG)`."""

    kind = Organisation.Kind.VDAB
    province = Province.OOST_VLAANDEREN
    name = factory.LazyAttribute(lambda o: f"VDAB {Province(o.province).label}")
    municipality = ""


class OcmwFactory(OrganisationFactory):
    """Another OCMW: `OcmwFactory(municipality="Antwerpen", province=Province.ANTWERPEN)`."""

    municipality = "Aalst"
    name = factory.LazyAttribute(lambda o: f"OCMW {o.municipality}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("random_element", elements=USER_FIRST_NAMES)
    last_name = factory.Faker("random_element", elements=USER_LAST_NAMES)
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    work_phone = "09 123 45 67"
    organisation = None
    is_active = True
    password = factory.django.Password("test-password")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        """Add the user to the named groups: `UserFactory(groups=[Role.COUNSELLOR])`."""
        if create and extracted:
            self.groups.add(*(Group.objects.get(name=name) for name in extracted))


def in_group(name: str) -> factory.PostGeneration:
    """Put the created user in the role's Group (made by the data migration)."""

    def add(user, create, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(add)


class CaseworkerFactory(UserFactory):
    """An OCMW caseworker, of OCMW Gent unless given an organisation."""

    organisation = factory.SubFactory(OrganisationFactory)
    groups = in_group(Role.CASEWORKER)


class CounsellorFactory(UserFactory):
    """A VDAB counsellor, of VDAB Oost-Vlaanderen unless given an organisation."""

    organisation = factory.SubFactory(VdabOrganisationFactory)
    groups = in_group(Role.COUNSELLOR)


class NetworkManagerFactory(UserFactory):
    """VDAB's network manager for local governments, of VDAB Oost-Vlaanderen by default."""

    organisation = factory.SubFactory(VdabOrganisationFactory)
    groups = in_group(Role.NETWORK_MANAGER)


class AdministratorFactory(UserFactory):
    """The functional administrator (no organisation, not a superuser: the role does it)."""

    organisation = None
    is_staff = True
    groups = in_group(Role.ADMINISTRATOR)
