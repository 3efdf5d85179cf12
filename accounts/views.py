from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import two_factor
from .changes import announce_user_change, user_snapshot
from .forms import CodeForm, EnrolForm, PasskeyNameForm
from .keys import is_pk
from .lockout import unlock
from .middleware import SECOND_FACTOR_ASKED, second_factor_exempt
from .models import User


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice for a logged-in user, so
    that messages and e-mails reach them in it."""
    response = django_set_language(request)
    language = _configured_language(request.POST.get("language"))
    user = request.user
    if user.is_authenticated and language in dict(User._meta.get_field("language").choices):
        with transaction.atomic():
            before = user_snapshot(user)
            User.objects.filter(pk=user.pk).update(language=language)
            announce_user_change(request, user, before)
    return response


def _configured_language(code: str | None) -> str | None:
    """The configured code for a posted one: "nl" (a browser's or an older form's) is the
    "nl-be" that the user's stored language takes."""
    try:
        return translation.get_supported_language_variant(code or "")
    except LookupError:
        return None


def locked_out(request, response=None, credentials=None):
    """What axes answers a locked-out login: our page, in the user's language (429)."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)


# --- the account page and the second factor ---------------------------------------------------


def account(request):
    """The user's own account: password, and the second factor."""
    user = request.user
    return TemplateResponse(
        request,
        "accounts/account.html",
        {
            "has_second_factor": two_factor.has_second_factor(user),
            "second_factor_required": two_factor.second_factor_required(user),
            "backup_codes_left": two_factor.backup_codes_left(user),
            "has_app": two_factor.has_app(user),
            "passkeys": two_factor.passkeys(user),
            "passkey_form": PasskeyNameForm(),
        },
    )


def safe_next(request, default: str = "referrals:dashboard") -> str:
    """The `next` page asked for, if it is on this site; otherwise `default`."""
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)


@second_factor_exempt
@sensitive_post_parameters("code")
def verify(request):
    """The second step of the login: a code from the app, or a backup code."""
    user = request.user
    if user.is_verified():
        return redirect(safe_next(request))
    if not two_factor.has_second_factor(user):
        return redirect_to_login(safe_next(request), reverse("accounts:enrol"))
    form = CodeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        two_factor.passed(request, form.device)
        request.session.cycle_key()  # a new session id for the fully logged-in session
        return redirect(safe_next(request))
    for refusal in ("invalid", "throttled"):
        if form.has_error("code", refusal):
            method = two_factor.code_method(request.POST.get("code", ""))
            two_factor.failed(request, user, method, refusal)
    return TemplateResponse(
        request,
        "accounts/verify.html",
        {
            "form": form,
            "next": safe_next(request),
            "has_passkey": two_factor.passkeys(user).exists(),
        },
    )


@second_factor_exempt
@sensitive_post_parameters("code")
def enrol(request):
    """Add an authenticator app: its QR code and secret, then its first code; then the
    backup codes, shown once. Someone who has a second factor proves it first."""
    user = request.user
    if two_factor.has_second_factor(user) and not user.is_verified():
        return redirect_to_login(safe_next(request), reverse("accounts:verify"))
    device = two_factor.pending_app_device(user)
    form = EnrolForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_app_device(device, request=request)
        two_factor.passed(request, device)
        request.session.cycle_key()  # a new session id for the fully logged-in session
        request.session[SECOND_FACTOR_ASKED] = True
        return backup_codes_page(request, codes, then="referrals:dashboard")
    if form.has_error("code", "invalid"):
        two_factor.failed(request, user, two_factor.method_of(device), "invalid")
    return TemplateResponse(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "next": safe_next(request),
            "qr_code": mark_safe(two_factor.qr_code_svg(device)),  # noqa: S308 - our own SVG
            "secret": two_factor.secret_text(device),
            "required": two_factor.second_factor_required(user),
            "offer_passkey": not two_factor.has_second_factor(user),
            "passkey_form": PasskeyNameForm(),
        },
    )


