"""Who may do what: every access rule of the app, each a named predicate.

Change who may take a step, register a referral or a candidacy, write a note, record a
check-up or an interruption, add or remove a document, add or edit a client, record or
withdraw its consent, or see a page here, and only here: the model's transitions (their
`permission=`), the services, the views, the admin, the templates (`may` in the context)
and the notifications all ask these predicates.

Who may administer which user is `accounts.access` (accounts knows nothing of referrals).
The roles themselves (caseworker, counsellor, network manager, administrator) are defined
once, in `accounts.models.Role`. What a user may *read* is the querysets' `visible_to` and
`reportable_to` (referrals.models.querysets): a record outside them is a 404. Tests pin that
`visible_to` and `is_either_side` agree: VDAB sees, acts on and hears of a referral only once
the client's OCMW formally agreed (`is_agreed`); before that, VDAB knows only its own
candidacies (the candidacy page), never the OCMW's answer to them.

Predicates take what is acted on first and the user last, the order in which django-fsm calls
a transition's `permission=`. The administrator may act for either side."""

import datetime

from django.conf import settings
from django.utils import timezone

# --- the two sides of a client and a training ----------------------------------------------


def is_caseworker_of(client, user) -> bool:
    """A caseworker of the client's own OCMW (an administrator is not)."""
    return user.is_caseworker and client.ocmw_id == user.organisation_id


def is_counsellor_for(training, user) -> bool:
    """A counsellor who acts for the training: its contact, or one of its VDAB region."""
    return user.is_counsellor and (
        training.contact_counsellor_id == user.pk or training.province == user.organisation.province
    )


def acts_for_client(client, user) -> bool:
    """The client's side: a caseworker of its OCMW, or the administrator."""
    return user.is_administrator or is_caseworker_of(client, user)


# --- the two sides of a referral -----------------------------------------------------------


def is_agreed(referral) -> bool:
    """Whether the client's OCMW formally agreed. VDAB acts on a candidacy only after that
    (docs/DOMAIN.md), and until then sees nothing of the referral: whether one exists for a
    national number would tell it who is a client of the OCMW (pen test finding 1)."""
    return referral.agreed_on is not None


def is_clients_caseworker(referral, user) -> bool:
    return acts_for_client(referral.client, user)


def is_responsible_counsellor(referral, user) -> bool:
    """The training's side: the administrator, or a counsellor who acts for the training
    once the OCMW formally agreed."""
    return user.is_administrator or (
        is_counsellor_for(referral.training, user) and is_agreed(referral)
    )


def is_either_side(referral, user) -> bool:
    return is_clients_caseworker(referral, user) or is_responsible_counsellor(referral, user)


def organisation_sees(referral, organisation) -> bool:
    """What an organisation as a whole sees of the referrals (its own systems, through
    webhooks): the client's OCMW always; a VDAB region once the OCMW formally agreed
    (`is_agreed`) and only the referrals of its province, as `visible_to` shows its
    counsellors. Not `visible_to`'s contact counsellor of a training of another region:
    that is one person's access, not their organisation's."""
    if organisation.is_vdab:
        return is_agreed(referral) and referral.region == organisation.province
    return referral.ocmw_id == organisation.pk


# --- the steps: each transition's `permission=` ----------------------------------------------

# The OCMW registers its client as candidate; VDAB does so only through its candidacy form
# (`may_apply_by_candidacy`), since it takes no step before the formal agreement.
may_apply = is_clients_caseworker
# Only the client's own OCMW formally agrees or declines.
may_agree = is_clients_caseworker
may_decline = is_clients_caseworker
# Only VDAB plans the intake, screens, starts and ends the training.
may_plan_intake = is_responsible_counsellor
may_admit = is_responsible_counsellor
may_reject = is_responsible_counsellor
may_start = is_responsible_counsellor
may_end = is_responsible_counsellor
may_close = is_either_side
may_withdraw = is_either_side


# --- registering -----------------------------------------------------------------------------


def may_register_referral(client, training, user) -> bool:
    """Register a referral of this client for this training: the client's OCMW (VDAB
    registers a candidacy instead, `may_register_candidacy`), unless the retention
    pseudonymised the client (the OCMW registers the person anew)."""
    return acts_for_client(client, user) and not client.is_pseudonymised


def may_register_candidacy(user) -> bool:
    """VDAB registers a candidacy for a client of any OCMW (found by national number); how
    often is limited (`services.candidacy_limit_reached`)."""
    return user.is_counsellor or user.is_administrator


def may_register_candidacy_for(training, user) -> bool:
    """The trainings VDAB's candidacy form offers this user (`TrainingQuerySet.responsible`):
    the administrator's all, a counsellor's those they act for."""
    return user.is_administrator or is_counsellor_for(training, user)


def may_apply_by_candidacy(referral, user) -> bool:
    """The candidacy form (`services.referral_register_candidacy`) registers the referral
    and applies for it as whoever filled it in: the step's permission there, in place of
    `may_apply`. Nowhere else: the registrant does not see the referral until the OCMW
    agrees."""
    return may_register_candidacy(user) and referral.created_by_id == user.pk


def asks_ocmw_to_agree(referral) -> bool:
    """A referral registered through the candidacy form (by a counsellor or an
    administrator): applying for it asks the client's OCMW for its formal agreement."""
    return referral.candidacies.registering().exists()


def may_see_client_of(referral, user) -> bool:
    """The client's details on a referral (which of them: `referrals.presenters`): the
    client's side always, VDAB once the OCMW formally agreed; before that VDAB sees only
    its own candidacy, as it typed it. Asked of anyone (a message's recipient too), not
    only of who reached the referral through `visible_to`."""
    return is_either_side(referral, user)


