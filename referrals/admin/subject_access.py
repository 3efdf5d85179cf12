"""A client's request to see their data (inzageverzoek), answered by the administrator in
Django admin (behind its second factor): everything held on the client as a printable page
and as a JSON file (`referrals.subject_access`), from a link on the client's change page.
Each is a read of the client's data and leaves its row in the audit trail; rectification is
the client's ordinary change form, linked from the page."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from audit import trail

from .. import access, subject_access
from ..models import Client


class SubjectAccessMixin:
    """For the client admin: the page and the file of a subject access request, and the
    link to them on the change page."""

    def get_urls(self):
        opts = self.opts
        prefix = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "<path:object_id>/subject-access/",
                self.admin_site.admin_view(require_safe(self.subject_access_view)),
                name=f"{prefix}_subject_access",
            ),
            path(
                "<path:object_id>/subject-access/json/",
                self.admin_site.admin_view(require_safe(self.subject_access_json_view)),
                name=f"{prefix}_subject_access_json",
            ),
            *super().get_urls(),
        ]

    def _subject_access_url(self, client: Client, suffix: str = "") -> str:
        opts = self.opts
        name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_subject_access"
        return reverse(name + suffix, args=[client.pk])

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and change and access.may_answer_subject_access(obj, request.user):
            context["subject_access_url"] = self._subject_access_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _subject(self, request, object_id) -> Client:
        client = self.get_object(request, unquote(object_id))
        if client is None:
            raise Http404
        if not access.may_answer_subject_access(client, request.user):
            raise PermissionDenied
        return client

    def subject_access_view(self, request, object_id):
        """The printable page of everything held on the client."""
        client = self._subject(request, object_id)
        # Recorded first, so that the page lists its own reading too.
        trail.record(
            trail.Kind.PRINT, request=request, client=client, detail={"subject_access": "page"}
        )
        collection = subject_access.collect(client)
        request.current_app = self.admin_site.name
        opts = self.opts
        return TemplateResponse(
            request,
            "admin/referrals/client/subject_access.html",
            {
                **self.admin_site.each_context(request),
                "opts": opts,
                "title": gettext("Overview of all data (subject access request)"),
                "subtitle": str(client),
                "client": client,
                "sections": subject_access.page_sections(collection),
                "other_files": [
                    (other, self._change_url(other)) for other in collection.other_files
                ],
                "generated_at": timezone.now(),
                "change_url": self._change_url(client),
                "json_url": self._subject_access_url(client, "_json"),
            },
        )

    def subject_access_json_view(self, request, object_id):
        """The same as a JSON file to download; its name carries no personal data."""
        client = self._subject(request, object_id)
        trail.record(
            trail.Kind.EXPORT, request=request, client=client, detail={"subject_access": "json"}
        )
        collection = subject_access.collect(client)
        disposition = content_disposition_header(True, f"inzage-client-{client.pk}.json")
        return JsonResponse(
            subject_access.as_json(collection),
            json_dumps_params={"ensure_ascii": False, "indent": 2},
            headers={"Content-Disposition": disposition},
        )

    def _change_url(self, client: Client) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[client.pk]
        )
