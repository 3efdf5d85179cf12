"""The codes of the referral workflow: states, results, reasons and the other enumerations.

The codes are the contract between the code, the reports, the import files and the tests
(docs/DOMAIN.md); the labels are what people read. Code, querysets, constraints and templates
name a code through these classes, never as a string, so that renaming one fails loudly.

This module imports nothing of the app: models, rules, forms and reports all build on it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    INFORMED = "informed", _("Informed")
    CANDIDATE = "candidate", _("Candidate")
    AGREED = "agreed", _("Formal agreement")
    DECLINED = "declined", _("No agreement")
    INTAKE_PLANNED = "intake_planned", _("Intake planned")
    ADMITTED = "admitted", _("Admitted")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    IN_TRAINING = "in_training", _("In training")
    ENDED = "ended", _("Training ended")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A referral in one of these is over: it no longer counts as the client's open referral.
FINAL_STATES = (State.DECLINED, State.CLOSED, State.WITHDRAWN)
# An OKOT trajectory in progress, from the formal agreement until the training ends: no
# temporary work experience may run alongside it (`Referral.trajectory_period`).
TRAJECTORY_STATES = (State.AGREED, State.INTAKE_PLANNED, State.ADMITTED, State.IN_TRAINING)
# Guidance notes are kept from the formal agreement until the end of the training.
GUIDANCE_NOTE_STATES = (
    State.AGREED,
    State.INTAKE_PLANNED,
    State.ADMITTED,
    State.NOT_ADMITTED,
    State.IN_TRAINING,
    State.ENDED,
)

# History lines that are no step (`ReferralEvent.transition`): an outflow check-up recorded,
# and one corrected (the answer it replaces stays in the line).
CHECKUP_RECORDED = "checkup_recorded"
CHECKUP_CORRECTED = "checkup_corrected"
# VDAB recorded the client's registration as job seeker and VDAB client number.
VDAB_REGISTRATION = "vdab_registration"
# Where VDAB records that registration: past the formal agreement (VDAB registers the client
# after it), while the referral is open. Not once it is closed, withdrawn or declined: VDAB
# no longer acts on it, and what it then knows of the client is its own file's, not the
# OCMW's.
VDAB_REGISTRATION_STATES = (
    State.AGREED,
    State.INTAKE_PLANNED,
    State.ADMITTED,
    State.NOT_ADMITTED,
    State.IN_TRAINING,
    State.ENDED,
)
# ... and the warm handover recorded (or corrected) after the formal agreement.
HANDOVER_RECORDED = "handover_recorded"

# The warm handover is recorded from the formal agreement until the training has started;
# it is overdue while missing before the training (`OverdueReason.NO_HANDOVER`).
HANDOVER_STATES = (State.AGREED, State.INTAKE_PLANNED, State.ADMITTED, State.IN_TRAINING)
HANDOVER_DUE_STATES = (State.AGREED, State.INTAKE_PLANNED, State.ADMITTED)


class HandoverHow(models.TextChoices):
    """How the warm handover took place (DOMAIN.md: preferably by phone)."""

    PHONE = "phone", _("phone call")
    MEETING = "meeting", _("three-way meeting with the client and the counsellor")


class OverdueReason(models.TextChoices):
    """Why a referral shows among the overdue work (`ReferralQuerySet.overdue`)."""

    NO_AGREEMENT = "no_agreement", _("no formal agreement yet")
    NO_INTAKE = "no_intake", _("no intake planned")
    NO_SCREENING = "no_screening", _("intake passed, no screening recorded")
    NO_START = "no_start", _("probable start passed, not started")
    NO_HANDOVER = "no_handover", _("no handover recorded")
    NO_END = "no_end", _("expected end passed, not ended")


# An interruption of the training recorded, ended (the trainee resumed) or corrected; and
# the one still running closed by the end of the training (`services.interruptions`).
INTERRUPTION_RECORDED = "interruption_recorded"
INTERRUPTION_ENDED = "interruption_ended"
INTERRUPTION_CORRECTED = "interruption_corrected"
INTERRUPTION_EVENTS = (INTERRUPTION_RECORDED, INTERRUPTION_ENDED, INTERRUPTION_CORRECTED)
# An interruption is recorded, and ended, while the training runs; one already recorded may
# still be corrected after the end, until the referral is closed.
INTERRUPTION_STATES = (State.IN_TRAINING,)
INTERRUPTION_CORRECTION_STATES = (State.IN_TRAINING, State.ENDED)
# History lines of a document attached to the referral, or removed from it.
DOCUMENT_ADDED = "document_added"
DOCUMENT_REMOVED = "document_removed"
# Another person made responsible for the referral on one side (`services.responsible`).
RESPONSIBLE_CHANGED = "responsible_changed"
RESPONSIBLE_SIDES = {
    "caseworker": _("Responsible caseworker (OCMW)"),
    "counsellor": _("Responsible counsellor (VDAB)"),
}
# A school year's result recorded (or corrected: the line keeps the result it replaces).
SCHOOL_YEAR_RECORDED = "school_year_recorded"
# School years are recorded from the start of the training, also after its end (a result
# comes after the deliberation); a closure after `not_admitted` never started one.
SCHOOL_YEAR_STATES = (State.IN_TRAINING, State.ENDED, State.CLOSED)


class EndResult(models.TextChoices):
    PASSED = "passed", _("passed")
    FAILED = "failed", _("not passed")
    STOPPED_EARLY = "stopped_early", _("stopped early")
    STOPPED_EMPLOYMENT = "stopped_employment", _("stopped because of employment")


# After a positive end, outflow to work is followed 3 to 12 months on.
POSITIVE_END_RESULTS = (EndResult.PASSED, EndResult.STOPPED_EMPLOYMENT)


class Obtained(models.TextChoices):
    """What a trajectory obtained at its end: the diploma is its own fact, not the end result
    (a multi-year programme is passed year by year; some end with a partial certificate)."""

    DIPLOMA = "diploma", _("diploma")
    PARTIAL = "partial", _("certificate of part of the programme")
    NONE = "none", _("nothing")


# A diploma is obtained only by passing; a passed end obtains the diploma or a certificate
# of part of the programme (`referrals.models.obtained`).
CERTIFICATES = (Obtained.DIPLOMA, Obtained.PARTIAL)


class SchoolYearResult(models.TextChoices):
    """How one school year of a (multi-year) trajectory went."""

    PASSED = "passed", _("passed the year")
    REPEATS = "repeats", _("repeats the year")
    STOPPED = "stopped", _("stopped")


class StopReason(models.TextChoices):
    LASTING_WORK = "lasting_work", _("lasting work that cannot be combined")
    MOVED = "moved", _("moved out of reach of the training centre")
    ILLNESS = "illness", _("illness or accident")
    MATERNITY = "maternity", _("maternity leave")
    OTHER_COMPELLING = "other_compelling", _("another compelling reason")
    NO_VALID_REASON = "no_valid_reason", _("no valid reason")
    INSUFFICIENT_PROGRESS = "insufficient_progress", _("insufficient study progress (VDAB)")
    OTHER_VDAB = "other_vdab", _("stopped by VDAB for another reason")


class InterruptionReason(models.TextChoices):
    """Why a training is interrupted for a while without ending (the valid reasons to stop
    early, but for a time)."""

    ILLNESS = "illness", _("illness or accident")
    MATERNITY = "maternity", _("maternity leave")
    PERSONAL = "personal", _("a personal reason")
    OTHER = "other", _("another reason")


class ContinuedBy(models.TextChoices):
    VDAB = "vdab", _("VDAB")
    OCMW = "ocmw", _("OCMW")


class OkotType(models.TextChoices):
    """The OKOT types. The codes are the reports' and the import files' and stay; the labels
    follow the names of today (2026): second-chance education (TKO) is now secondary adult
    education, and the HBO5 programmes became graduaat programmes, except nursing."""

    BSO7 = "7BSO", _("7th year vocational secondary (7BSO)")
    PBA = "PBA", _("professional bachelor (PBA)")
    SENSE = "SENSE", _("Se-n-Se, secondary after secondary")
    TKO = "TKO", _("secondary adult education (TKO)")
    HBO = "HBO", _("graduaat (associate degree) or HBO5 nursing (HBO)")


class TrainingMode(models.TextChoices):
    """Where an OKOT is taught, as VDAB's training guide says."""

    SCHOOL = "school", _("entirely at school")
    MIXED = "mixed", _("mixed: VDAB, school and a partner")


