from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")


class OkotAdminConfig(admin_apps.AdminConfig):
    """Django's admin (in INSTALLED_APPS instead of django.contrib.admin), whose site
    searches its autocomplete fields by POST."""

    default = False  # named in INSTALLED_APPS; "accounts" itself stays AccountsConfig
    default_site = "accounts.admin_autocomplete.OkotAdminSite"
