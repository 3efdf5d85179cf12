"""What a page shows of a client or referral to the user asking: data prepared for the
templates, so that templates render and never decide."""

from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from audit.trail import mask_insz

from . import access
from .consent_forms import ConsentGiveForm, ConsentWithdrawForm
from .enums import (
    GUIDANCE_NOTE_STATES,
    CandidacyStatus,
    CheckupMonths,
    ConsentScope,
    State,
)
from .forms import GuidanceNoteEditForm, GuidanceNoteForm, OutcomeCheckForm
from .handover_display import handover_context
from .history_presenters import format_value, timeline
from .interruption_presenters import interruption_section
from .models import Client, GuidanceNote, Referral
from .record_presenters import document_context
from .responsible_forms import responsible_context
from .school_year_forms import SchoolYearForm
from .services import school_years_open as open_school_years
from .stepper import stepper
from .steps import STEPS
from .vdab_presenters import vdab_registration_form

# What VDAB sees of a client on a referral it acts on, once the OCMW formally agreed and
# the client consented to share data with VDAB: what the trajectory needs, each for a reason.
# Before the agreement VDAB sees only its own candidacy (what it typed); the rest of the
# file stays with the OCMW.
VDAB_CLIENT_FIELDS = [
    # Whom the referral is about: to address the client, and to check the candidacy's name.
    "first_name",
    "last_name",
    # Identifies the person in VDAB's own systems (client file, training contract). Birth
    # date and gender are derived from it there; no screening criterion asks for them, so
    # they are not shown apart.
    "insz",
    # Finds the client's VDAB file at once when there is one.
    "vdab_client_number",
    # VDAB registers the client as job seeker after the agreement when they are not yet.
    "registered_job_seeker",
    # To invite the client to the intake and guide them during the training.
    "phone",
    "email",
    # The training centre's reach: mobility at the screening, moving out of reach as a
    # reason to stop. Street and postal code stay with the OCMW: VDAB contacts by phone and
    # e-mail, and its own file holds the address once the client is a job seeker.
    "municipality",
]
# Without consent (withdrawn after the agreement) only whom the referral is about.
WITHOUT_CONSENT_FIELDS = ["first_name", "last_name"]
OCMW_CLIENT_FIELDS = [
    "first_name",
    "last_name",
    "insz",
    "birth_date",
    "gender",
    "phone",
    "email",
    "street",
    "postal_code",
    "municipality",
    "registered_job_seeker",
    "vdab_client_number",
    "consent_vdab",
    "consent_date",
    "gpmi",
    "gpmi_date",
    "notes",
]
# What is left of a pseudonymised client to show (`services.retention`).
PSEUDONYMISED_CLIENT_FIELDS = ["gender", "pseudonymised_at"]

# The colour of each state's badge: blue while the referral moves on, green in training,
# dark once the training ended, grey when it stopped before.
STATE_BADGE_COLOURS = {
    State.INFORMED: "primary",
    State.CANDIDATE: "primary",
    State.AGREED: "primary",
    State.INTAKE_PLANNED: "primary",
    State.ADMITTED: "primary",
    State.IN_TRAINING: "success",
    State.ENDED: "dark",
    State.CLOSED: "dark",
    State.DECLINED: "secondary",
    State.NOT_ADMITTED: "secondary",
    State.WITHDRAWN: "secondary",
}


# Each state's name, translated when shown (`state_label`).
STATE_LABELS = {state.value: state.label for state in State}


def state_label(state: str) -> str:
    """A state's name in the active language, as `get_state_display` gives it, without
    building the field's choices again for each row (35 µs a call against 3: 2 ms of Mijn
    werk's 71 rows)."""
    return str(STATE_LABELS.get(state, state))


def _display(instance, name: str):
    field = instance._meta.get_field(name)
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    return format_value(getattr(instance, name))


def client_fields(client: Client, user, *, for_vdab: bool = False) -> list[str]:
    """The client's fields this user may see; `for_vdab` gives what goes to VDAB even
    when the OCMW asks (the printed formal agreement)."""
    if client.is_pseudonymised:
        return PSEUDONYMISED_CLIENT_FIELDS
    if access.may_read_client_file(client, user) and not for_vdab:
        return OCMW_CLIENT_FIELDS
    return VDAB_CLIENT_FIELDS if client.has_consent else WITHOUT_CONSENT_FIELDS


def client_facts(
    client: Client, user, *, for_vdab: bool = False, insz_masked: bool = False
) -> list[tuple[str, object]]:
    """The client's details this user may see, as (label, value) pairs; `insz_masked`
    shows the national number as lists do (`mask_insz`)."""
    names = client_fields(client, user, for_vdab=for_vdab)
    return [
        (
            client._meta.get_field(n).verbose_name,
            mask_insz(client.insz) if insz_masked and n == "insz" else _display(client, n),
        )
        for n in names
    ]


