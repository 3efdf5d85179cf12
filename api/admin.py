"""API tokens in Django admin: the administrator creates one for a user of an organisation
(the token is shown once, on the page that follows), sees when each was last used, and
revokes it. A token is never deleted or edited: its row is the trace of what it could do."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_paging import ActionCheckboxMixin
from accounts.admin_search import SessionSearchMixin
from accounts.models import User
from audit.models import Kind
from audit.trail import record

from .models import ApiToken, may_hold_a_token


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not may_hold_a_token(user):
            raise forms.ValidationError(
                _(
                    "A token acts as an active caseworker or counsellor of an organisation; "
                    "not as an administrator or staff member."
                )
            )
        return user

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must be in the future."))
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(ActionCheckboxMixin, SessionSearchMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "name",
        "user",
        "hint",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username", "user__last_name", "=hint"]
    autocomplete_fields = ["user"]
    readonly_fields = [
        "user",
        "name",
        "hint",
        "expires_at",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["user", "name", "expires_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        # A token's page is read-only; changing is revoking, an action of the list.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        obj.created_by = request.user
        request._api_token_secret = obj.issue()
        super().save_model(request, obj, form, change)
        record(
            Kind.USER_CHANGE,
            request=request,
            detail={"api_token": "created", "token": obj.hint, "acts_as": obj.user.username},
        )

    def response_add(self, request, obj, post_url_continue=None):
        """The token, once: only its digest is kept, so this page cannot be shown again."""
        return TemplateResponse(
            request,
            "admin/api/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": obj,
                "secret": request._api_token_secret,
                "title": _("API token created"),
            },
        )

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True).select_related("user"))
        now = timezone.now()
        for token in tokens:
            token.revoked_at, token.revoked_by = now, request.user
            token.save(update_fields=["revoked_at", "revoked_by"])
            record(
                Kind.USER_CHANGE,
                request=request,
                detail={
                    "api_token": "revoked",
                    "token": token.hint,
                    "acts_as": token.user.username,
                },
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d token was revoked; it no longer opens the API.",
                "%(count)d tokens were revoked; they no longer open the API.",
                len(tokens),
            )
            % {"count": len(tokens)},
            messages.SUCCESS,
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = User.objects.filter(
                is_active=True, organisation__isnull=False, is_staff=False, is_superuser=False
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
