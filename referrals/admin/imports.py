"""Importing existing trajectories in the admin: upload a CSV or XLSX file (administrators
only). The upload is read in memory and never stored, and no further than its caps allow
(`imports.ImportLimits`); `imports.referral_import` writes."""

from io import BytesIO

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .. import access, imports


class InMemoryUploadHandler(FileUploadHandler):
    """Keep an upload in memory, never in a temporary file. Past OKOT_IMPORT_MAX_FILE_MB only
    its size is kept, so that the form can say it is too large."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.size = 0
        self.limit = imports.ImportLimits.from_settings().file_bytes

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size <= self.limit:
            self.buffer.write(raw_data)

    def file_complete(self, file_size):
        content = self.buffer if self.size <= self.limit else BytesIO()
        content.seek(0)
        return InMemoryUploadedFile(
            content,
            self.field_name,
            self.file_name,
            self.content_type,
            self.size,
            self.charset,
            self.content_type_extra,
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    dry_run = forms.BooleanField(label=_("Dry run: check the file, import nothing"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = imports.ImportLimits.from_settings()
        self.fields["file"].help_text = _(
            "A .csv file (UTF-8, separated by commas or semicolons) or an .xlsx file, at most "
            "%(size)d MB and %(rows)s rows."
        ) % {"size": self.limits.file_bytes // imports.MB, "rows": imports.number(self.limits.rows)}

    def clean_file(self) -> list[imports.ImportRow]:
        upload = self.cleaned_data["file"]
        if upload.size > self.limits.file_bytes:
            raise ValidationError(
                _("The file is larger than %(size)d MB; split it.")
                % {"size": self.limits.file_bytes // imports.MB},
                code="too_large",
            )
        try:
            return imports.read_rows(upload.name, upload.read(), self.limits)
        except imports.ImportFileError as exc:
            raise ValidationError(str(exc), code="unreadable") from exc


def import_urls(model_admin) -> list:
    """The import page of `model_admin` (the referral admin), for its get_urls."""

    @csrf_exempt  # only so that the upload handler is set before the body is read:
    def upload_in_memory(request):
        request.upload_handlers = [InMemoryUploadHandler(request)]
        return csrf_protect(import_view)(request, model_admin)  # CSRF is checked here

    opts = model_admin.opts
    return [
        path(
            "import/",
            model_admin.admin_site.admin_view(upload_in_memory),
            name=f"{opts.app_label}_{opts.model_name}_import",
        )
    ]


def import_view(request, model_admin):
    """Upload a file; show every error of a bad file, or import it and say how many."""
    if not access.may_import_referrals(request.user):
        raise PermissionDenied
    request.current_app = model_admin.admin_site.name
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    errors = []
    if form.is_valid():  # an unbound form is never valid
        result = imports.referral_import(
            rows=form.cleaned_data["file"],
            user=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
        errors = result.errors
        if not errors:
            model_admin.message_user(request, result.summary(), messages.SUCCESS)
            if result.dry_run:
                return redirect(request.path)
            opts = model_admin.opts
            return redirect(
                f"{model_admin.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist"
            )
    adminform = helpers.AdminForm(
        form, [(None, {"fields": list(form.fields)})], {}, model_admin=model_admin
    )
    return TemplateResponse(
        request,
        "admin/referrals/referral/import.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": gettext("Import referrals"),
            "adminform": adminform,
            "form": form,
            "import_errors": errors,
            "columns": imports.COLUMNS,
        },
    )
