"""What gives the cached figures (`cache`) a new version: any save or removal of what they
count. Connected in `ReferralsConfig.ready`."""

from django.db.models.signals import post_delete, post_save

from accounts.models import Organisation

from ..models import Client, Interruption, OutcomeCheck, Referral, Training
from ..signals import clients_pseudonymised
from . import cache


def on_referral(sender, instance, **kwargs) -> None:
    cache.referral_changed(instance)


def on_part_of_referral(sender, instance, **kwargs) -> None:
    """A check-up or an interruption: its referral's scopes, from the referral at hand or
    read for them (its OCMW and region); every scope when the referral is gone."""
    if sender._meta.get_field("referral").is_cached(instance):
        referral = instance.referral
    else:
        scope = Referral.objects.only("ocmw_id", "region")
        referral = scope.filter(pk=instance.referral_id).first()
    if referral is None:
        cache.everything_changed()
    else:
        cache.referral_changed(referral)


def on_anything(sender, **kwargs) -> None:
    """A client (gender, birth date, OCMW), a training (type, region), an organisation (an
    OCMW's province, which a network manager's figures follow), the retention."""
    cache.everything_changed()


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(on_referral, sender=Referral, dispatch_uid=f"figures-{signal}-referral")
        for model in (OutcomeCheck, Interruption):
            signal.connect(
                on_part_of_referral, sender=model, dispatch_uid=f"figures-{signal}-{model}"
            )
        for model in (Client, Training, Organisation):
            signal.connect(on_anything, sender=model, dispatch_uid=f"figures-{signal}-{model}")
    clients_pseudonymised.connect(on_anything, dispatch_uid="figures-pseudonymised")