def backup_codes_page(request, codes: list[str], then: str) -> TemplateResponse:
    """The new backup codes, shown this once; then on to `then` (or `next`)."""
    context = {"codes": codes, "next": safe_next(request, default=then)}
    # Never cached, as no answer is (accounts.no_store.NoStoreMiddleware).
    return TemplateResponse(request, "accounts/backup_codes.html", context)


@require_POST
def new_backup_codes(request):
    """Replace the backup codes (the old ones stop working)."""
    if not (request.user.is_verified() and two_factor.has_second_factor(request.user)):
        return redirect("accounts:account")
    codes = two_factor.new_backup_codes(request.user, request=request)
    return backup_codes_page(request, codes, then="accounts:account")


@require_POST
def remove_second_factor(request):
    """Switch the second factor off, for those who may work without one."""
    user = request.user
    if two_factor.second_factor_required(user):
        messages.error(request, _("Your role needs two-factor authentication; it stays on."))
    elif user.is_verified():
        two_factor.remove_second_factor(user, request=request)
        request.session[SECOND_FACTOR_ASKED] = False
        messages.success(request, _("Two-factor authentication is switched off."))
    return redirect("accounts:account")


@require_POST
def name_passkey(request):
    """The name of the passkey just registered (the library's script registers it, ours then
    posts its name here). Someone who had no backup codes yet gets them now, shown once."""
    user = request.user
    form = PasskeyNameForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        message = errors[0] if field == "name" else _("Choose which passkey to name.")
        messages.error(request, message)
        return redirect("accounts:account")
    passkey = two_factor.name_passkey(
        user, form.cleaned_data["credential"], form.cleaned_data["name"]
    )
    if passkey is None:
        raise Http404
    if not two_factor.has_backup_codes(user):
        codes = two_factor.new_backup_codes(user, request=request)
        return backup_codes_page(request, codes, then="accounts:account")
    messages.success(request, _("The passkey “%(name)s” is added.") % {"name": passkey.name})
    return redirect(safe_next(request, default="accounts:account"))


@require_POST
def remove_passkey(request):
    """Remove one of the user's passkeys, unless their role needs a second factor and it is
    the last app or passkey they have."""
    user = request.user
    pk = request.POST.get("passkey", "")
    if not is_pk(pk):
        messages.error(request, _("Choose which passkey to remove."))
        return redirect("accounts:account")
    passkey = get_object_or_404(two_factor.passkeys(user), pk=pk)
    if not user.is_verified():
        return redirect("accounts:account")
    if two_factor.second_factor_required(user) and not two_factor.factors_left_after(user, passkey):
        messages.error(
            request,
            _(
                "Your role needs two-factor authentication: add another passkey or an "
                "authenticator app before you remove your last one."
            ),
        )
        return redirect("accounts:account")
    two_factor.remove_passkey(user, passkey, request=request)
    if not two_factor.has_second_factor(user):
        request.session[SECOND_FACTOR_ASKED] = False
    messages.success(request, _("The passkey “%(name)s” is removed.") % {"name": passkey.name})
    return redirect("accounts:account")


# --- passwords ------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset by e-mail; the link in it points at SITE_URL, like every e-mail's."""

    extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, announced (never the password) in its transaction."""

    @transaction.atomic
    def form_valid(self, form):
        before = user_snapshot(self.request.user)
        response = super().form_valid(form)
        announce_user_change(self.request, self.request.user, before)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new password from the e-mailed link, which also lifts a lockout: whoever
    reads the user's e-mail may try again. Both are announced in one transaction."""

    @transaction.atomic
    def form_valid(self, form):
        before = user_snapshot(self.user)
        response = super().form_valid(form)
        announce_user_change(self.request, self.user, before)
        unlock(self.user.get_username(), request=self.request, via="password_reset")
        return response
