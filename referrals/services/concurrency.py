"""What changed a referral since a user loaded it, in words: who took which steps and when,
read from its history, for the refusal of a step taken on a state that is gone
(`ConcurrentChange`); who last saved a client's details, for the refusal of a client's
form opened before that (`ClientChanged`); and who last changed an interruption, for the
refusal of its correction's form opened before that (`InterruptionChanged`)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.models import Entry, Kind

from ..models import ReferralEvent

# What each step did, as the end of a sentence ("… changed this referral at 10:32: …").
DONE = {
    "apply": gettext_lazy("the candidacy was registered"),
    "agree": gettext_lazy("the formal agreement was given"),
    "decline": gettext_lazy("the formal agreement was refused"),
    "plan_intake": gettext_lazy("the intake was planned"),
    "admit": gettext_lazy("the client was admitted"),
    "reject": gettext_lazy("the client was not admitted"),
    "start": gettext_lazy("the training started"),
    "end": gettext_lazy("the training ended"),
    "close": gettext_lazy("the referral was closed"),
    "withdraw": gettext_lazy("the referral was withdrawn"),
}


def unknown_change() -> str:
    """When the history cannot say what changed (the form lost the state it was loaded in)."""
    return _(
        "This referral changed since you opened it. "
        "Look at its new state and try again if still needed."
    )


def changes_since(referral, *, seen_state: str, user, step: str | None = None) -> list[str]:
    """The refusal's message: the steps taken on `referral` since it was in `seen_state`,
    each by whom and when, oldest first, then what `user` can do now. `step` is the step
    `user` is taking, to recognise the same step sent twice. One query."""
    since = []
    # Only steps move the state (`from_state` set), and no state is ever entered twice;
    # newest first as they were written (imports and demo data give an earlier `at`).
    for event in (
        referral.events.exclude(from_state="").select_related("actor__organisation").order_by("-pk")
    ):
        since.append(event)
        if event.from_state == seen_state:
            break
    else:
        return [unknown_change()]
    since.reverse()
    sentences = [_sentence(event, user=user, step=step) for event in since]
    last = since[-1]
    now = {"state": last.get_to_state_display()}
    if not _by(last, user):
        sentences.append(_("Look at its new state and try again if still needed."))
    elif last.transition == step and len(since) == 1:
        sentences.append(
            _(
                "It was saved once, as you first sent it, and nothing was lost. "
                "The referral is now “%(state)s”."
            )
            % now
        )
    else:
        sentences.append(_("The referral is now “%(state)s”.") % now)
    return [" ".join(sentences)]


def _sentence(event, *, user, step: str | None) -> str:
    what = DONE.get(event.transition) or _("it became “%(state)s”") % {
        "state": event.get_to_state_display()
    }
    parts = {"when": _when(event.at), "what": what}
    if _by(event, user) and event.transition == step:
        return _("You already did this in another tab or window %(when)s: %(what)s.") % parts
    if _by(event, user):
        return _("You changed this referral in another tab or window %(when)s: %(what)s.") % parts
    return _("%(who)s changed this referral %(when)s: %(what)s.") % {
        "who": _who(event.actor),
        **parts,
    }


class ClientChanged(ValidationError):
    """The client's details were saved after `user` opened the form that would save them
    (someone else, or the user in another tab or window): nothing of the form is saved, so
    that neither overwrites the other unseen. `updated_at` is the stored version now, for
    the form to be sent again knowingly."""

    def __init__(self, client, *, user):
        self.updated_at = client.updated_at
        super().__init__(_client_changed(client, user), code="changed")


def seen_version(value: str | None) -> datetime.datetime | None:
    """The `updated_at` a client's form was opened on, as its hidden field sent it back;
    None for a form without it (opened before it had one). One that is no moment is no
    stored one either: the client is then taken as saved since."""
    if value is None:
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return datetime.datetime.min


# The change rows (`referrals.changes`) of what moves a client's `updated_at`.
SAVES_OF_A_CLIENT = ["referrals.client", "referrals.consent"]


def _client_changed(client, user) -> str:
    """Who saved `client` as it is stored, and when, as the audit trail has it: the first
    change row of the client's details (or of its consent, which its details show) written
    with the stored version or after it, as each save writes it after the row, in its
    transaction; rows of its referrals' changes since name the client too. One query, by
    the trail's index of a client's rows. None such (a change the trail does not name, or
    its rows purged): who is not said."""
    saved = (
        Entry.objects.filter(
            kind=Kind.CHANGE,
            client_id=client.pk,
            at__gte=client.updated_at,
            detail__model__in=SAVES_OF_A_CLIENT,
        )
        .select_related("actor__organisation")
        .order_by("at", "pk")
        .first()
    )
    return _changed(
        saved,
        user,
        unnamed=_("This client's details changed since you opened this form."),
        by_you=_("You saved this client's details in another tab or window %(when)s."),
        by_other=_("%(who)s saved this client's details %(when)s, after you opened this form."),
        keep=_(
            "Nothing you typed is saved yet: the form below still holds it, and the other "
            "details as they were when you opened it. Saving it again puts all of them over "
            "what was saved meanwhile: look at the client's page first."
        ),
    )


class InterruptionChanged(ValidationError):
    """The interruption was changed after `user` opened the form that would correct it (the
    other side recorded its end, someone corrected it, or the user in another tab): nothing
    of the form is saved. `version` is the stored one now, for the form to be sent again
    knowingly."""

    def __init__(self, interruption, *, user):
        self.version = interruption.version
        super().__init__(_interruption_changed(interruption, user), code="changed")


def _interruption_changed(interruption, user) -> str:
    """Who changed `interruption` last, and when, from its newest history line. One query."""
    last = (
        ReferralEvent.objects.filter(
            referral_id=interruption.referral_id, data__interruption_id=interruption.pk
        )
        .select_related("actor__organisation")
        .order_by("-pk")
        .first()
    )
    return _changed(
        last,
        user,
        unnamed=_("This interruption changed since you opened this page."),
        by_you=_("You changed this interruption in another tab or window %(when)s."),
        by_other=_("%(who)s changed this interruption %(when)s, after you opened this page."),
        keep=_(
            "Nothing you typed is saved yet: the form below still holds it. Saving it again "
            "puts it over that change: look at the interruption in the timeline first."
        ),
    )


def _changed(row, user, *, unnamed: str, by_you: str, by_other: str, keep: str) -> str:
    """A refusal's message: who wrote `row` (a trail row, a history line) and when, as
    `by_you` or `by_other` says it, or `unnamed` without a row; then what became of the
    form (`keep`)."""
    if row is None:
        return f"{unnamed} {keep}"
    parts = {"when": _when(row.at)}
    if _by(row, user):
        return f"{by_you % parts} {keep}"
    return f"{by_other % {'who': _who(row.actor), **parts}} {keep}"


def _by(event, user) -> bool:
    return event.actor_id is not None and event.actor_id == getattr(user, "pk", None)


def _who(actor) -> str:
    """As the referral's history names them: full name and organisation."""
    if actor is None:
        return capfirst(_("someone"))
    if actor.organisation is None:
        return str(actor)
    return _("%(name)s (%(organisation)s)") % {"name": actor, "organisation": actor.organisation}


def _when(at: datetime.datetime) -> str:
    """The time in the user's time zone and format; the date too when it was not today."""
    local = timezone.localtime(at)
    time = formats.time_format(local, "TIME_FORMAT")
    if local.date() == timezone.localdate():
        return _("at %(time)s") % {"time": time}
    return _("on %(date)s at %(time)s") % {
        "date": formats.date_format(local, "SHORT_DATE_FORMAT"),
        "time": time,
    }
