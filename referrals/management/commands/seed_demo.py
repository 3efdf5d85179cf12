"""Fill an empty (or earlier seeded) database with a realistic demo of the OKOT flow.

Idempotent: everything is looked up by its natural key, and each demo referral carries
`external_id="demo-<n>"`, so a second run only (re)sets the password when one is given.
Referrals are built through `referrals.services` only, so each has a real history."""

import datetime
import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts import roles
from accounts.models import Organisation, Province
from referrals import services
from referrals.models import (
    Client,
    ContinuedBy,
    EndResult,
    EntryCondition,
    GuidanceNote,
    OkotType,
    OutcomeCheck,
    Referral,
    State,
    StopReason,
    TemporaryWorkExperience,
    Training,
)

d = datetime.date
OOST = Province.OOST_VLAANDEREN

ORGANISATIONS = {
    # key: (name, kind, municipality, e-mail, phone)
    "gent": ("OCMW Gent", Organisation.Kind.OCMW, "Gent", "werk@ocmw-gent.example", "09 266 07 00"),
    "aalst": ("OCMW Aalst", Organisation.Kind.OCMW, "Aalst", "werk@ocmw-aalst.example", "053 73 28 00"),
    "vdab": ("VDAB Oost-Vlaanderen", Organisation.Kind.VDAB, "Gent", "oost-vlaanderen@vdab.example", "09 265 48 00"),
}

USERS = [
    # (username, first name, last name, e-mail, work phone, organisation key, role)
    ("ocmw-gent", "Sofie", "Van den Bossche", "sofie.vandenbossche@ocmw-gent.example", "09 266 07 41", "gent", roles.CASEWORKER),
    ("ocmw-aalst", "Pieter", "De Smet", "pieter.desmet@ocmw-aalst.example", "053 73 28 15", "aalst", roles.CASEWORKER),
    ("vdab-gent", "Els", "Claeys", "els.claeys@vdab.example", "09 265 48 62", "vdab", roles.COUNSELLOR),
    ("netwerk-oost", "Koen", "Verhaeghe", "koen.verhaeghe@vdab.example", "09 265 48 90", "vdab", roles.NETWORK_MANAGER),
    ("beheerder", "Annelies", "Maes", "annelies.maes@okot-beheer.example", "", None, roles.ADMINISTRATOR),
]

TRAININGS = {
    # key: (title, type, institution, location, months, hours a week, active, description)
    "hbo-gent": ("HBO5 Verpleegkunde", OkotType.HBO, "HBO5 Verpleegkunde Gent", "Gent", 36, 38, True, "Gegradueerde verpleegkundige; start in september en februari."),
    "hbo-aalst": ("HBO5 Verpleegkunde", OkotType.HBO, "HBO5 Verpleegkunde Aalst", "Aalst", 36, 38, True, "Gegradueerde verpleegkundige; stages in de regio Aalst."),
    "grad-ortho": ("Graduaat Orthopedagogische begeleiding", OkotType.HBO, "Odisee", "Aalst", 24, 36, True, "Begeleider in de zorg voor personen met een beperking."),
    "pba-verpl-gent": ("Bachelor in de verpleegkunde", OkotType.PBA, "HOGENT", "Gent", 36, 38, True, "Professionele bachelor; VDAB financiert de opleiding als knelpuntberoep."),
    "pba-verpl-aalst": ("Bachelor in de verpleegkunde", OkotType.PBA, "Odisee", "Aalst", 36, 38, True, "Professionele bachelor met stages in het OLV Ziekenhuis en woonzorgcentra."),
    "pba-em": ("Bachelor in de elektromechanica", OkotType.PBA, "HOGENT", "Gent", 36, 36, True, "Onderhoudstechnicus en projectleider in de industrie."),
    "pba-ti": ("Bachelor in de toegepaste informatica", OkotType.PBA, "HOGENT", "Gent", 36, 36, True, "Applicatieontwikkelaar of systeembeheerder."),
    "bso-verzorging": ("7BSO Verzorging (zorgkundige)", OkotType.BSO7, "Zorgcampus Gent", "Gent", 12, 32, True, "Zorgkundige in woonzorgcentra en thuiszorg."),
    "bso-kinderzorg": ("7BSO Kinderzorg", OkotType.BSO7, "Zorgcampus Aalst", "Aalst", 12, 32, True, "Begeleider in de kinderopvang."),
    "sense-elek": ("Se-n-Se Elektrische installaties", OkotType.SENSE, "Technicum Gent", "Gent", 12, 32, True, "Elektrotechnicus residentieel en industrieel."),
    "sense-koel": ("Se-n-Se Koel- en warmtetechnieken", OkotType.SENSE, "Technicum Gent", "Gent", 12, 32, False, "Niet ingericht in het huidige schooljaar."),
    "tko-gent": ("Tweedekansonderwijs: diploma secundair onderwijs", OkotType.TKO, "CVO Vitant", "Gent", 24, 30, True, "Diploma secundair onderwijs via het volwassenenonderwijs."),
}

