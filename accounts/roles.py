"""The roles of the application, as Groups with permissions (kept in sync by a migration)."""

from django.utils.translation import gettext_noop

CASEWORKER = gettext_noop("OCMW caseworker")
COUNSELLOR = gettext_noop("VDAB counsellor")
NETWORK_MANAGER = gettext_noop("Network manager")
ADMINISTRATOR = gettext_noop("Administrator")

# group name -> permissions as "app_label.codename"
ROLE_PERMISSIONS: dict[str, list[str]] = {
    CASEWORKER: [
        "accounts.act_as_caseworker",
        "referrals.view_client",
        "referrals.add_client",
        "referrals.change_client",
        "referrals.view_referral",
        "referrals.add_referral",
        "referrals.view_training",
    ],
    COUNSELLOR: [
        "accounts.act_as_counsellor",
        "referrals.view_referral",
        "referrals.add_referral",
        "referrals.view_training",
    ],
    NETWORK_MANAGER: [
        "accounts.view_province_reports",
        "referrals.view_training",
    ],
    ADMINISTRATOR: [
        "accounts.administer_referrals",
        "accounts.view_province_reports",
        *[
            f"{app}.{action}_{model}"
            for app, models in {
                "accounts": ["user", "organisation"],
                "referrals": [
                    "client",
                    "temporaryworkexperience",
                    "training",
                    "entrycondition",
                    "referral",
                    "guidancenote",
                    "outcomecheck",
                ],
            }.items()
            for model in models
            for action in ("view", "add", "change", "delete")
            # a referral keeps its history: it is withdrawn or closed, never deleted
            if (action, model) != ("delete", "referral")
        ],
        "referrals.view_referralevent",
    ],
}