def consent_notice(client: Client, consents=None) -> dict:
    """What every page about a client says of a withdrawn consent (the banner of
    `referrals/includes/consent_withdrawn.html`): the day it was withdrawn, while no new
    consent holds. One query at most, none while consent holds or given the `consents`."""
    return {"consent_withdrawn_on": client.consent_withdrawn_on(consents)}


def consent_context(client: Client, user, *, give_form=None, withdraw_form=None) -> dict:
    """The client's consents, newest first, and the form that fits for whoever may record
    them: to record consent while none holds, to withdraw the one that holds. A bound form
    (its errors) is shown whatever holds."""
    consents = list(client.consents.select_related("recorded_by", "withdrawn_by"))
    holding = next((c for c in consents if c.is_open and c.scope == ConsentScope.OKOT), None)
    may_record = access.may_record_consent(client, user)
    if may_record and (holding is None or give_form is not None):
        give_form = give_form or ConsentGiveForm(client=client)
    if may_record and (holding is not None or withdraw_form is not None):
        withdraw_form = withdraw_form or ConsentWithdrawForm(client=client, consent=holding)
    return {
        "consents": consents,
        "consent_give_form": give_form if may_record else None,
        "consent_withdraw_form": withdraw_form if may_record else None,
        **consent_notice(client, consents),
    }


def candidacy_of(referral: Referral):
    """The candidacy VDAB registered this referral with, if it did."""
    return referral.candidacies.registering().first()


def client_name(referral: Referral, user) -> str:
    """How the referral's client is called for this user: by name when they may see the
    client (`access.may_see_client_of`), else only as a client of the OCMW."""
    if access.may_see_client_of(referral, user):
        return str(referral.client)
    return _("a client of %(ocmw)s") % {"ocmw": referral.client.ocmw}


def referral_client_facts(
    referral: Referral, user, *, for_vdab: bool = False, insz_masked: bool = False
) -> list[tuple[str, object]]:
    """The client's details on this referral for this user (`access.may_see_client_of`):
    the referral page, the printed agreement (`for_vdab`) and the messages."""
    if access.may_see_client_of(referral, user):
        return client_facts(referral.client, user, for_vdab=for_vdab, insz_masked=insz_masked)
    return []


def message_client_facts(referral: Referral, recipient) -> list[tuple[str, object]]:
    """What a message to `recipient` carries of the client: nothing before they may see
    the client, then at most what VDAB may see, even for the client's own OCMW (a message
    is kept and travels; the file is a click away), with the national number masked as
    in every list, since the inbox lists the messages."""
    return referral_client_facts(referral, recipient, for_vdab=True, insz_masked=True)


def candidacy_rows(candidacies) -> list[dict]:
    """The registrant's candidacies as their page shows them: what they typed and its
    `status`, with the OCMW's reason when it declined or withdrew, and the referral once
    the OCMW agreed (VDAB sees it from then on)."""
    reasons = {
        CandidacyStatus.DECLINED: lambda r: r.decline_reason,
        CandidacyStatus.WITHDRAWN: lambda r: r.withdraw_reason,
    }
    rows = []
    for candidacy in candidacies:
        status = CandidacyStatus(candidacy.status)
        rows.append(
            {
                "candidacy": candidacy,
                "status": status,
                "reason": reasons[status](candidacy.referral) if status in reasons else "",
                "referral": candidacy.referral if status == CandidacyStatus.AGREED else None,
            }
        )
    return rows


# The referral's own data, in the order of the flow; empty values are left out.
REFERRAL_FIELDS = [
    "agreed_on",
    "caseworker",
    "caseworker_phone",
    "caseworker_email",
    "handover_notes",
    "decline_reason",
    "intake_at",
    "intake_place",
    "screening_motivation",
    "screening_preconditions",
    "screening_path_fit",
    "screening_learning_ability",
    "reject_reason",
    "probable_start_date",
    "probable_location",
    "start_date",
    "expected_end_date",
    "end_date",
    "end_result",
    "stop_reason",
    "obtained",
    "obtained_on",
    "continued_by",
    "withdraw_reason",
]


def referral_facts(referral: Referral) -> list[tuple[str, object]]:
    facts = [
        (Referral._meta.get_field(n).verbose_name, _display(referral, n)) for n in REFERRAL_FIELDS
    ]
    return [(label, value) for label, value in facts if value not in ("", None)]