POSTCODES = {
    "9000": "Gent", "9030": "Mariakerke", "9032": "Wondelgem", "9040": "Sint-Amandsberg",
    "9050": "Ledeberg", "9300": "Aalst", "9308": "Hofstade", "9320": "Erembodegem",
}

CLIENTS = {
    # key (g = OCMW Gent, a = OCMW Aalst): (first, last, gender, birth date, street, postcode)
    "g0": ("Yasmina", "El Amrani", "V", d(1996, 3, 14), "Dampoortstraat 12", "9000"),
    "g1": ("Jonas", "Van Damme", "M", d(2003, 7, 22), "Sleepstraat 45", "9000"),
    "g2": ("Mehmet", "Yılmaz", "M", d(1982, 11, 5), "Wondelgemstraat 88", "9000"),
    "g3": ("Grace", "Mukendi", "V", d(1979, 5, 30), "Antwerpsesteenweg 401", "9040"),
    "g4": ("Sarah", "De Clercq", "V", d(1991, 1, 9), "Brugsesteenweg 210", "9030"),
    "g5": ("Ahmad", "Ahmadi", "M", d(2001, 9, 18), "Hundelgemsesteenweg 5", "9050"),
    "g6": ("Lieve", "Verstraete", "V", d(1968, 4, 2), "Botestraat 23", "9032"),
    "g7": ("Omar", "Bouzid", "M", d(1988, 12, 27), "Bernard Spaelaan 17", "9000"),
    "g8": ("Ewa", "Kowalska", "V", d(1985, 6, 11), "Francisco Ferrerlaan 102", "9000"),
    "g9": ("Kevin", "Martens", "M", d(1999, 2, 3), "Land van Waaslaan 64", "9040"),
    "g10": ("Fatma", "Demir", "V", d(1993, 8, 16), "Rabotstraat 31", "9000"),
    "g11": ("Samuel", "Tesfay", "M", d(1997, 10, 21), "Jozef Guislainstraat 9", "9000"),
    "g12": ("Nadia", "Benali", "V", d(2004, 5, 8), "Meulestedekaai 54", "9000"),
    "g13": ("Dirk", "Goossens", "M", d(1966, 9, 29), "Oudenaardsesteenweg 77", "9000"),
    "g14": ("Amina", "Diallo", "V", d(1990, 12, 12), "Frans Van Ryhovelaan 140", "9000"),
    "g15": ("Bram", "Claeys", "M", d(1995, 4, 25), "Kortrijksesteenweg 356", "9000"),
    "g16": ("Rania", "Al-Hassan", "V", d(1987, 7, 7), "Tweebruggenstraat 8", "9000"),
    "g17": ("Ionuț", "Popescu", "M", d(1983, 3, 19), "Dendermondsesteenweg 240", "9040"),
    "g18": ("Charlotte", "Wouters", "V", d(2000, 11, 30), "Sint-Salvatorstraat 7", "9000"),
    "g19": ("Jean-Pierre", "Kabongo", "M", d(1974, 2, 14), "Vogelenzang 19", "9050"),
    "g20": ("Marie-Claire", "Ntumba", "V", d(1984, 10, 3), "Kasteellaan 66", "9000"),
    "a0": ("Hanne", "De Smedt", "V", d(1998, 6, 6), "Molenstraat 14", "9300"),
    "a1": ("Youssef", "Amrani", "M", d(2002, 1, 15), "Kattestraat 56", "9300"),
    "a2": ("Marleen", "Van der Linden", "V", d(1969, 3, 3), "Gentsesteenweg 120", "9300"),
    "a3": ("Emre", "Kaya", "M", d(1992, 9, 9), "Zwarte Zustersstraat 9", "9300"),
    "a4": ("Nathalie", "Cooreman", "V", d(1980, 10, 10), "Erembodegem-Dorp 33", "9320"),
    "a5": ("Tom", "Van Hecke", "M", d(1986, 5, 17), "Hofstadestraat 4", "9308"),
    "a6": ("Asma", "Haddou", "V", d(1995, 11, 23), "Sint-Jobstraat 21", "9300"),
    "a7": ("Mustafa", "Osman", "M", d(1978, 8, 1), "Leopoldlaan 88", "9300"),
    "a8": ("Elke", "Schollaert", "V", d(2005, 2, 20), "Geraardsbergsestraat 150", "9300"),
    "a9": ("Desislava", "Petrova", "V", d(1989, 4, 14), "Ledebaan 47", "9300"),
    "a10": ("Ayoub", "El Idrissi", "M", d(2001, 6, 29), "Moorselbaan 12", "9300"),
}

