from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .middleware import second_factor_exempt

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/enrol/", views.enrol, name="enrol"),
    path("two-factor/backup-codes/", views.new_backup_codes, name="new_backup_codes"),
    path("two-factor/remove/", views.remove_second_factor, name="remove_second_factor"),
    path("two-factor/passkeys/name/", views.name_passkey, name="name_passkey"),
    path("two-factor/passkeys/remove/", views.remove_passkey, name="remove_passkey"),
]

# Django's own names (its views and templates reverse them without a namespace).
auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", second_factor_exempt(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/changed/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
