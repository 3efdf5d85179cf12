"""What the referral's page shows of the training's interruptions: data prepared for the
templates (their lines in the timeline are `history_presenters.interruption_details`)."""

from django.utils import timezone

from . import access
from .enums import INTERRUPTION_CORRECTION_STATES, INTERRUPTION_STATES
from .interruption_forms import InterruptionForm, ResumeForm
from .models import Referral


def interruption_section(
    referral: Referral,
    user,
    *,
    interruption_form=None,
    resume_form=None,
    correct_form=None,
) -> dict:
    """The interruptions (one query), the one running now, the days interrupted so far,
    and the forms this user may fill in: a new interruption or the end of the running one
    while the training runs, a correction of each until the referral is closed. A bound
    form (with its errors) replaces its empty one."""
    interruptions = list(
        referral.interruptions.select_related("recorded_by", "recorded_by__organisation")
    )
    running = next((i for i in interruptions if i.is_running), None)
    may = access.may_record_interruption(referral, user)
    records = may and referral.state in INTERRUPTION_STATES
    corrects = may and referral.state in INTERRUPTION_CORRECTION_STATES
    today = timezone.localdate()
    corrections = []
    if corrects:
        for interruption in interruptions:
            form = correct_form
            if form is None or form.interruption != interruption:
                form = InterruptionForm(interruption=interruption)
            corrections.append((interruption, form))
    return {
        "interruptions": interruptions,
        "current_interruption": running,
        "interrupted_days": sum(i.days(today) for i in interruptions),
        # A form sent back with its errors shows, also when the other side recorded an
        # interruption meanwhile: its refusal says so, and what was typed stays.
        "interruption_form": (
            (interruption_form or (InterruptionForm() if running is None else None))
            if records
            else None
        ),
        "resume_form": (resume_form or ResumeForm()) if records and running else None,
        "correct_forms": corrections,
    }