class Gender(models.TextChoices):
    MALE = "M", _("man")
    FEMALE = "V", _("woman")
    X = "X", _("X")


class GuidanceTopic(models.TextChoices):
    ATTENDANCE = "attendance", _("attendance")
    PROGRESS = "progress", _("progress")
    DROPOUT_RISK = "dropout_risk", _("risk of dropping out")
    SUPPORT = "support", _("support needed")
    OTHER = "other", _("other")


class NoteVisibility(models.TextChoices):
    """Who reads a guidance note: both sides, or only the author's organisation."""

    SHARED = "shared", _("shared with the other side")
    INTERNAL = "internal", _("internal to my organisation")


class DocumentKind(models.TextChoices):
    """What a file attached to a referral is (`Document.kind`)."""

    SIGNED_AGREEMENT = "signed_agreement", _("signed formal agreement")
    TRAINING_CONTRACT = "training_contract", _("training contract")
    ATTENDANCE = "attendance", _("attendance certificate")
    DIPLOMA = "diploma", _("diploma or certificate")
    OTHER = "other", _("other document")


class ConsentScope(models.TextChoices):
    """What a client consents to share with VDAB for (one scope today)."""

    OKOT = "okot", _("OKOT referral and follow-up")


# An outflow check-up is due from `months` after the end for this many months (the
# reminders and "Mijn werk" both count so).
OUTCOME_REMINDER_MONTHS = 3


