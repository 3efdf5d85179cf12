"""Who may do what: every access rule of the app, each a named predicate.

Change who may take a step, register a referral or a candidacy, write a note, record a
check-up, add or edit a client, or see a page here, and only here: the model's transitions
(their `permission=`), the services, the views, the admin, the templates (`may` in the
context) and the notifications all ask these predicates.

Who may administer which user is `accounts.access` (accounts knows nothing of referrals).
The roles themselves (caseworker, counsellor, network manager, administrator) are defined
once, in `accounts.models.Role`. What a user may *read* is the querysets' `visible_to` and
`reportable_to` (referrals.models.querysets): a record outside them is a 404. Tests pin that
`visible_to` and `is_either_side` agree.

Predicates take what is acted on first and the user last, the order in which django-fsm calls
a transition's `permission=`. The administrator may act for either side."""


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


def acts_for_training(training, user) -> bool:
    """The training's side: a counsellor who acts for it, or the administrator."""
    return user.is_administrator or is_counsellor_for(training, user)


# --- the two sides of a referral -----------------------------------------------------------


def is_clients_caseworker(referral, user) -> bool:
    return acts_for_client(referral.client, user)


def is_responsible_counsellor(referral, user) -> bool:
    return acts_for_training(referral.training, user)


def is_either_side(referral, user) -> bool:
    return may_register_referral(referral.client, referral.training, user)


# --- the steps: each transition's `permission=` ----------------------------------------------

may_apply = is_either_side
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
    """Register a referral of this client for this training: either side of it."""
    return acts_for_client(client, user) or acts_for_training(training, user)


def may_register_candidacy(user) -> bool:
    """VDAB registers a candidacy for a client of any OCMW (found by national number); how
    often is limited (`services.candidacy_limit_reached`)."""
    return user.is_counsellor or user.is_administrator


def may_see_client_of(referral, user) -> bool:
    """The client's details on a referral: the client's side always, VDAB only once the OCMW
    formally agreed (VDAB acts on a candidacy only after that). Until then VDAB sees what
    its own candidacy carries (`referrals.presenters.client_name`), even after a withdrawal."""
    return acts_for_client(referral.client, user) or referral.agreed_on is not None


# --- during and after the training ------------------------------------------------------------

may_add_guidance_note = is_either_side
may_record_outcome = is_either_side


# --- clients ---------------------------------------------------------------------------------


def may_create_client(user) -> bool:
    """Clients are the OCMW's: its caseworkers add them, to their own OCMW."""
    return user.is_caseworker


may_edit_client = acts_for_client
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


def may_import_referrals(user) -> bool:
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
