"""Documents for the demo referrals: small one-page PDFs made here, attached through
`services.document_add` by whoever would add them (the signed formal agreement by the
caseworker, the training contract by the counsellor, the diploma after a pass)."""

import datetime

from django.core.files.base import ContentFile

from referrals import services
from referrals.enums import DocumentKind


def minimal_pdf(*lines: str) -> bytes:
    """A valid one-page PDF (1.4) showing `lines` in Helvetica, offsets and all."""
    text = "".join(
        f"BT /F1 12 Tf 72 {760 - 18 * n} Td ({_escape(line)}) Tj ET\n"
        for n, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"endstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


# What each demo document says and is called.
TITLES = {
    DocumentKind.SIGNED_AGREEMENT: ("Formeel akkoord OKOT", "formeel-akkoord-ondertekend.pdf"),
    DocumentKind.TRAINING_CONTRACT: ("Opleidingscontract VDAB", "opleidingscontract.pdf"),
    DocumentKind.DIPLOMA: ("Diploma", "diploma.pdf"),
}


def attach(referral, *, user, kind: str, at: datetime.datetime) -> None:
    """Attach the demo document of `kind` to `referral`, as `user` at `at`."""
    title, name = TITLES[kind]
    content = minimal_pdf(
        title,
        f"Toeleiding #{referral.pk}: {referral.training.title}",
        "Voorbeelddocument van de demo: geen echt document.",
    )
    services.document_add(
        referral=referral, user=user, kind=kind, file=ContentFile(content, name=name), at=at
    )