# (client, start, end or None, workplace)
WORK_EXPERIENCES = [
    ("g7", d(2022, 3, 1), d(2024, 2, 29), "Kringwinkel Gent, sorteerafdeling"),
    ("a3", d(2022, 6, 1), d(2024, 5, 31), "Stad Aalst, groendienst"),
    ("g19", d(2023, 4, 3), d(2025, 3, 31), "Sociaal restaurant De Buurtkeuken, Gent"),
    ("g20", d(2026, 3, 2), None, "Lokaal dienstencentrum, OCMW Gent"),
]


def insz(birth: datetime.date, serial: int) -> str:
    """A valid Belgian national number: yymmdd, serial (odd = man), check digits."""
    first9 = f"{birth:%y%m%d}{serial:03d}"
    check = 97 - int(("2" if birth.year >= 2000 else "") + first9) % 97
    return f"{first9}{check:02d}"


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


@dataclass(frozen=True)
class Story:
    """One demo referral and how far it got; dates not given are derived."""

    n: int
    client: str
    training: str
    until: str
    agreed: datetime.date | None = None
    intake: datetime.date | None = None
    probable_start: datetime.date | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    result: str = ""
    stop: str = ""
    closed_by: str = ""
    reason: str = ""
    withdraw_from: str = ""
    outcomes: str = ""  # at work ("y"/"n") at 3, 6, 9, 12 months, as far as due
    by_vdab: bool = False  # the counsellor registered the candidacy

    @property
    def external_id(self) -> str:
        return f"demo-{self.n}"


