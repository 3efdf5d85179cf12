"""Django admin for the functional administrator.

The state of a referral is never edited here: creating a referral and every step go
through the service functions (the steps through `referrals.steps`, the same forms as the
app), so every change of state writes its history line and announces its event."""

from . import catalogue, clients, records, referral, subject_access

__all__ = ["catalogue", "clients", "records", "referral", "subject_access"]
