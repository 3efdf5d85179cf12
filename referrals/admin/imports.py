"""Importing existing trajectories in the admin: upload a CSV or XLSX file (administrators
only). The upload is kept in memory, never in a temporary file, and no larger than its cap
(`imports.ImportLimits`); it becomes an ImportJob that a Celery task reads, checks and
imports (`referrals.tasks.run_import`), while the job's page shows its progress. The job
keeps the file only until it ends."""

from io import BytesIO

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.admin_paging import ActionCheckboxMixin
from accounts.admin_readonly import ReadOnlyAdminMixin
from accounts.admin_search import SessionSearchMixin

from .. import access, imports, tasks
from ..enums import ImportJobStatus
from ..models import ImportJob, Referral


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

    def clean_file(self):
        """The upload, if it is small enough and names its kind; reading it is the job's."""
        upload = self.cleaned_data["file"]
        if upload.size > self.limits.file_bytes:
            raise ValidationError(
                _("The file is larger than %(size)d MB; split it.")
                % {"size": self.limits.file_bytes // imports.MB},
                code="too_large",
            )
        try:
            imports.check_file_name(upload.name)
        except imports.ImportFileError as exc:
            raise ValidationError(str(exc), code="unreadable") from exc
        return upload


def import_urls(model_admin) -> list:
    """The import page of `model_admin` (the referral admin), for its get_urls."""

    @csrf_exempt  # only so that the upload handler is set before the body is read:
    def upload_in_memory(request):
        request.upload_handlers = [InMemoryUploadHandler(request)]
        return csrf_protect(import_view)(request, model_admin)  # CSRF is checked here

    def job(request, job_id: int):
        return import_job_view(request, model_admin, job_id)

    opts = model_admin.opts
    return [
        path(
            "import/",
            model_admin.admin_site.admin_view(upload_in_memory),
            name=f"{opts.app_label}_{opts.model_name}_import",
        ),
        path(
            "import/<int:job_id>/",
            model_admin.admin_site.admin_view(job),
            name=f"{opts.app_label}_{opts.model_name}_import_job",
        ),
    ]


def import_view(request, model_admin):
    """Upload a file; queue its import and show the job's page."""
    if not access.may_import_referrals(request.user):
        raise PermissionDenied
    request.current_app = model_admin.admin_site.name
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_valid():  # an unbound form is never valid
        upload = form.cleaned_data["file"]
        job = tasks.start_import(
            user=request.user,
            file_name=upload.name,
            content=upload.read(),
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect(job_url(model_admin.admin_site.name, job.pk))
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
            "columns": imports.COLUMNS,
            "optional_columns": imports.OPTIONAL_COLUMNS,
        },
    )


def import_job_view(request, model_admin, job_id: int):
    """An import's progress, then its summary or every error of its file. While it runs
    a script brings the page up to date (static/js/import-progress.js)."""
    if not access.may_import_referrals(request.user):
        raise PermissionDenied
    request.current_app = model_admin.admin_site.name
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=job_id)
    result = imports.ImportResult.from_json(job.result) if job.result else None
    return TemplateResponse(
        request,
        "admin/referrals/referral/import_job.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.opts,
            "title": gettext("Import of %(file)s") % {"file": job.file_name},
            "job": job,
            "result": result,
            "import_errors": result.errors if result else [],
            "statuses": ImportJobStatus,
        },
    )


def job_url(site_name: str, job_id: int) -> str:
    """The page of an import job, among the referral admin's (`import_urls`)."""
    opts = Referral._meta
    return reverse(f"{site_name}:{opts.app_label}_{opts.model_name}_import_job", args=[job_id])


@admin.register(ImportJob)
class ImportJobAdmin(ActionCheckboxMixin, ReadOnlyAdminMixin, SessionSearchMixin, admin.ModelAdmin):
    """The imports: who uploaded which file (name and checksum) when, and what came of it.
    The file itself is gone once its job ended."""

    list_display = [
        "created_at",
        "started_by",
        "file_name",
        "checksum",
        "dry_run",
        "status",
        "imported",
        "already_imported",
        "errors",
    ]
    list_filter = ["status", "dry_run"]
    list_select_related = ["started_by"]
    search_fields = ["file_name", "^checksum", "started_by__username", "started_by__last_name"]
    date_hierarchy = "created_at"
    fields = [
        "started_by",
        "created_at",
        "file_name",
        "checksum",
        "dry_run",
        "status",
        "rows_done",
        "rows_total",
        "imported",
        "already_imported",
        "errors",
        "failure",
        "finished_at",
        "report",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def count(self, job: ImportJob, name: str):
        return job.result[name] if job.result else None

    @admin.display(description=_("imported"))
    def imported(self, job: ImportJob):
        return self.count(job, "imported")

    @admin.display(description=_("already imported"))
    def already_imported(self, job: ImportJob):
        return self.count(job, "already_imported")

    @admin.display(description=_("errors"))
    def errors(self, job: ImportJob):
        return len(job.result["errors"]) if job.result else None

    @admin.display(description=_("report"))
    def report(self, job: ImportJob):
        return format_html(
            '<a href="{}">{}</a>', job_url(self.admin_site.name, job.pk), gettext("Show the import")
        )
