"""Who hears what (DOMAIN.md, "who hears what"): the people on each side of a referral."""

from django.contrib.auth import get_user_model

from accounts.models import Organisation


def _active_with_permission(codename: str, **organisation):
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            groups__permissions__codename=codename,
            **{f"organisation__{key}": value for key, value in organisation.items()},
        )
        .select_related("organisation")
        .distinct()
        .order_by("pk")
    )


def caseworkers_for(referral) -> list:
    """The caseworker who agreed, else the OCMW caseworker who registered the referral,
    else every caseworker of the client's OCMW."""
    for person in (referral.caseworker, referral.created_by):
        if (
            person
            and person.is_active
            and person.organisation_id == referral.client.ocmw_id
            and person.is_caseworker
        ):
            return [person]
    return _active_with_permission("act_as_caseworker", id=referral.client.ocmw_id)


def _is_counsellor(person) -> bool:
    return bool(person and person.is_active and person.is_counsellor)


def counsellors_for(referral) -> list:
    """The training's contact counsellor and the VDAB counsellor who last acted on this
    referral; when neither is there, every counsellor of the training's region."""
    people = []
    contact = referral.training.contact_counsellor
    if _is_counsellor(contact):
        people.append(contact)
    last_vdab_event = (
        referral.events.filter(actor__organisation__kind=Organisation.Kind.VDAB)
        .select_related("actor__organisation")
        .order_by("-at", "-pk")
        .first()
    )
    involved = last_vdab_event.actor if last_vdab_event else None
    if _is_counsellor(involved) and involved not in people:
        people.append(involved)
    return people or _active_with_permission(
        "act_as_counsellor", kind=Organisation.Kind.VDAB, province=referral.training.province
    )


def other_side(referral, actor) -> list:
    """Those on the other side of whoever acted (both sides when an administrator acted)."""
    if actor is None or actor.organisation_id is None:
        return caseworkers_for(referral) + counsellors_for(referral)
    if actor.organisation.is_vdab:
        return caseworkers_for(referral)
    return counsellors_for(referral)
