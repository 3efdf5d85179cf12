import factory

from api.models import ApiToken
from tests.accounts.factories import CaseworkerFactory


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A usable token; its secret is on `token.secret` (only its digest is stored)."""

    class Meta:
        model = ApiToken
        skip_postgeneration_save = True

    user = factory.SubFactory(CaseworkerFactory)
    name = "Mens (OCMW)"

    @factory.post_generation
    def secret(obj, create, extracted, **kwargs):
        obj.secret = obj.issue()
        if create:
            obj.save()