# --- during and after the training ------------------------------------------------------------

may_add_guidance_note = is_either_side
may_record_outcome = is_either_side
# VDAB registers a client who is not yet a job seeker after the formal agreement (DOMAIN.md)
# and records it, with the VDAB client number, in the client file from a referral it acts
# on: the one part of the client's file that is VDAB's to write, not the OCMW's.
may_record_vdab_registration = is_responsible_counsellor


def may_record_handover(referral, user) -> bool:
    """The warm handover is the OCMW's to pass on and to record (docs/DOMAIN.md, the formal
    agreement): its caseworker (or the administrator) records it, at the agreement or
    afterwards; VDAB reads it and is told (`notifications`). One side records, so that
    the reminder of a missing one has one addressee."""
    return is_clients_caseworker(referral, user)


# An interruption (illness, maternity, a personal reason) is told to either side first:
# either records it, ends it when the trainee resumes, and corrects it.
may_record_interruption = is_either_side


# --- documents -------------------------------------------------------------------------------


def may_see_documents(referral, user) -> bool:
    """Both sides see a referral's documents; VDAB's only while the client consents to
    share data with VDAB: after a withdrawal it keeps only the name (docs/privacy.md)."""
    return is_clients_caseworker(referral, user) or (
        is_responsible_counsellor(referral, user) and referral.client.has_consent
    )


def may_add_document(referral, user) -> bool:
    """Either side adds every kind of document: the client brings an attendance certificate
    or the diploma to whichever counsellor they see first, and the OCMW needs the training
    contract as much as VDAB needs the signed agreement. Who added which is shown with it.
    Not for a pseudonymised client, of whom only the figures are left."""
    return may_see_documents(referral, user) and not referral.client.is_pseudonymised


def may_remove_document(document, user) -> bool:
    """Whoever added it, for OKOT_DOCUMENT_REMOVAL_HOURS (a wrong file, the wrong client),
    and the administrator at any time; after that it is kept, as proof for the integration
    income and the GPMI. Not once the retention removed the file: what is left is figures."""
    if not may_see_documents(document.referral, user) or not document.file:
        return False
    if user.is_administrator:
        return True
    window = datetime.timedelta(hours=settings.OKOT_DOCUMENT_REMOVAL_HOURS)
    return document.added_by_id == user.pk and timezone.now() < document.added_at + window


# How each school year went is VDAB's to record (it follows the trainee at school), as the
# end; the OCMW reads it on the referral page.
may_record_school_year = is_responsible_counsellor


def records_school_years(user) -> bool:
    """Whether the user's role records school years at all (VDAB's side): for anyone else
    the form's address is a 403, whoever's referral it names."""
    return user.is_counsellor or user.is_administrator


# --- clients ---------------------------------------------------------------------------------


def may_create_client(user) -> bool:
    """Clients are the OCMW's: its caseworkers add them, to their own OCMW."""
    return user.is_caseworker


def may_edit_client(client, user) -> bool:
    """The client's side, until the retention pseudonymised the client: what is left of
    them are the figures, which nobody edits."""
    return acts_for_client(client, user) and not client.is_pseudonymised


def may_record_consent(client, user) -> bool:
    """The client's consent to share data with VDAB is given to, and withdrawn with, the
    OCMW; not for a pseudonymised client, of whom only the figures are left."""
    return acts_for_client(client, user) and not client.is_pseudonymised


# The client's whole file (address, OCMW notes, GPMI); everyone else who sees the client
# reads what VDAB may (`referrals.presenters.client_fields`).
may_read_client_file = acts_for_client


# --- pages -----------------------------------------------------------------------------------


def may_see_clients(user) -> bool:
    return user.is_caseworker or user.is_administrator


def may_see_referrals(user) -> bool:
    """The network manager reports on a province; the referrals themselves are not theirs."""
    return user.is_caseworker or user.is_counsellor or user.is_administrator


def may_view_reports(user) -> bool:
    return user.has_role


def sees_persons_behind_figures(user) -> bool:
    """Whether every referral behind the user's figures (`reportable_to`) is one they see
    (`visible_to`): then a count of one points at no one they could not look up, and their
    figures are exact; for anyone else a count below `OKOT_SMALL_CELL_THRESHOLD` is hidden
    (`referrals.reports.small`).

    The administrator sees everything; a caseworker's figures are their own OCMW's clients,
    whom they see; a counsellor's the formally agreed referrals of their region, which they
    see. The network manager sees none of the persons of the province they report on. A
    role is held only in its kind of organisation, so beside the administrator no one holds
    two of these."""
    return user.is_administrator or user.is_caseworker or user.is_counsellor


def may_import_referrals(user) -> bool:
    return user.is_administrator


def may_answer_subject_access(client, user) -> bool:
    """See everything held on a client, with who read it, to answer their request
    (GDPR art. 15): the administrator's, in Django admin."""
    return user.is_administrator


def for_templates(user) -> dict:
    """The predicates about the user alone, for the navigation and the buttons of a page:
    `{% if may.create_client %}`. Each is evaluated only when a template asks."""
    return {
        "see_clients": lambda: may_see_clients(user),
        "see_referrals": lambda: may_see_referrals(user),
        "view_reports": lambda: may_view_reports(user),
        "create_client": lambda: may_create_client(user),
        "register_candidacy": lambda: may_register_candidacy(user),
    }
