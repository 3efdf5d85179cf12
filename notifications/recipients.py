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
            and person.has_perm("accounts.act_as_caseworker")
        ):
            return [person]
    return _active_with_permission("act_as_caseworker", id=referral.client.ocmw_id)


def counsellors_for(referral) -> list:
    """The training's contact counsellor, else the counsellors of the training's region."""
    contact = referral.training.contact_counsellor
    if contact and contact.is_active:
        return [contact]
    return _active_with_permission(
        "act_as_counsellor", kind=Organisation.Kind.VDAB, province=referral.training.province
    )


def other_side(referral, actor) -> list:
    """Those on the other side of whoever acted (both sides when an administrator acted)."""
    if actor is None or actor.organisation_id is None:
        return caseworkers_for(referral) + counsellors_for(referral)
    if actor.organisation.is_vdab:
        return caseworkers_for(referral)
    return counsellors_for(referral)
