"""A referral's steps: which the caller may take now (and why others are blocked), and
taking one. 404 for a referral that is not the caller's, 403 for a step that is not theirs
to take, 409 when the referral is not in a state for it (or moved on since the state the
caller sent), 400 with the form's field errors."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from referrals.enums import State
from referrals.models.reading import FORBIDDEN
from referrals.services import ConcurrentChange
from referrals.steps import STEPS, steps_for

from ..exceptions import Conflict
from ..idempotency import idempotent
from ..serializers import ReferralSerializer
from ..steps import BODIES, field_errors, form_data
from .base import ApiView
from .referrals import referral_answer, visible_referral


class StepRef(serializers.Serializer):
    name = serializers.ChoiceField(choices=list(STEPS))
    label = serializers.CharField()


class BlockedStep(StepRef):
    reasons = serializers.ListField(child=serializers.CharField())


class Transitions(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices)
    available = StepRef(many=True)
    blocked = BlockedStep(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConflictSerializer(ErrorSerializer):
    code = serializers.ChoiceField(choices=["changed", "not_possible", "blocked", "refused"])
    reasons = serializers.ListField(child=serializers.CharField())


class TransitionListView(ApiView):
    @extend_schema(responses=Transitions, operation_id="referral_transitions")
    def get(self, request, pk: int):
        """The steps you may take now, in the order of the flow, and those you could take
        but for a condition not met yet, with the reasons."""
        referral = visible_referral(request, pk)
        available, blocked = steps_for(referral, request.user)
        return Response(
            {
                "state": referral.state,
                "available": [{"name": step.name, "label": str(step.label)} for step in available],
                "blocked": [
                    {"name": step.name, "label": str(step.label), "reasons": reasons}
                    for step, reasons in blocked
                ],
            }
        )


class TransitionView(ApiView):
    """Take one step (`step_name`); one URL per step, so that each has its body in the
    schema."""

    step_name = ""

    def post(self, request, pk: int):
        step = STEPS[self.step_name]
        referral = visible_referral(request, pk)
        data = form_data(step, referral, request.data)
        if data["state"] not in State.values:
            raise exceptions.ValidationError({"state": [_("This is not a state of a referral.")]})
        # Who may not take the step hears nothing more (not even who moved the referral
        # on); who may hears first that it moved on since they read it, if it did.
        code, reasons = referral.step_check(request.user, step.name)
        if code == FORBIDDEN:
            raise exceptions.PermissionDenied(reasons[0])
        if data["state"] != referral.state:
            raise ConcurrentChange(
                referral, seen_state=data["state"], user=request.user, step=step.name
            )
        if code:
            raise Conflict(reasons, code=code)
        form = step.form(data, referral=referral, user=request.user)
        if not form.is_valid():
            raise exceptions.ValidationError(field_errors(form))
        step.run(referral=referral, user=request.user, form=form)
        return referral_answer(request, pk)

    def replay(self, request, pk: int, status_code: int) -> Response:
        return referral_answer(request, pk, status_code)


def transition_view(name: str):
    step = STEPS[name]
    post = extend_schema(
        operation_id=f"referral_step_{name}",
        summary=str(step.label),
        request=BODIES[name],
        responses={
            200: ReferralSerializer,
            400: OpenApiResponse(description="The step's fields, with what is wrong with each."),
            403: ErrorSerializer,
            404: ErrorSerializer,
            409: ConflictSerializer,
        },
    )(idempotent(TransitionView.post))
    view_class = type(f"Transition_{name}", (TransitionView,), {"post": post})
    return view_class.as_view(step_name=name)