class CheckupMonths(models.IntegerChoices):
    """When outflow to work is checked: months after a positive end."""

    M3 = 3, _("3 months")
    M6 = 6, _("6 months")
    M9 = 9, _("9 months")
    M12 = 12, _("12 months")


class AtWork(models.TextChoices):
    YES = "yes", _("yes")
    NO = "no", _("no")
    UNKNOWN = "unknown", _("unknown")


class CandidacyOutcome(models.TextChoices):
    """What came of a candidacy VDAB registered. Only the OCMW's side and the administrator
    read it: the counsellor is told the same whatever it is."""

    NEW_CLIENT = "new_client", _("registered for a person new to the OCMW")
    KNOWN_CLIENT = "known_client", _("registered for a client of the OCMW")
    NAME_DIFFERS = "name_differs", _("registered; the name differs from the client file")
    ALREADY_OPEN = "already_open", _("linked to the open referral that exists already")
    LIMITED = "limited", _("refused: too many candidacies in a short time")


class CandidacyStatus(models.TextChoices):
    """Where a candidacy stands, as its registrant sees it (`Candidacy.status`)."""

    WAITING = "waiting", _("waiting for the OCMW's formal agreement")
    AGREED = "agreed", _("formally agreed")
    DECLINED = "declined", _("not agreed by the OCMW")
    WITHDRAWN = "withdrawn", _("withdrawn before the formal agreement")


# Outcomes that registered a new referral (and applied for it).
CANDIDACY_REGISTERS = [
    CandidacyOutcome.NEW_CLIENT,
    CandidacyOutcome.KNOWN_CLIENT,
    CandidacyOutcome.NAME_DIFFERS,
]
# Outcomes that looked the OCMW's clients up (and so count towards the limit per user).
CANDIDACY_LOOKUPS = [*CANDIDACY_REGISTERS, CandidacyOutcome.ALREADY_OPEN]


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


# A job in one of these is over: its file is gone and its page no longer refreshes.
IMPORT_JOB_ENDED = (ImportJobStatus.DONE, ImportJobStatus.FAILED)
