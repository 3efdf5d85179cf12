"""What a file attached to a referral may be, and the name it is kept under.

Three types: PDF, JPEG and PNG, which is what signed agreements, contracts, certificates and
diplomas come as (scanned or printed to PDF). Office files are left out on purpose: they
carry macros, embedded objects and the author's metadata, and everyone can print one to PDF.
A type is recognised by the file's extension *and* by its first bytes (its magic number):
the extension alone would let any file through under another name, and the content type the
browser sends is never read (the browser takes it from the extension, or anyone sends what
they like). The stored content type is the one the bytes prove.

The original name is kept, cleaned (`clean_name`): only its last component (no folders, no
path traversal), printable characters, within NAME_MAX. The file itself is stored under a
random name (`Document.file`'s `upload_to`), so that no name typed by someone (which may
hold the client's name) reaches the storage, a URL or a log."""

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024
NAME_MAX = 150


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes


TYPES = (
    FileType("PDF", "application/pdf", (".pdf",), b"%PDF-"),
    FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
    FileType("PNG", "image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
)
CONTENT_TYPES = tuple(t.content_type for t in TYPES)
ACCEPT = ",".join(ext for t in TYPES for ext in t.extensions)  # the input's `accept`


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: its cleaned name, the type its bytes prove, size and hash."""

    name: str
    content_type: str
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.OKOT_DOCUMENT_MAX_MB * MB


def type_names() -> str:
    return ", ".join(t.label for t in TYPES)


def clean_name(name: str) -> str:
    """The file's own name without any folder, control or odd characters, at most NAME_MAX
    long with its extension kept; "document" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]  # a browser may send a full path; anyone may send ../
    name = re.sub(r"\s+", " ", name)  # line breaks and tabs too
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    name = re.sub(r'[<>:"|?*;%]', "_", name).strip(" .")  # what systems or headers read
    stem, suffix = _split(name)
    stem = stem[: NAME_MAX - len(suffix)].rstrip(" .")
    return f"{stem}{suffix}" if stem else f"document{suffix}"


def _split(name: str) -> tuple[str, str]:
    suffix = PurePath(name).suffix if "." in name else ""
    if len(suffix) > 6:  # no extension of ours is this long
        suffix = ""
    return (name[: -len(suffix)] if suffix else name), suffix


def check_file(upload) -> CheckedFile:
    """The upload as it may be kept, or ValidationError saying what is wrong with it."""
    name = clean_name(getattr(upload, "name", "") or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("The file is larger than %(max)d MB. Scan it at a lower resolution or split it.")
            % {"max": settings.OKOT_DOCUMENT_MAX_MB},
            code="too_large",
        )
    suffix = _split(name)[1].lower()
    by_name = next((t for t in TYPES if suffix in t.extensions), None)
    if by_name is None:
        raise ValidationError(
            _("Only these types of file can be added: %(types)s.") % {"types": type_names()},
            code="type",
        )
    upload.seek(0)
    head = upload.read(16)
    if not head.startswith(by_name.magic):
        raise ValidationError(
            _(
                "The file is called .%(extension)s but its content is not a %(type)s file. "
                "Save or scan it again as %(type)s."
            )
            % {"extension": suffix.lstrip("."), "type": by_name.label},
            code="content",
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(name, by_name.content_type, size, digest.hexdigest())
