"""Django's admin site, asking every admin page for a verified second factor.

It is the default site (`admin.site`, on which every app registers) through
`accounts.admin_app.SecondFactorAdminConfig` in INSTALLED_APPS, Django's own way to replace it."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from .admin_autocomplete import AutocompleteByPostMixin
from .two_factor import second_factor_step


class SecondFactorAdminSite(AutocompleteByPostMixin, OTPAdminSite):
    """Django's admin, for staff who passed the second factor in this session
    (django-otp's OTPAdminSite), logging in through the app's own pages rather than a
    login form of its own; its autocomplete fields search by POST, keeping names out of
    URLs."""

    login_form = None
    login_template = None

    def __init__(self, name="admin"):  # OTPAdminSite's own default is "otpadmin"
        super().__init__(name)

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url, settings.LOGIN_URL)
        if user.is_staff and not user.is_verified():
            return redirect_to_login(next_url, reverse(second_factor_step(user)))
        return super().login(request, extra_context)
