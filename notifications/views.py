"""The inbox: a user's in-app messages, opening them, marking them read, and the e-mail
preferences.

Every view reads through `Notification.objects.inbox_of(user)`, so another person's
message, an e-mail row, or a message about a referral the user may no longer see (moved to
another organisation, lost the role) is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from audit import reads

from .forms import EmailPreferencesForm
from .models import Notification

PAGE_SIZE = 50

# Whom an inbox row is about: its referral and that referral's client (annotated).
ABOUT = reads.Subject(client="client_id", referral="referral_id")


def _own(request, pk: int) -> Notification:
    return get_object_or_404(Notification.objects.inbox_of(request.user), pk=pk)


def _back_to_inbox(request) -> str:
    """The inbox page the user came from (a form posts its page number along)."""
    page = request.POST.get("page", "")
    url = reverse("notifications:inbox")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


@require_safe
def inbox(request):
    # The list shows subject, kind and text; the e-mail's HTML stays out of the query.
    notifications = (
        Notification.objects.inbox_of(request.user)
        .defer("body_html", "last_error")
        .annotate(client_id=F("referral__client_id"))
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    # A message names the client of its referral: one row per referral shown (a message
    # about none, such as a reminder of one's own, names no one).
    reads.listed(request, ABOUT.of_all(page.object_list))
    return TemplateResponse(request, "notifications/inbox.html", {"page": page})


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
    count = Notification.objects.inbox_of(request.user).unread().update(read_at=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)d message is marked as read.", "%(count)d messages are marked as read.", count
        )
        % {"count": count},
    )
    return redirect("notifications:inbox")


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
