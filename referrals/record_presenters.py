"""How the page and the history show a referral's documents and school years."""

from django.utils.translation import gettext_lazy as _

from . import access
from .document_forms import DocumentForm
from .enums import DocumentKind, SchoolYearResult
from .models import Referral
from .models.followup import school_year_label


def document_context(referral: Referral, user, *, form=None) -> dict:
    """The referral's documents, newest first, each with whether this user may remove it,
    and the form to add one for whoever may. One query, whatever their number; none for
    VDAB's side once the client withdrew the consent (`access.may_see_documents`)."""
    if not access.may_see_documents(referral, user):
        return {"documents_shown": False, "documents": [], "document_form": None}
    documents = referral.documents.select_related("added_by", "added_by__organisation")
    may_add = access.may_add_document(referral, user)
    return {
        "documents_shown": True,
        "documents": [
            {"document": document, "removable": access.may_remove_document(document, user)}
            for document in documents
        ],
        "document_form": (form or DocumentForm()) if may_add else None,
    }


def document_details(data: dict) -> list[tuple[str, object]]:
    """The kind only: a file's name may hold the client's, and history outlives it."""
    kind = data.get("kind")
    return [(_("Document"), DocumentKind(kind).label if kind in DocumentKind.values else kind)]


def school_year_details(data: dict) -> list[tuple[str, object]]:
    """Which school year and its result; a correction's after the one it replaced."""
    result = SchoolYearResult(data["result"]).label
    if data.get("before"):
        result = f"{SchoolYearResult(data['before']).label} → {result}"
    return [(_("School year"), school_year_label(data["year"])), (_("result"), result)]