def stories(today: datetime.date) -> list[Story]:
    """The demo referrals: finished ones on fixed dates in 2024–2026, open ones recent."""
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
    S, E = State, EndResult
    vdab, ocmw = ContinuedBy.VDAB, ContinuedBy.OCMW
    return [
        # closed
        S and Story(1, "g6", "bso-verzorging", S.CLOSED, agreed=d(2024, 5, 13), start=d(2024, 9, 2), end=d(2025, 6, 27), result=E.PASSED, closed_by=vdab, outcomes="yyyy"),
        Story(2, "g1", "sense-elek", S.CLOSED, agreed=d(2024, 6, 10), start=d(2024, 9, 2), end=d(2025, 6, 27), result=E.PASSED, closed_by=ocmw, outcomes="nyyy", by_vdab=True),
        Story(3, "g3", "hbo-gent", S.CLOSED, agreed=d(2024, 1, 8), start=d(2024, 2, 12), end=d(2024, 11, 29), result=E.STOPPED_EARLY, stop=StopReason.ILLNESS, closed_by=ocmw),
        Story(4, "a3", "pba-verpl-aalst", S.CLOSED, agreed=d(2024, 6, 3), start=d(2024, 9, 23), end=d(2025, 12, 15), result=E.STOPPED_EMPLOYMENT, closed_by=vdab, outcomes="yyny"),
        Story(5, "a0", "bso-kinderzorg", S.CLOSED, agreed=d(2024, 5, 21), start=d(2024, 9, 2), end=d(2025, 6, 27), result=E.FAILED, closed_by=ocmw),
        Story(6, "g7", "hbo-gent", S.CLOSED, agreed=d(2025, 3, 10), closed_by=ocmw, reason="Nederlandse taalvaardigheid nog onvoldoende voor de theorie (richtniveau NT2 2.4 nodig). Advies: eerst tweedekansonderwijs."),
        Story(7, "g15", "tko-gent", S.CLOSED, agreed=d(2024, 6, 17), start=d(2024, 9, 16), end=d(2026, 6, 19), result=E.PASSED, closed_by=vdab, outcomes="yyyy"),
        Story(8, "g12", "hbo-gent", S.CLOSED, agreed=d(2025, 1, 6), start=d(2025, 2, 10), end=d(2025, 6, 13), result=E.STOPPED_EARLY, stop=StopReason.OTHER_COMPELLING, closed_by=vdab),
        # ended, not yet closed
        Story(9, "g9", "bso-verzorging", S.ENDED, agreed=d(2025, 5, 12), start=d(2025, 9, 1), end=d(2026, 6, 26), result=E.PASSED, outcomes="nyyy"),
        Story(10, "a8", "bso-kinderzorg", S.ENDED, agreed=d(2025, 6, 2), start=d(2025, 9, 1), end=d(2026, 2, 20), result=E.STOPPED_EARLY, stop=StopReason.MATERNITY),
        Story(11, "g17", "pba-ti", S.ENDED, agreed=d(2025, 6, 16), start=d(2025, 9, 22), end=d(2026, 3, 13), result=E.STOPPED_EARLY, stop=StopReason.MOVED, by_vdab=True),
        Story(12, "a5", "hbo-aalst", S.ENDED, agreed=d(2024, 6, 24), start=d(2024, 9, 16), end=d(2025, 2, 7), result=E.STOPPED_EARLY, stop=StopReason.INSUFFICIENT_PROGRESS),
        Story(13, "g16", "hbo-gent", S.ENDED, agreed=d(2025, 1, 13), start=d(2025, 2, 10), end=d(2026, 5, 29), result=E.STOPPED_EMPLOYMENT, outcomes="yyyy"),
        Story(14, "g13", "sense-elek", S.ENDED, agreed=d(2025, 5, 19), start=d(2025, 9, 1), end=d(2026, 1, 16), result=E.STOPPED_EARLY, stop=StopReason.NO_VALID_REASON),
        # in training
        Story(15, "g0", "hbo-gent", S.IN_TRAINING, agreed=d(2024, 6, 3), start=d(2024, 9, 16)),
        Story(16, "g5", "pba-em", S.IN_TRAINING, agreed=d(2025, 7, 7), start=d(2025, 9, 22)),
        Story(17, "g19", "tko-gent", S.IN_TRAINING, agreed=d(2025, 6, 23), start=d(2025, 9, 15)),
        Story(18, "a2", "grad-ortho", S.IN_TRAINING, agreed=d(2025, 6, 30), start=d(2025, 9, 22)),
        Story(19, "a4", "pba-verpl-aalst", S.IN_TRAINING, agreed=d(2026, 1, 12), start=d(2026, 2, 9)),
        Story(20, "g12", "pba-verpl-gent", S.IN_TRAINING, agreed=d(2025, 7, 14), start=d(2025, 9, 22)),
        Story(21, "g15", "pba-ti", S.IN_TRAINING, agreed=d(2026, 7, 6), start=d(2026, 9, 21)),
        Story(22, "g10", "bso-verzorging", S.IN_TRAINING, agreed=d(2026, 6, 15), start=d(2026, 9, 7), by_vdab=True),
        # admitted (one whose probable start has passed), intake planned, agreed
        Story(23, "g8", "hbo-gent", S.ADMITTED, agreed=ago(45), intake=ago(30), probable_start=ago(-75)),
        Story(24, "a6", "grad-ortho", S.ADMITTED, agreed=ago(60), intake=ago(42), probable_start=ago(12)),
        Story(25, "g14", "pba-verpl-gent", S.ADMITTED, agreed=ago(35), intake=ago(21), probable_start=ago(-75)),
        Story(26, "g18", "sense-elek", S.INTAKE_PLANNED, agreed=ago(12), intake=ago(-6)),
        Story(27, "a7", "hbo-aalst", S.INTAKE_PLANNED, agreed=ago(20), intake=ago(-2), by_vdab=True),
        Story(28, "g2", "pba-em", S.INTAKE_PLANNED, agreed=ago(30), intake=ago(3)),
        Story(29, "g11", "pba-ti", S.AGREED, agreed=ago(4)),
        Story(30, "a9", "bso-kinderzorg", S.AGREED, agreed=ago(18)),
        Story(31, "g4", "hbo-gent", S.AGREED, agreed=ago(2), by_vdab=True),
        # not admitted, declined, withdrawn
        Story(32, "a1", "pba-verpl-aalst", S.NOT_ADMITTED, agreed=d(2026, 8, 24), intake=d(2026, 9, 8), reason="Toelatingsproef wiskunde en wetenschappen niet gehaald. Advies: eerst het diploma secundair onderwijs via tweedekansonderwijs."),
        Story(33, "g3", "hbo-gent", S.NOT_ADMITTED, agreed=d(2026, 9, 14), intake=d(2026, 10, 5), reason="Na de ziekteperiode raadt de arbeidsgeneesheer fysiek zwaar werk in de zorg af; een andere richting wordt samen met het OCMW bekeken."),
        Story(34, "g10", "pba-verpl-gent", S.DECLINED, by_vdab=True, reason="Eerst het NT2-traject (richtniveau 2.4) afwerken; een verpleegkundige opleiding opnieuw bekijken in 2026."),
        Story(35, "g13", "pba-ti", S.DECLINED, reason="Een bachelor van drie jaar is nu niet haalbaar naast de mantelzorg voor zijn moeder; een kortere Se-n-Se-opleiding past beter."),
        Story(36, "g9", "sense-elek", S.WITHDRAWN, withdraw_from=S.CANDIDATE, reason="Cliënt kiest na het infomoment toch voor de zorgsector."),
        Story(37, "g14", "hbo-gent", S.WITHDRAWN, withdraw_from=S.AGREED, agreed=d(2025, 1, 6), reason="Geen kinderopvang gevonden voor de start in februari."),
        Story(38, "a9", "hbo-aalst", S.WITHDRAWN, withdraw_from=S.INTAKE_PLANNED, agreed=d(2025, 5, 26), reason="Cliënte kreeg een vast contract als poetshulp en wil dat niet opgeven."),
        Story(39, "g5", "pba-ti", S.WITHDRAWN, withdraw_from=S.ADMITTED, agreed=d(2024, 6, 17), probable_start=d(2024, 9, 23), reason="Cliënt verhuist tijdelijk naar familie in Brussel; kandidatuur ingetrokken."),
        # informed, candidate (g20 is in a temporary work experience: agree is blocked)
        Story(40, "a5", "sense-elek", S.INFORMED),
        Story(41, "g7", "tko-gent", S.INFORMED),
        Story(42, "a0", "grad-ortho", S.INFORMED, by_vdab=True),
        Story(43, "g20", "hbo-gent", S.CANDIDATE, by_vdab=True),
        Story(44, "a1", "tko-gent", S.CANDIDATE),
        Story(45, "a10", "pba-verpl-aalst", S.CANDIDATE, by_vdab=True),
    ]
