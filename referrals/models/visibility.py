"""Who sees which referral, as a condition over the referral's own columns
(`referral_visibility`): `ReferralQuerySet.visible_to` filters on it, and so do the rows
read through a referral (a message's, a guidance note's). A module of its own that imports
no model, so that any model's queryset may use it without an import circle."""

from django.apps import apps
from django.db.models import Q


def referral_visibility(user, prefix: str = "") -> Q | None:
    """What `ReferralQuerySet.visible_to` filters on, over the referral's own columns, behind
    `prefix` when read through a relation (a message's `referral__`): a condition the
    referral's indexes answer on the row at hand, where `referral__in=<visible referrals>`
    builds the set of every referral the user sees first (146,000 for a counsellor of a
    big region). None: every referral (an administrator)."""
    if not user.is_authenticated or not user.is_active:
        return Q(**{f"{prefix}pk__in": []})
    if user.is_administrator:
        return None
    if user.is_caseworker:
        return Q(**{f"{prefix}ocmw_id": user.organisation_id})
    if user.is_counsellor:
        # The contact's trainings of other regions read first (a few ids, mostly none: a
        # training's referrals are of its region, `Referral.region`): the condition is then
        # `region = … OR training_id IN (…)`, which the referral's own indexes answer, where
        # a join or a subquery would have every row of the table read; and with none, the
        # region alone, which an index of the region can answer without the table (a
        # region's team: migration 0035).
        region = user.organisation.province
        return Q(
            Q(**{f"{prefix}region": region})
            | Q(**{f"{prefix}training_id__in": _trainings_elsewhere_as_contact(user, region)}),
            **{f"{prefix}agreed_on__isnull": False},
        )
    return Q(**{f"{prefix}pk__in": []})


def _trainings_elsewhere_as_contact(user, region: str) -> tuple[int, ...]:
    """Return the keys of the trainings outside `region` naming `user` as their contact."""
    # Read once per user object (a request's: accounts.middleware.UserObjectMiddleware),
    # since a page asks for its rows and again for the inbox's count in the menu; a training
    # named since shows from the next request.
    read = user.__dict__.setdefault("_trainings_elsewhere_as_contact", {})
    if region not in read:
        trainings = apps.get_model("referrals", "Training").objects
        theirs = trainings.filter(contact_counsellor=user).exclude(province=region)
        read[region] = tuple(theirs.values_list("pk", flat=True))
    return read[region]
