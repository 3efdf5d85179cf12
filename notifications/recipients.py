"""Who hears what (docs/DOMAIN.md, "who hears what"): the people on each side of a referral.

Whether someone acts for a side is asked of `referrals.access`, and the fallback to everyone
of a role is that role's `holders()`: the same rules the pages use."""

import functools

from django.contrib.auth import get_user_model
from django.db import connections, router

from accounts.models import Organisation, Role
from referrals import access
from referrals.models import ReferralEvent

from .models import Kind

# The kinds each side hears of (the table, and the reminders' audiences); the inbox offers
# its reader their side's as filters. A test holds them to the table.
CASEWORKER_KINDS = (
    Kind.CANDIDACY_REGISTERED,
    Kind.CALL_COUNSELLOR,
    Kind.WITHDRAWN,
    Kind.INTAKE_PLANNED,
    Kind.ADMITTED,
    Kind.NOT_ADMITTED,
    Kind.STARTED,
    Kind.ENDED,
    Kind.GUIDANCE_NOTE,
    Kind.INTERRUPTION,
    Kind.VDAB_REGISTERED,
    Kind.SCHOOL_YEAR_RECORDED,
    Kind.DOCUMENT_ADDED,
    Kind.MADE_RESPONSIBLE,
    Kind.REMINDER_NO_HANDOVER,
    Kind.REMINDER_OUTCOME_DUE,
)
COUNSELLOR_KINDS = (
    Kind.WARM_HANDOVER,
    Kind.HANDOVER_RECORDED,
    Kind.DECLINED,
    Kind.WITHDRAWN,
    Kind.CONTINUED_GUIDANCE,
    Kind.GUIDANCE_NOTE,
    Kind.INTERRUPTION,
    Kind.CONSENT_WITHDRAWN,
    Kind.DOCUMENT_ADDED,
    Kind.MADE_RESPONSIBLE,
    Kind.REMINDER_NO_INTAKE,
    Kind.REMINDER_NO_START,
    Kind.REMINDER_END_EXPECTED,
    Kind.REMINDER_OUTCOME_DUE,
)


def kinds_for(user) -> list[Kind]:
    """The kinds of message `user` may receive, in the order of `Kind`: their side's; every
    kind for an administrator (who acts for either side) or someone of neither side."""
    kinds = set()
    if user.is_caseworker:
        kinds |= set(CASEWORKER_KINDS)
    if user.is_counsellor:
        kinds |= set(COUNSELLOR_KINDS)
    if user.is_administrator or not kinds:
        return list(Kind)
    return [kind for kind in Kind if kind in kinds]


def caseworkers_for(referral, holders: dict | None = None) -> list:
    """The responsible caseworker (who agreed, or took over), else the OCMW caseworker who
    registered the referral, else every caseworker of the client's OCMW (`holders`: see
    `_holders`)."""
    # The registrant is read only when the responsible caseworker is not the one.
    for side in ("caseworker", "created_by"):
        person = getattr(referral, side)
        if person and access.is_caseworker_of(referral.client, person):
            return [person]
    return _holders(Role.CASEWORKER, holders, organisation_id=referral.client.ocmw_id)


def counsellors_for(referral, holders: dict | None = None) -> list:
    """The responsible counsellor (who planned the intake, or took over); before there is
    one, the training's contact counsellor and the VDAB counsellor who last acted on this
    referral; when neither is there, every counsellor of the training's region (`holders`:
    see `_holders`). Nobody before the formal agreement: VDAB hears of a referral only
    once it may see it (until then the registrant of a candidacy reads its status on the
    candidacy page)."""
    if not access.is_agreed(referral):
        return []
    responsible = referral.counsellor
    if responsible and access.is_counsellor_for(referral.training, responsible):
        return [responsible]
    people = []
    contact = referral.training.contact_counsellor
    if contact and contact.is_counsellor:
        people.append(contact)
    # Who last acted for VDAB, unless it is the contact, asked already.
    involved = _last_vdab_actor(referral)
    if involved is not None and involved != getattr(contact, "pk", None):
        people += [
            p for p in _people(get_user_model().objects.filter(pk=involved)) if p.is_counsellor
        ]
    return people or _holders(
        Role.COUNSELLOR, holders, organisation__province=referral.training.province
    )


def _last_vdab_actor(referral) -> int | None:
    """The key of whoever of VDAB took the latest line of `referral`'s history, or None.

    One fixed statement (`_last_vdab_actor_statement`), as the permissions and the e-mail
    choices are: at every formal agreement Django took 1.4 ms building the query and its
    objects where the database answers in 0.3. The user is then loaded by the caller when
    they are not the training's contact, read already: a query more in that case only."""
    alias = router.db_for_read(ReferralEvent, instance=referral)
    with connections[alias].cursor() as cursor:
        cursor.execute(_last_vdab_actor_statement(alias), [referral.pk, Organisation.Kind.VDAB])
        row = cursor.fetchone()
    return row[0] if row else None


@functools.cache
def _last_vdab_actor_statement(alias: str) -> str:
    """`_last_vdab_actor`'s statement, from the models' tables: the parameters are the
    referral's key and VDAB's kind of organisation."""
    qn = connections[alias].ops.quote_name
    event, user = ReferralEvent._meta, get_user_model()._meta
    actor, organisation = event.get_field("actor"), user.get_field("organisation")
    # Names from the models, values as parameters.
    return (
        f"SELECT e.{qn(actor.column)} FROM {qn(event.db_table)} e"  # noqa: S608
        f" INNER JOIN {qn(user.db_table)} u ON u.{qn(user.pk.column)} = e.{qn(actor.column)}"
        f" INNER JOIN {qn(Organisation._meta.db_table)} o"
        f" ON o.{qn(Organisation._meta.pk.column)} = u.{qn(organisation.column)}"
        f" WHERE e.{qn(event.get_field('referral').column)} = %s"
        f" AND o.{qn(Organisation._meta.get_field('kind').column)} = %s"
        f" ORDER BY e.{qn(event.get_field('at').column)} DESC, e.{qn(event.pk.column)} DESC"
        " LIMIT 1"
    )


def other_side(referral, actor) -> list:
    """Those on the other side of whoever acted (both sides when an administrator acted)."""
    if actor is None or actor.organisation_id is None:
        return caseworkers_for(referral) + counsellors_for(referral)
    if actor.organisation.is_vdab:
        return caseworkers_for(referral)
    return counsellors_for(referral)


def _holders(role: Role, holders: dict | None, **where) -> list:
    """Every holder of `role` that `where` finds; kept in `holders` when given, for the next
    message to the same people. Whoever writes many messages in a row passes one: the daily
    reminders, a dict a batch of referrals (`reminders.READ_BATCH`), where a region's 94
    counsellors were read, and their permissions asked, for each referral's reminder (10
    of its 56 ms, on the bench fill). The same people then, for a batch: their permissions
    as read for its first. A list of its own for each caller, which may change it."""
    if holders is None:
        return _people(role.holders().filter(**where))
    key = (role, *sorted(where.items()))
    if key not in holders:
        holders[key] = _people(role.holders().filter(**where))
    return list(holders[key])


def _people(users) -> list:
    return list(users.select_related("organisation").order_by("pk"))
