"""What `manage.py screenshots` photographs: the main pages of each role of the demo, in
every language of the site, at a desktop's and a phone's width.

Pages are named by their URL name, never by a path; a page about one referral or client
shows an open one with the longest history that the demo user sees, so that the picture has
something to show. The file of a shot is `<language>/<viewport>/<role>-<page>.png`."""

from dataclasses import dataclass
from pathlib import PurePosixPath

from django.db.models import Count
from django.urls import reverse

from accounts.models import Role
from referrals.management.demo_data import USERS
from referrals.models import Referral

# The roles, by the slug of their files; each is photographed as its first demo user.
ROLES = {
    "caseworker": Role.CASEWORKER,
    "counsellor": Role.COUNSELLOR,
    "network-manager": Role.NETWORK_MANAGER,
    "administrator": Role.ADMINISTRATOR,
}


@dataclass(frozen=True)
class Viewport:
    width: int
    height: int
    mobile: bool = False


VIEWPORTS = {
    "desktop": Viewport(1280, 800),
    "phone": Viewport(375, 812, mobile=True),
}


# The browser's locale for each language of the site (Accept-Language, JavaScript's Intl):
# the English of the site writes dates day first, as a British or Flemish reader expects.
BROWSER_LOCALES = {"nl-be": "nl-BE", "en": "en-GB"}


@dataclass(frozen=True)
class Page:
    """A page of a role: its slug in the file name, its URL name and, for a page about
    one record, which ("referral" or "client": its pk is picked from the demo data,
    `targets`)."""

    slug: str
    url_name: str
    target: str | None = None


PAGES = {
    "caseworker": [
        Page("dashboard", "referrals:dashboard"),
        Page("referral-list", "referrals:referral_list"),
        Page("referral", "referrals:referral_detail", target="referral"),
        Page("client-list", "referrals:client_list"),
        Page("client", "referrals:client_detail", target="client"),
        Page("inbox", "notifications:inbox"),
        Page("figures", "referrals:reports"),
        Page("trainings", "referrals:training_list"),
    ],
    "counsellor": [
        Page("dashboard", "referrals:dashboard"),
        Page("referral-list", "referrals:referral_list"),
        Page("referral", "referrals:referral_detail", target="referral"),
        Page("candidacy", "referrals:candidacy_create"),
        Page("inbox", "notifications:inbox"),
        Page("figures", "referrals:reports"),
        Page("trainings", "referrals:training_list"),
    ],
    "network-manager": [
        Page("dashboard", "referrals:dashboard"),
        Page("figures", "referrals:reports"),
        Page("trainings", "referrals:training_list"),
        Page("inbox", "notifications:inbox"),
    ],
    "administrator": [
        Page("admin-index", "admin:index"),
        Page("admin-referrals", "admin:referrals_referral_changelist"),
    ],
}


@dataclass(frozen=True)
class Shot:
    role: str
    page: str
    language: str
    viewport: str
    path: str  # the URL's path on the site

    @property
    def file(self) -> PurePosixPath:
        return PurePosixPath(self.language, self.viewport, f"{self.role}-{self.page}.png")


def demo_username(role: str) -> str:
    """The demo user (seed_demo's) who is photographed for `role`."""
    return next(username for username, *_, held in USERS if held == ROLES[role])


def url_for(page: Page, pk: int | None = None) -> str:
    return reverse(page.url_name, kwargs={"pk": pk} if page.target else None)


def targets(user) -> dict[str, int | None]:
    """The pk of the referral and of its client that `user` sees, or None when they see
    none: an open referral, the one with the longest history (its page shows the way
    ahead and the way so far), or else any."""
    visible = Referral.objects.visible_to(user).annotate(steps=Count("events"))
    referral = (
        visible.open().order_by("-steps", "pk").first() or visible.order_by("-steps", "pk").first()
    )
    return {
        "referral": referral.pk if referral else None,
        "client": referral.client_id if referral else None,
    }


def paths(role: str, user) -> dict[str, str]:
    """Each page of `role` by its slug, as the path `user` opens."""
    picked = targets(user) if any(page.target for page in PAGES[role]) else {}
    result = {}
    for page in PAGES[role]:
        pk = picked.get(page.target) if page.target else None
        if page.target and pk is None:
            raise LookupError(f"{user} sees no {page.target} to photograph for {page.slug}")
        result[page.slug] = url_for(page, pk)
    return result
