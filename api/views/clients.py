"""The OCMW's clients, for its caseworkers (and the administrator): the list, one client,
and a search by name or national number, POSTed so that no one's name or number is ever in
a URL (nor in the logs of the proxies in between). Each read is in the audit trail."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import reads
from referrals import access
from referrals.models import Client

from ..serializers import ClientSerializer
from .base import ReadOnlyViewSet

SEARCH_LIMIT = 50


class ClientSearch(serializers.Serializer):
    q = serializers.CharField(
        min_length=2,
        max_length=100,
        help_text=_("A name (or part of it), a national number or a VDAB client number."),
    )


class ClientViewSet(ReadOnlyViewSet):
    serializer_class = ClientSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not access.may_see_clients(request.user):
            raise exceptions.PermissionDenied(
                _("Clients are the OCMW's: only its caseworkers see them.")
            )

    def get_queryset(self):
        return Client.objects.visible_to(self.request.user).order_by("-pk")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            reads.listed(self.request, reads.CLIENT.of_all(page))
        return page

    def retrieve(self, request, *args, **kwargs):
        client = self.get_object()
        reads.shown(request, client=client)
        return Response(self.get_serializer(client).data)

    @extend_schema(request=ClientSearch, responses=ClientSerializer(many=True))
    # Not paginated: the first SEARCH_LIMIT hits, a plain list (and so in the schema).
    @action(detail=False, methods=["post"], pagination_class=None)
    def search(self, request):
        """The first 50 clients whose name or number matches, by name."""
        query = ClientSearch(data=request.data)
        query.is_valid(raise_exception=True)
        text = query.validated_data["q"]
        found = list(
            self.get_queryset()
            .search(text)
            .order_by("last_name", "first_name", "pk")[:SEARCH_LIMIT]
        )
        reads.searched(request, text, reads.CLIENT.of_all(found), hits=len(found))
        return Response(self.get_serializer(found, many=True).data)
