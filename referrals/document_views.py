"""Documents on a referral's page: attaching one (POST only, back to the page), downloading
one, removing one. Each finds its referral or document through `visible_to`: outside it is
a 404, whoever asks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from accounts.keys import is_pk
from audit import reads

from . import services
from .document_files import MB, max_bytes
from .document_forms import DocumentForm
from .enums import DOCUMENT_REMOVED
from .models import Document
from .views import _act_on_referral, _visible_referral

# What a request may carry besides the file: the form's other fields and the multipart
# framing.
OVERHEAD = 64 * 1024


def _too_large(request) -> bool:
    """Whether the request says it is larger than a document may be. Asked before anything
    reads the body, so that an oversized upload is refused without being received whole
    (the server reads no more than Content-Length, so a request cannot claim less)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > max_bytes() + OVERHEAD


# The CSRF check reads the whole body (its token is a form field): it runs in
# `_document_add`, once the size is known to be acceptable.
@csrf_exempt
@require_POST
def document_add(request, pk: int):
    referral = _visible_referral(request, pk)
    if _too_large(request):
        messages.error(
            request,
            _("The file is larger than %(max)d MB. Scan it at a lower resolution or split it.")
            % {"max": max_bytes() // MB},
        )
        return redirect(referral)
    return _document_add(request, referral)


@csrf_protect
def _document_add(request, referral):
    form = DocumentForm(request.POST, request.FILES)
    return _act_on_referral(
        request,
        referral,
        form,
        action=lambda: services.document_add(
            referral=referral, user=request.user, request=request, **form.cleaned_data
        ),
        success=lambda: _("The document was added; the other side can open it."),
        document_form=form,
    )


@require_safe
def document_download(request, pk: int):
    """The file, as an attachment, to whoever sees its referral: never a storage URL."""
    document = get_object_or_404(
        Document.objects.visible_to(request.user).select_related("referral"), pk=pk
    )
    return document_file_response(request, document)


def document_file_response(request, document: Document) -> FileResponse:
    """The file as an attachment, recorded as downloaded (the page's and the API's):
    404 when the retention removed it or the storage lost it."""
    if not document.file:  # the retention removed it
        raise Http404
    try:
        handle = document.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    try:
        reads.shown(
            request,
            referral=document.referral,
            kind=reads.Kind.EXPORT,
            detail={"document": document.pk, "kind": document.kind},
        )
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=document.original_name or "document",
            content_type=document.content_type,
        )
    except BaseException:
        # Nothing will serve it: the response that would have closed it was not made.
        handle.close()
        raise
    # The type the bytes proved when the file was added, never a browser's guess.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def document_remove(request, pk: int):
    visible = Document.objects.visible_to(request.user).select_related("referral__client")
    document = visible.filter(pk=pk).first()
    if document is None:
        return _removed_already(request, pk)
    referral = document.referral
    if not request.POST.get("confirmed"):
        # The file goes for good: the box beside the button says so (no JavaScript).
        messages.error(request, _("Tick the box to confirm: removing a document cannot be undone."))
        return redirect(referral)
    try:
        services.document_remove(document=document, user=request.user, request=request)
    except services.TransitionRefused as exc:
        for message in exc.messages:
            messages.error(request, message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The document “%(name)s” was removed.") % {"name": document.original_name},
        )
    return redirect(referral)


def _removed_already(request, pk: int):
    """A removal sent again (a double click, another tab): the referral's page says the
    document is gone, where its history says so (`services.document_remove`'s line, on the
    referral the form names). Any other is a 404, as a document never seen is."""
    named = request.POST.get("referral", "")
    if not is_pk(named):
        raise Http404
    referral = _visible_referral(request, int(named))
    if not referral.events.filter(transition=DOCUMENT_REMOVED, data__document=pk).exists():
        raise Http404
    messages.info(request, _("This document was removed already."))
    return redirect(referral)
