"""Referrals: the list with its filters, one referral, and registering a new one. Every read
goes through `Referral.objects.visible_to`, so another organisation's is a 404, and leaves
its rows in the audit trail as the pages do."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from audit import reads
from referrals import access, services
from referrals.models import Referral

from ..filters import ReferralFilter
from ..idempotency import idempotent
from ..pagination import Cursor
from ..serializers import ReferralCreateSerializer, ReferralSerializer
from .base import ApiMixin


def visible_referrals(request):
    return (
        Referral.objects.visible_to(request.user)
        .with_related()
        .select_related("ocmw", "caseworker", "counsellor")
    )


def visible_referral(request, pk: int) -> Referral:
    return get_object_or_404(visible_referrals(request), pk=pk)


def referral_answer(request, pk: int, status_code: int = 200) -> Response:
    """The referral as the caller may see it now, its read recorded: the answer of its
    page, of a registration and of a step (and of their replays)."""
    referral = visible_referral(request, pk)
    reads.shown(request, referral=referral)  # with its client
    return Response(
        ReferralSerializer(referral, context={"request": request}).data, status=status_code
    )


class ReferralPages(Cursor):
    # The web list's order, which its indexes answer (per OCMW and per region as well).
    ordering = ("-state_changed_at", "-id")


class ReferralViewSet(ApiMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"  # as ReadOnlyViewSet's: a 404 for what is not a number
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    pagination_class = ReferralPages

    def get_queryset(self):
        return visible_referrals(self.request)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            reads.listed(self.request, reads.REFERRAL.of_all(page))
        return page

    def retrieve(self, request, pk: int, *args, **kwargs):
        return referral_answer(request, pk)

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    @idempotent
    def create(self, request, *args, **kwargs):
        """Register a referral of a client of your OCMW (optionally applying at once).
        VDAB registers a candidacy instead (`candidacies/`)."""
        if not access.may_see_clients(request.user):
            raise exceptions.PermissionDenied(
                _("Only the client's OCMW registers a referral; VDAB registers a candidacy.")
            )
        form = ReferralCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        referral = services.referral_create(user=request.user, **form.validated_data)
        return referral_answer(request, referral.pk, status.HTTP_201_CREATED)

    def replay(self, request, pk: int, status_code: int) -> Response:
        return referral_answer(request, pk, status_code)
