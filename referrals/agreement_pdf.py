"""The formal agreement as a PDF (A4), from the same content as the printable page
(`agreement.agreement_content`).

ReportLab draws it: a pure-Python wheel from PyPI with no system libraries (WeasyPrint
would need Pango), and it ships the Bitstream Vera fonts, which are embedded so that names
with ë, é, ç, ş, ł and the euro sign print as typed in every viewer."""

import functools
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, PolyLine, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .agreement import Agreement, Section

FONTS = Path(reportlab.__file__).parent / "fonts"
REGULAR, BOLD = "OkotVera", "OkotVera-Bold"
WIDTH = A4[0] - 40 * mm  # the text's width between the margins


@functools.cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10, leading=13)
    return {
        "body": body,
        "label": ParagraphStyle("label", parent=body, fontName=BOLD),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=16, leading=20),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName=BOLD, fontSize=12, leading=15, spaceBefore=8
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    """A paragraph of text as typed: escaped (a name with < or & is not markup), line
    breaks kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), _styles()[style])


def _rows(section: Section) -> list:
    table = Table(
        [[_p(label, "label"), _p(value)] for label, value in section.rows],
        colWidths=[WIDTH * 0.38, WIDTH * 0.62],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return [_p(section.heading, "heading"), table]


def _checked_box() -> Drawing:
    """A box with a tick, drawn: no font needs to have the glyph."""
    size = 3.2 * mm
    box = Drawing(size, size)
    box.add(Rect(0, 0, size, size, strokeWidth=0.6, fillColor=None))
    tick = [0.2 * size, 0.5 * size, 0.42 * size, 0.2 * size, 0.85 * size, 0.85 * size]
    box.add(PolyLine(tick, strokeWidth=1.1))
    return box


def _conditions(agreement: Agreement) -> list:
    """The entry conditions checked, each with a ticked box; a dash if none apply to the
    training (reportlab refuses a table of no rows)."""
    heading = _p(agreement.conditions.heading, "heading")
    note = _p(agreement.conditions_note, "small")
    if not agreement.conditions.rows:
        return [heading, _p("—"), note]
    checked = Table(
        [[_checked_box(), _p(label)] for label, _value in agreement.conditions.rows],
        colWidths=[6 * mm, WIDTH - 6 * mm],
    )
    checked.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return [heading, checked, note]


def _signatures(agreement: Agreement) -> list:
    boxes = Table(
        [
            [_p(f"{label}:") for label in agreement.place_and_date] + [""],
            [_p(s.party, "label") for s in agreement.signatures],
            [_p(s.name) for s in agreement.signatures],
            ["", "", ""],
        ],
        colWidths=[WIDTH / 3] * 3,
        rowHeights=[12 * mm, None, None, 25 * mm],
    )
    boxes.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 1), (0, 3), 0.5, colors.black),
                ("BOX", (1, 1), (1, 3), 0.5, colors.black),
                ("BOX", (2, 1), (2, 3), 0.5, colors.black),
                ("LINEBELOW", (0, 0), (1, 0), 0.75, colors.black),
            ]
        )
    )
    return [KeepTogether([_p(agreement.signatures_heading, "heading"), Spacer(1, 2 * mm), boxes])]


def agreement_pdf(agreement: Agreement) -> bytes:
    """The PDF's bytes."""
    _fonts()
    story = [_p(agreement.title, "title"), Spacer(1, 4 * mm)]
    if agreement.consent_withdrawn_on:
        withdrawn = _("The client withdrew the consent to share data with VDAB on %(date)s.") % {
            "date": formats.date_format(agreement.consent_withdrawn_on, "DATE_FORMAT")
        }
        story.append(_p(withdrawn, "label"))
    story.append(_p(agreement.intro))
    for section in agreement.parties:
        story += _rows(section)
    story += _conditions(agreement)
    if agreement.handover.rows:
        story += _rows(agreement.handover)
    else:
        story += [_p(agreement.handover.heading, "heading"), _p(agreement.handover_missing)]
    if agreement.notes.rows:
        story += [_p(agreement.notes.heading, "heading"), _p(agreement.notes.rows[0][1])]
    story += [Spacer(1, 6 * mm), *_signatures(agreement)]
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=agreement.title,
        author="OKOT",
        # The same file for the same content: no creation date nor random id in it.
        invariant=True,
    )
    document.build(story)
    return buffer.getvalue()
