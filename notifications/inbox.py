"""The inbox's pages: the user's messages as one list, newest first, or grouped by referral,
the group with the newest message first. A page costs the same queries whatever it shows:
the list its count and its rows; the groups their count, the page's groups, their messages."""

from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import F, Max, Q

from referrals.models import Referral
from referrals.presenters import client_name

PAGE_SIZE = 50
GROUPS_PER_PAGE = 20


@dataclass
class Group:
    """The messages of one referral (or of none), newest first, and the referral's label."""

    referral: Referral | None
    messages: list
    client_name: str = ""


def _shown(notifications):
    # The list shows subject, kind and text; the e-mail's HTML stays out of the query.
    # Whom a row is about (for the audit trail): its referral's client.
    return notifications.defer("body_html", "last_error").annotate(
        client_id=F("referral__client_id")
    )


def listed_page(notifications, number) -> Page:
    return Paginator(_shown(notifications), PAGE_SIZE).get_page(number)


def grouped_page(notifications, number, user) -> Page:
    """A page of groups: `object_list` holds `Group`s, each with all its messages."""
    latest = (
        notifications.order_by()
        .values("referral_id")
        .annotate(latest=Max("created_at"))
        .order_by("-latest", "-referral_id")
    )
    page = Paginator(latest, GROUPS_PER_PAGE).get_page(number)
    ids = [group["referral_id"] for group in page.object_list]
    about = Q(referral_id__in=[pk for pk in ids if pk is not None])
    if None in ids:
        about |= Q(referral__isnull=True)
    rows = _shown(notifications.filter(about)).select_related(
        "referral__client__ocmw", "referral__training"
    )
    by_referral = defaultdict(list)
    for row in rows:
        by_referral[row.referral_id].append(row)
    page.object_list = [_group(by_referral[pk], user) for pk in ids if by_referral[pk]]
    return page


def _group(messages: list, user) -> Group:
    referral = messages[0].referral
    # Named as the referral's own page names it, for this reader.
    name = client_name(referral, user) if referral else ""
    return Group(referral=referral, messages=messages, client_name=name)


def messages_of(page: Page, *, grouped: bool) -> list:
    """The messages a page shows."""
    if grouped:
        return [message for group in page.object_list for message in group.messages]
    return list(page.object_list)