def outcome_rows(referral: Referral) -> list[dict]:
    """The four outflow check-ups with their due date and result (None when not recorded)."""
    recorded = {check.months: check for check in referral.outcomes.all()}
    return [
        {
            "months": months,
            "label": label,
            "due": referral.outcome_due_date(months),
            "check": recorded.get(months),
        }
        for months, label in CheckupMonths.choices
    ]


def _name_to_check(referral: Referral, user):
    """The candidacy whose name the caseworker resolves (VDAB typed it otherwise than the
    client file says), while they may still agree or decline."""
    if referral.state != State.CANDIDATE or not access.may_agree(referral, user):
        return None
    candidacy = candidacy_of(referral)
    return candidacy if candidacy and candidacy.name_differs else None


def blocked_steps(referral: Referral, user, *, shown: str | None = None) -> list[tuple]:
    """The steps this user could take but for an unmet guard, as (heading, reasons); steps
    that wait for the same reasons together (admit and reject wait for the intake's day).
    `shown`: a step whose form is on the page, saying why itself."""
    waiting: dict[tuple[str, ...], list[str]] = {}
    for name, reasons in referral.blocked_steps(user).items():
        if name != shown:
            waiting.setdefault(tuple(reasons), []).append(f"“{STEPS[name].label}”")
    return [
        (
            ngettext(
                "%(steps)s is not possible yet:", "%(steps)s are not possible yet:", len(steps)
            )
            % {"steps": get_text_list(steps, gettext("and"))},
            list(reasons),
        )
        for reasons, steps in waiting.items()
    ]


def note_rows(referral: Referral, user, *, bound=None) -> list[dict]:
    """The notes this user reads, each with a form to correct it while its author may."""
    now = timezone.now()
    notes = (
        GuidanceNote.objects.filter(referral=referral)
        .visible_to(user)
        .select_related("author", "author__organisation")
    )
    rows = []
    for note in notes:
        form = None
        if note.may_be_edited_by(user, now):
            same = bound is not None and bound.instance.pk == note.pk
            form = bound if same else GuidanceNoteEditForm(instance=note)
        rows.append({"note": note, "form": form})
    return rows


def referral_context(
    referral: Referral,
    user,
    *,
    bound_form: tuple[str, object] | None = None,
    note_form=None,
    outcome_form=None,
    vdab_form=None,
    handover_form=None,
    document_form=None,
    school_year_form=None,
    responsible_form=None,
    note_edit_form=None,
    **interruption_forms,
) -> dict:
    forms = {
        name: STEPS[name].form(referral=referral, user=user)
        for name in referral.available_steps(user)
    }
    if bound_form:
        forms[bound_form[0]] = bound_form[1]
    notes_open = (
        access.may_add_guidance_note(referral, user) and referral.state in GUIDANCE_NOTE_STATES
    )
    outcomes_open = access.may_record_outcome(referral, user) and referral.has_positive_end
    school_years_open = access.may_record_school_year(referral, user) and bool(
        open_school_years(referral)
    )
    client_shown = access.may_see_client_of(referral, user)
    history = timeline(referral)
    notice = consent_notice(referral.client) if client_shown else {"consent_withdrawn_on": None}
    return {
        "referral": referral,
        "client_name": client_name(referral, user),
        "client_shown": client_shown,
        "facts": referral_client_facts(referral, user),
        "referral_facts": referral_facts(referral),
        "client_is_own": access.may_read_client_file(referral.client, user),
        **notice,
        # Never consented (yet); a withdrawn consent has its own banner.
        "consent_missing": (
            client_shown and not referral.client.has_consent and not notice["consent_withdrawn_on"]
        ),
        "name_to_check": _name_to_check(referral, user),
        "steps": [(STEPS[name], form) for name, form in forms.items()],
        # A step's form posted with errors says itself why the step waits.
        "blocked": blocked_steps(referral, user, shown=bound_form and bound_form[0]),
        "timeline": history,
        "stepper": stepper(referral, user, list(forms), history),
        "notes": note_rows(referral, user, bound=note_edit_form),
        "note_form": (note_form or GuidanceNoteForm()) if notes_open else None,
        "outcomes": outcome_rows(referral) if referral.has_positive_end else [],
        "outcome_form": (outcome_form or OutcomeCheckForm()) if outcomes_open else None,
        "checked_conditions": referral.checked_conditions.all(),
        "school_years": referral.school_years.all(),
        "school_year_form": (
            (school_year_form or SchoolYearForm(referral=referral)) if school_years_open else None
        ),
        "vdab_form": vdab_registration_form(referral, user, vdab_form),
        **handover_context(referral, user, form=handover_form),
        **interruption_section(referral, user, **interruption_forms),
        **document_context(referral, user, form=document_form),
        **responsible_context(referral, user, form=responsible_form),
    }
