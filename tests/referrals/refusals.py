"""What a refused step must leave as it was, for the guard tests: the referral's state and
its history."""

from referrals.models import Referral


def history(referral) -> list[tuple]:
    return list(referral.events.values_list("pk", "transition"))


def assert_nothing_changed(referral, state, events):
    assert Referral.objects.get(pk=referral.pk).state == state
    assert history(referral) == events
