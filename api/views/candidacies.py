"""VDAB's candidacies: a counsellor's system registers one for a client of an OCMW, by
national number, exactly as the candidacy page does, and reads back its own candidacies
with their status. Like the page, the answer says nothing of what the OCMW knows of the
number: every candidacy waits for the OCMW's formal agreement."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from audit import reads
from referrals import access, services
from referrals.enums import CandidacyOutcome, CandidacyStatus
from referrals.forms import CandidacyForm
from referrals.models import Candidacy, Training
from referrals.presenters import candidacy_rows

from ..idempotency import idempotent
from ..pagination import Cursor
from ..serializers import OrganisationRef, TrainingRef
from ..steps import field_errors, json_object
from .base import ApiMixin


class CandidacyBody(serializers.Serializer):
    ocmw = serializers.IntegerField(help_text=_("The id of the client's OCMW."))
    insz = serializers.CharField(max_length=20, help_text=_("The national register or BIS number."))
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    training = serializers.IntegerField(help_text=_("The id of a training you act for."))


class CandidacySerializer(serializers.Serializer):
    """A candidacy as its registrant reads it (`presenters.candidacy_rows`): what they
    typed, its status, the OCMW's reason when it declined or withdrew, and the referral
    once the OCMW agreed (VDAB sees it from then on)."""

    id = serializers.IntegerField(source="candidacy.pk")
    registered_at = serializers.DateTimeField(source="candidacy.registered_at")
    ocmw = OrganisationRef(source="candidacy.ocmw")
    training = TrainingRef(source="candidacy.training")
    insz = serializers.CharField(source="candidacy.insz")
    first_name = serializers.CharField(source="candidacy.first_name")
    last_name = serializers.CharField(source="candidacy.last_name")
    status = serializers.ChoiceField(choices=CandidacyStatus.choices)
    reason = serializers.CharField()
    referral = serializers.SerializerMethodField()

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_referral(self, row) -> int | None:
        return row["referral"].pk if row["referral"] else None


class CandidacyPages(Cursor):
    ordering = ("-registered_at", "-pk")


class CandidaciesView(ApiMixin, generics.ListCreateAPIView):
    pagination_class = CandidacyPages
    serializer_class = CandidacySerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not access.may_register_candidacy(request.user):
            raise exceptions.PermissionDenied(_("Only VDAB registers candidacies."))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema asks with nobody
            return Candidacy.objects.none()
        return Candidacy.objects.of_registrant(self.request.user).select_related(
            "ocmw", "training", "referral"
        )

    @extend_schema(operation_id="candidacies_list")
    def list(self, request, *args, **kwargs):
        """The candidacies you registered, newest first."""
        page = self.paginate_queryset(self.get_queryset())
        reads.listed(request, reads.OF_REFERRAL.of_all(page))
        rows = candidacy_rows(page)
        return self.get_paginated_response(CandidacySerializer(rows, many=True).data)

    @extend_schema(
        request=CandidacyBody,
        responses={201: CandidacySerializer},
        operation_id="candidacy_register",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Register a candidacy; the OCMW's caseworker is asked for the formal agreement."""
        trainings = Training.objects.offered().responsible(request.user)
        form = CandidacyForm(json_object(request.data, CandidacyForm), trainings=trainings)
        if not form.is_valid():
            raise exceptions.ValidationError(field_errors(form))
        candidacy = services.referral_register_candidacy(user=request.user, **form.cleaned_data)
        if candidacy.outcome == CandidacyOutcome.LIMITED:
            raise exceptions.Throttled(
                detail=_(
                    "You registered many candidacies in a short time; try again later. "
                    "An administrator can help when this is urgent."
                )
            )
        return self.replay(request, candidacy.pk, status.HTTP_201_CREATED)

    def replay(self, request, pk: int, status_code: int) -> Response:
        [row] = candidacy_rows([get_object_or_404(self.get_queryset(), pk=pk)])
        return Response(CandidacySerializer(row).data, status=status_code)
