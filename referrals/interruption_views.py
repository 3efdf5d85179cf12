"""Recording a training's interruption, its end when the trainee resumes, and a correction,
from the referral's page: POST only, back to that page, where a refused date shows on its
form (`views._act_on_referral`).

The URLs name the referral only: the interruption that ends is the one running (there is at
most one), the one corrected is named in the form (`interruption`), and must be the
referral's."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.keys import is_pk

from . import services
from .interruption_forms import InterruptionForm, ResumeForm
from .views import _act_on_referral, _visible_referral


@require_POST
def interruption_record(request, pk: int):
    referral = _visible_referral(request, pk)
    form = InterruptionForm(request.POST)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.interruption_record(
            referral=referral, user=request.user, **form.service_kwargs()
        ),
        success=lambda: _("The interruption was recorded; the other side is told in the app."),
        interruption_form=form,
    )


@require_POST
def interruption_resume(request, pk: int):
    referral = _visible_referral(request, pk)
    form = ResumeForm(request.POST)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.interruption_end(
            interruption=_one_of(referral, running=True), user=request.user, **form.cleaned_data
        ),
        success=lambda: _("The end of the interruption was recorded: the training goes on."),
        resume_form=form,
    )


@require_POST
def interruption_correct(request, pk: int):
    referral = _visible_referral(request, pk)
    number = request.POST.get("interruption", "")
    recorded = referral.interruptions.filter(pk=number).first() if is_pk(number) else None
    form = InterruptionForm(request.POST, interruption=recorded)

    def correct():
        try:
            services.interruption_correct(
                interruption=_one_of(referral, recorded),
                user=request.user,
                request=request,
                **form.service_kwargs(),
            )
        except services.InterruptionChanged as changed:
            form.saw(changed.version)
            raise

    return _act_on_referral(
        request,
        referral,
        form,
        action=correct,
        success=lambda: _("The interruption was corrected."),
        correct_form=form,
    )


def _one_of(referral, interruption=None, *, running: bool = False):
    """The interruption acted on (the running one when asked), or a refusal when there is
    none: it ended meanwhile, or the form named another referral's."""
    if running:
        interruption = referral.interruptions.running().first()
        if interruption is None:
            raise services.TransitionRefused([_("The training is not interrupted (any more).")])
    if interruption is None:
        raise services.TransitionRefused([_("This interruption is not one of this referral's.")])
    return interruption
