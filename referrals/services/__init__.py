"""Every action on a referral is one function here; nothing else changes a state.

Each is keyword-only and atomic: it checks the step, runs the model's transition, saves
the changed fields, appends a history line and announces the event.

The functions live by kind in this package: `creation` (a new referral), `steps` (its
steps, with the transition machinery), `candidacies` (VDAB's candidacy), `followup` (guidance
notes, school years and outflow check-ups), `handover` (the warm handover recorded after
the formal agreement), `interruptions` (a training interrupted and resumed), `documents`
(files attached to a referral), `clients` (a client's details), `vdab` (VDAB's part of the
client: the registration as job seeker), `consents` (the client's consent to share data with
VDAB) and `retention` (pseudonymising clients whose referrals ended years ago), with the
row locks they take turns by in `locks`; callers use them as `services.<name>`."""

from .candidacies import candidacy_limit_reached, referral_register_candidacy
from .clients import client_save
from .concurrency import ClientChanged, InterruptionChanged
from .consents import consent_give, consent_withdraw
from .creation import referral_create
from .documents import document_add, document_remove
from .followup import (
    outcome_check_record,
    school_year_record,
    school_years_open,
)
from .handover import referral_record_handover
from .interruptions import interruption_correct, interruption_end, interruption_record
from .notes import guidance_note_add, guidance_note_edit
from .responsible import referral_set_responsible
from .retention import (
    apply_retention,
    client_pseudonymise,
    clients_due_for_retention,
    clients_pseudonymise,
)
from .steps import (
    ConcurrentChange,
    TransitionRefused,
    referral_admit,
    referral_agree,
    referral_apply,
    referral_close,
    referral_decline,
    referral_end,
    referral_plan_intake,
    referral_reject,
    referral_start,
    referral_withdraw,
)
from .vdab import referral_record_vdab_registration

__all__ = [
    "ClientChanged",
    "InterruptionChanged",
    "ConcurrentChange",
    "TransitionRefused",
    "candidacy_limit_reached",
    "client_save",
    "consent_give",
    "consent_withdraw",
    "document_add",
    "document_remove",
    "guidance_note_add",
    "guidance_note_edit",
    "outcome_check_record",
    "referral_set_responsible",
    "interruption_record",
    "interruption_end",
    "interruption_correct",
    "school_year_record",
    "school_years_open",
    "referral_register_candidacy",
    "referral_create",
    "referral_apply",
    "referral_agree",
    "referral_decline",
    "referral_plan_intake",
    "referral_admit",
    "referral_reject",
    "referral_start",
    "referral_end",
    "referral_close",
    "referral_withdraw",
    "referral_record_vdab_registration",
    "referral_record_handover",
    "apply_retention",
    "clients_due_for_retention",
    "client_pseudonymise",
    "clients_pseudonymise",
]
