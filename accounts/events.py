"""What happens to accounts, announced for whoever keeps a record of it.

`accounts` knows nothing of its listeners: the audit trail (audit/receivers.py) writes a row
for each, in the transaction of the change (a signal's receivers run at once). Django's own
signals announce logins, logouts and failed logins, and django-axes' `user_locked_out` a
lockout; these announce the rest. Each is sent with `request` (None outside a request, in a
management command) and the `user` (or `username`) it is about; whoever acts is the
request's user, else that user."""

from django.dispatch import Signal

# A second factor: `event` "verified", "failed", "added" or "removed", `method` (METHODS in
# two_factor.py), and for a failure its `reason`.
second_factor = Signal()

# Failed logins forgotten, which lifts a lockout: `username`, how many `failures`, `via`
# (the admin's action or list, a password reset).
login_unlocked = Signal()

# A user account created, changed or deleted: `event`, and what changed (`changes`: field:
# [before, after]; `roles_added`, `roles_removed`, `permissions_added`,
# `permissions_removed`, `password_changed`), never a password or its hash.
user_changed = Signal()

# A role (a group) created, changed or deleted: `group`, `event`, `permissions_added`,
# `permissions_removed`.
role_changed = Signal()
