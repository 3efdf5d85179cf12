"""Admin of the webhooks, for the functional administrator: the subscriptions (address,
kinds of event, the signing secret to hand to the receiver, and its rotation), and the
deliveries, read-only, with Retry for failed ones as for the e-mails."""

import re
import uuid

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from accounts.admin_delete import ProtectedCountsMixin
from accounts.admin_paging import ActionCheckboxMixin, DateOrYearFilter, GrowingListMixin
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin
from accounts.keys import is_pk
from notifications.admin_retry import RetryActionMixin
from referrals.admin.search import in_rows
from referrals.admin.words import WordSearchMixin

from .kinds import EventKind
from .models import Delivery, Subscription
from .tasks import redeliver


class SubscriptionForm(forms.ModelForm):
    # An address typed without a scheme is https (the model's validators check it too).
    url = forms.URLField(
        label=_("address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the events are posted, as JSON."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("events"),
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The kinds of event posted to this address."),
    )

    class Meta:
        model = Subscription
        fields = ["organisation", "url", "kinds", "active"]


@admin.register(Subscription)
class SubscriptionAdmin(
    ActionCheckboxMixin, ProtectedCountsMixin, SessionSearchMixin, admin.ModelAdmin
):
    form = SubscriptionForm
    list_display = ["organisation", "url", "active", "updated_at"]
    list_filter = ["active", "organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["organisation__name", "url"]
    autocomplete_fields = ["organisation"]
    # The receiver verifies each call with the secret (docs/webhooks.md): shown here to be
    # copied into its configuration, never typed in (`rotate_secret` makes a new one).
    readonly_fields = ["secret", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # Its deliveries were written for its organisation (what that one may see): another
        # organisation gets a subscription of its own.
        if obj is not None:
            return ["organisation", *self.readonly_fields]
        return self.readonly_fields

    fields = ["organisation", "url", "kinds", "active", "secret", "created_at", "updated_at"]
    actions = ["rotate_secret"]

    @admin.action(
        description=_("Give the selected subscriptions a new signing secret"),
        permissions=["change"],
    )
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            subscription.rotate_secret()
        count = len(queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d subscription has a new secret: give it to its receiver.",
                "%(count)d subscriptions have a new secret: give it to their receivers.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# A UUID as it is written: 32 hexadecimal digits, with or without its dashes or braces, or
# as a URN. (`uuid.UUID` alone also takes a sign, underscores and other scripts' digits.)
WRITTEN_UUID = re.compile(r"(urn:uuid:)?(\{[0-9a-f-]{32,36}\}|[0-9a-f-]{32,36})", re.IGNORECASE)


def as_uuid(word: str) -> uuid.UUID | None:
    if not WRITTEN_UUID.fullmatch(word):
        return None
    try:
        return uuid.UUID(word)
    except ValueError:  # dashes where a UUID has none
        return None


def as_key(word: str) -> int | None:
    """A key as Django's search compared it, as text: written as the number is, without a
    leading zero."""
    if is_pk(word) and str(int(word)) == word:
        return int(word)
    return None


@admin.register(Delivery)
class DeliveryAdmin(
    ActionCheckboxMixin,
    RetryActionMixin,
    ReadOnlyAdminMixin,
    SessionSearchMixin,
    WordSearchMixin,
    GrowingListMixin,
    admin.ModelAdmin,
):
    """What was posted to whom: viewable, never added, changed or deleted by hand."""

    list_display = [
        "created_at",
        "subscription",
        "kind",
        "referral_id",
        "status",
        "attempts",
        "response_status",
        "sent_at",
    ]
    list_filter = ["status", "subscription", "kind", ("created_at", DateOrYearFilter)]
    list_select_related = ["subscription__organisation"]
    # An event or a referral by its id whole, a subscription by its address.
    search_fields = ["=event_id", "=referral__id", "subscription__url"]
    # The referral by its number: its name shows the client's.
    fields = [
        "subscription",
        "kind",
        "event_id",
        "referral_id",
        "payload",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "claimed_at",
        "next_attempt_at",
        "queued_at",
        "sent_at",
    ]
    readonly_fields = fields
    redeliver = staticmethod(redeliver)
    retried_message = ngettext_lazy(
        "%(count)d webhook delivery is queued again.",
        "%(count)d webhook deliveries are queued again.",
        "count",
    )
    skipped_message = ngettext_lazy(
        "%(count)d delivery was left alone: it is delivered or being sent.",
        "%(count)d deliveries were left alone: they are delivered or being sent.",
        "count",
    )

    def word_found(self, word: str) -> Q:
        """Django's search, by indexes: the word is an event id (in any form a UUID is
        written), a referral's number, or in a subscription's address (the subscriptions
        that hold it read first). Django compared the ids as text, which no index holds,
        and joined the subscriptions: PostgreSQL read every delivery."""
        found = in_rows("subscription", Subscription.objects.filter(url__icontains=word))
        if event := as_uuid(word):
            found |= Q(event_id=event)
        if (number := as_key(word)) is not None:
            found |= Q(referral_id=number)
        return found

    @admin.action(
        description=_("Retry the selected failed or pending webhook deliveries"),
        permissions=["retry"],
    )
    def retry(self, request, queryset):
        self.retry_selected(request, queryset)
