"""The formal agreement ("formeel akkoord") as one content, which the printable page and the
PDF (`agreement_pdf`) both render: the parties, the training, the entry conditions checked,
the warm handover, and places for date, place and the three signatures. Every text is in
the language of the request, every value already formatted as the page shows it."""

from dataclasses import dataclass, field

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .handover_display import handover_rows
from .presenters import client_name, consent_notice, referral_client_facts


@dataclass(frozen=True)
class Section:
    heading: str
    rows: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Signature:
    party: str  # who signs: the client, the caseworker, the counsellor
    name: str  # their name when known, else ""


@dataclass(frozen=True)
class Agreement:
    title: str
    intro: str
    client: Section
    training: Section
    caseworker: Section
    conditions: Section  # each row's label is a condition checked
    conditions_note: str
    handover: Section
    handover_missing: str  # said instead of the rows while none is recorded
    notes: Section  # one row: what matters for the path to work
    signatures_heading: str
    place_and_date: list[str]
    signatures: list[Signature]
    consent_withdrawn_on: object = None
    number: int = 0

    @property
    def parties(self) -> list[Section]:
        """The client, the training and the caseworker: label and value rows alike."""
        return [self.client, self.training, self.caseworker]


def _text(value) -> str:
    return "—" if value in ("", None) else str(value)


def _strings(rows) -> list[tuple[str, str]]:
    return [(capfirst(str(label)), _text(value)) for label, value in rows]


def agreement_content(referral, user) -> Agreement:
    """The formal agreement of `referral` as `user` may read it (what goes to VDAB; the
    client's details as `presenters.referral_client_facts` give them)."""
    training = referral.training
    counsellor = referral.handover_with or _text(training.contact_counsellor)
    return Agreement(
        title=_("Formal agreement with an OKOT candidacy"),
        intro=_(
            "%(ocmw)s formally agrees with the candidacy below for an education-qualifying "
            "training trajectory with a VDAB training contract (OKOT) and passes on the "
            "caseworker's contact details for the warm handover."
        )
        % {"ocmw": referral.client.ocmw},
        client=Section(
            _("Client"),
            _strings(referral_client_facts(referral, user, for_vdab=True)),
        ),
        training=Section(
            _("Training"),
            [
                (_("Title"), training.title),
                (_("OKOT type"), training.get_okot_type_display()),
                (_("Mode"), capfirst(training.get_mode_display())),
                (_("Institution and location"), f"{training.institution}, {training.location}"),
                (_("Contact counsellor"), _text(training.contact_counsellor)),
            ],
        ),
        caseworker=Section(
            _("OCMW caseworker"),
            [
                (_("Name"), _text(referral.caseworker)),
                (_("OCMW"), str(referral.client.ocmw)),
                (_("Direct phone"), _text(referral.caseworker_phone)),
                (_("E-mail"), _text(referral.caseworker_email)),
                (
                    _("Date of the formal agreement"),
                    formats.date_format(referral.agreed_on, "DATE_FORMAT"),
                ),
            ],
        ),
        conditions=Section(
            _("Entry conditions checked"),
            [(str(condition), "") for condition in referral.checked_conditions.all()],
        ),
        conditions_note=_("The screening itself is done by VDAB at the intake."),
        handover=Section(
            _("Warm handover"),
            [(str(label), str(value)) for label, value in handover_rows(referral)],
        ),
        handover_missing=_("Not recorded yet."),
        notes=Section(
            _("What matters for the path to work"),
            [("", referral.handover_notes)] if referral.handover_notes else [],
        ),
        signatures_heading=_("Signatures"),
        place_and_date=[_("Place"), _("Date")],
        signatures=[
            Signature(_("The client"), client_name(referral, user)),
            Signature(_("The OCMW caseworker"), _text(referral.caseworker)),
            Signature(_("The VDAB counsellor"), counsellor),
        ],
        consent_withdrawn_on=consent_notice(referral.client)["consent_withdrawn_on"],
        number=referral.pk,
    )
