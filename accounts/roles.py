"""The roles of the application: Groups whose permissions say what a member may do.

The groups and their permissions are created by a data migration
(referrals/migrations/0002_roles_and_entry_conditions.py); an administrator may refine them
in Django admin. What a role may do in the app is read from `accounts.act_as_*`."""

from django.utils.translation import gettext_noop

CASEWORKER = gettext_noop("OCMW caseworker")
COUNSELLOR = gettext_noop("VDAB counsellor")
NETWORK_MANAGER = gettext_noop("Network manager")
ADMINISTRATOR = gettext_noop("Administrator")
