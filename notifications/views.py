"""The inbox: a user's in-app messages, opening them, marking them read, and the e-mail
preferences.

Every view reads through `Notification.objects.inbox_of(user)`, so another person's
message, an e-mail row, or a message about a referral the user may no longer see (moved to
another organisation, lost the role) is a 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import reads

from .forms import EmailPreferencesForm, InboxFilterForm
from .inbox import grouped_page, listed_page, messages_of
from .models import Notification

# Whom an inbox row is about: its referral and that referral's client (annotated).
ABOUT = reads.Subject(client="client_id", referral="referral_id")


def _own(request, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.inbox_of(request.user), pk=pk)


def _back_to_inbox(request) -> str:
    """The inbox page the user came from: its forms post the filters and page along."""
    filters = InboxFilterForm(request.POST, user=request.user)
    page = request.POST.get("page", "")
    query = filters.params(page=page if page.isdigit() and page != "1" else None)
    url = reverse("notifications:inbox")
    return f"{url}?{urlencode(query)}" if query else url


@require_safe
def inbox(request):
    filters = InboxFilterForm(request.GET, user=request.user)
    notifications = filters.apply(Notification.objects.inbox_of(request.user))
    grouped = bool(filters.value("grouped"))
    number = request.GET.get("page")
    if grouped:
        page = grouped_page(notifications, number, request.user)
    else:
        page = listed_page(notifications, number)
    # A message names the client of its referral: the row names each referral shown (a
    # message about none, such as a reminder of one's own, names no one).
    reads.listed(request, ABOUT.of_all(messages_of(page, grouped=grouped)))
    context = {
        "page": page,
        "filters": filters,
        "grouped": grouped,
        "filtered": bool(filters.params(grouped=None)),
        "list_query": filters.query(grouped=None),
        "grouped_query": filters.query(grouped=True),
        "extra_query": f"{query}&" if (query := filters.query()) else "",
        "posted_along": filters.params().items(),
    }
    return TemplateResponse(request, "notifications/inbox.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def notification_open(request, pk: int):
    """Go to what a message is about. Posted (the inbox's button), it is marked read on the
    way; a GET only redirects, since link scanners and prefetching browsers follow links."""
    notification = _own(request, pk)
    if request.method != "POST":
        return redirect(notification.get_absolute_url())
    notification.mark_read()
    return HttpResponseRedirect(notification.get_absolute_url(), status=303)


@require_POST
def notification_read(request, pk: int):
    notification = _own(request, pk)
    notification.mark_read()
    messages.success(
        request, _("“%(subject)s” is marked as read.") % {"subject": notification.subject}
    )
    return redirect(_back_to_inbox(request))


@require_POST
def notification_read_all(request):
    """Mark read what the inbox shows: all unread messages, or those of the kind chosen."""
    filters = InboxFilterForm(request.POST, user=request.user)
    unread = filters.apply(Notification.objects.inbox_of(request.user).unread())
    count = unread.update(read_at=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)d message is marked as read.", "%(count)d messages are marked as read.", count
        )
        % {"count": count},
    )
    return redirect(_back_to_inbox(request))


@require_http_methods(["GET", "POST"])
def preferences(request):
    form = EmailPreferencesForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if form.is_valid():
        form.save()
        messages.success(request, _("Your e-mail preferences were saved."))
        return redirect("notifications:preferences")
    return TemplateResponse(request, "notifications/preferences.html", {"form": form})
