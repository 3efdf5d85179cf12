"""The demo data of `seed_demo`: organisations, people, trainings, and the tables of how far
each demo referral gets (played as stories by `demo_stories`). The tables give codes; the
stories read them through the enumerations, which refuse a code that no longer exists."""

import datetime
import unicodedata

from django.utils import timezone

from accounts.models import Role
from referrals.enums import EndResult, Obtained, SchoolYearResult, State, StopReason

# --- the data ------------------------------------------------------------------------------

# key: (name, kind, municipality, mail domain, phone)
ORGANISATIONS = {
    "gent": ("OCMW Gent", "ocmw", "Gent", "ocmw-gent.example", "09 266 07 00"),
    "aalst": ("OCMW Aalst", "ocmw", "Aalst", "ocmw-aalst.example", "053 73 28 00"),
    "vdab": ("VDAB Oost-Vlaanderen", "vdab", "Gent", "vdab.example", "09 265 48 00"),
}

# (username, first name, last name, work phone, organisation, role); beheerder is superuser
USERS = [
    ("ocmw-gent", "Sofie", "Van den Bossche", "09 266 07 41", "gent", Role.CASEWORKER),
    ("ocmw-aalst", "Pieter", "De Smet", "053 73 28 15", "aalst", Role.CASEWORKER),
    ("vdab-gent", "Els", "Claeys", "09 265 48 62", "vdab", Role.COUNSELLOR),
    ("netwerk-oost", "Koen", "Verhaeghe", "09 265 48 90", "vdab", Role.NETWORK_MANAGER),
    ("beheerder", "Annelies", "Maes", "", None, Role.ADMINISTRATOR),
]
CASEWORKERS = {"gent": "ocmw-gent", "aalst": "ocmw-aalst"}
COUNSELLOR = "vdab-gent"

# key: (title, OKOT type, institution, location, months, hours a week), all in Oost-Vlaanderen
TRAININGS = {
    "hbo-gent": ("HBO5 Verpleegkunde", "HBO", "HBO5 Verpleegkunde Gent", "Gent", 36, 38),
    "hbo-aalst": ("HBO5 Verpleegkunde", "HBO", "HBO5 Verpleegkunde Aalst", "Aalst", 36, 38),
    "grad-ortho": ("Graduaat Orthopedagogische begeleiding", "HBO", "Odisee", "Aalst", 24, 36),
    "pba-vp-gent": ("Bachelor in de verpleegkunde", "PBA", "HOGENT", "Gent", 36, 38),
    "pba-vp-aalst": ("Bachelor in de verpleegkunde", "PBA", "Odisee", "Aalst", 36, 38),
    "pba-em": ("Bachelor in de elektromechanica", "PBA", "HOGENT", "Gent", 36, 36),
    "pba-ti": ("Bachelor in de toegepaste informatica", "PBA", "HOGENT", "Gent", 36, 36),
    "bso-zorg": ("7BSO Verzorging (zorgkundige)", "7BSO", "Zorgcampus Gent", "Gent", 12, 32),
    "bso-kind": ("7BSO Kinderzorg", "7BSO", "Zorgcampus Aalst", "Aalst", 12, 32),
    "sense-el": ("Se-n-Se Elektrische installaties", "SENSE", "Technicum Gent", "Gent", 12, 32),
    "sense-koel": ("Se-n-Se Koel- en warmtetechnieken", "SENSE", "Technicum Gent", "Gent", 12, 32),
    "tko": ("Diploma secundair onderwijs", "TKO", "CVO Vitant", "Gent", 24, 30),
}
INACTIVE_TRAININGS = {"sense-koel"}

# As the training guide has them. key: (mode, shortage occupation, field of study); the
# shortage list is this year's.
CATALOGUE = {
    "hbo-gent": ("mixed", "Verpleegkundige", "Gezondheidszorg"),
    "hbo-aalst": ("school", "Verpleegkundige", "Gezondheidszorg"),
    "grad-ortho": ("school", "Opvoeder-begeleider", "Sociaal-agogisch werk"),
    "pba-vp-gent": ("school", "Verpleegkundige", "Gezondheidszorg"),
    "pba-vp-aalst": ("school", "Verpleegkundige", "Gezondheidszorg"),
    "pba-em": ("school", "Technicus elektromechanica", "Industriële wetenschappen"),
    "pba-ti": ("school", "Informaticus", "Handelswetenschappen en bedrijfskunde"),
    "bso-zorg": ("mixed", "Zorgkundige", "Personenzorg"),
    "bso-kind": ("school", "Begeleider kinderopvang", "Personenzorg"),
    "sense-el": ("mixed", "Elektrotechnicus", "Elektriciteit"),
    "sense-koel": ("school", "Koeltechnicus", "Mechanica-elektriciteit"),
    "tko": ("school", "", "Algemene vorming"),
}
# Start moments, in weeks from today: (training, weeks, location or "" = the training's,
# places available or None = unknown). The trainings without any (pba-em, tko) stay offered;
# bso-kind's last start moment has passed, so it is no longer offered.
START_MOMENTS = [
    ("hbo-gent", -40, "", 0),
    ("hbo-gent", 10, "", 12),
    ("hbo-gent", 36, "Campus Melle", None),
    ("hbo-aalst", -12, "", 3),
    ("hbo-aalst", 40, "", 16),
    ("grad-ortho", 12, "", 8),
    ("pba-vp-gent", 9, "", 20),
    ("pba-vp-aalst", 9, "", 0),
    ("pba-vp-aalst", 40, "", None),
    ("pba-ti", 42, "", 10),
    ("bso-zorg", 1, "", 4),
    ("bso-zorg", 40, "Zorgcampus Gent, site Sint-Amandsberg", 15),
    ("bso-kind", -64, "", 0),
    ("bso-kind", -12, "", 2),
    ("sense-el", 40, "", 12),
]
# Info sessions, in days from today at an hour: (training, days, hour, online, place).
INFO_SESSIONS = [
    ("hbo-gent", 9, 18, False, "HBO5 Verpleegkunde Gent, Kerkstraat 1, Gent"),
    ("hbo-gent", 23, 19, True, ""),
    ("hbo-aalst", -5, 18, False, "HBO5 Verpleegkunde Aalst, Stationsplein 4, Aalst"),
    ("grad-ortho", 14, 17, True, "Odisee, Kwalestraat 154, Aalst"),
    ("pba-ti", 30, 19, True, ""),
    ("bso-zorg", 4, 10, False, "VDAB-werkwinkel Gent, Kongostraat 7"),
    ("sense-el", 21, 18, False, "Technicum Gent, Kastanjestraat 21"),
]

POSTCODES = {
    "9000": "Gent",
    "9030": "Mariakerke",
    "9032": "Wondelgem",
    "9040": "Sint-Amandsberg",
    "9050": "Ledeberg",
    "9300": "Aalst",
    "9308": "Hofstade",
    "9320": "Erembodegem",
}

# key (g: OCMW Gent, a: OCMW Aalst): (first name, last name, gender, birth date, street, postcode)
CLIENTS = {
    "g0": ("Yasmina", "El Amrani", "V", "1996-03-14", "Dampoortstraat 12", "9000"),
    "g1": ("Jonas", "Van Damme", "M", "2003-07-22", "Sleepstraat 45", "9000"),
    "g2": ("Mehmet", "Yılmaz", "M", "1982-11-05", "Wondelgemstraat 88", "9000"),
    "g3": ("Grace", "Mukendi", "V", "1979-05-30", "Antwerpsesteenweg 401", "9040"),
    "g4": ("Sarah", "De Clercq", "V", "1991-01-09", "Brugsesteenweg 210", "9030"),
    "g5": ("Ahmad", "Ahmadi", "M", "2001-09-18", "Hundelgemsesteenweg 5", "9050"),
    "g6": ("Lieve", "Verstraete", "V", "1968-04-02", "Botestraat 23", "9032"),
    "g7": ("Omar", "Bouzid", "M", "1988-12-27", "Bernard Spaelaan 17", "9000"),
    "g8": ("Ewa", "Kowalska", "V", "1985-06-11", "Francisco Ferrerlaan 102", "9000"),
    "g9": ("Kevin", "Martens", "M", "1999-02-03", "Land van Waaslaan 64", "9040"),
    "g10": ("Fatma", "Demir", "V", "1993-08-16", "Rabotstraat 31", "9000"),
    "g11": ("Samuel", "Tesfay", "M", "1997-10-21", "Jozef Guislainstraat 9", "9000"),
    "g12": ("Nadia", "Benali", "V", "2004-05-08", "Meulestedekaai 54", "9000"),
    "g13": ("Dirk", "Goossens", "M", "1966-09-29", "Oudenaardsesteenweg 77", "9000"),
    "g14": ("Amina", "Diallo", "V", "1990-12-12", "Frans Van Ryhovelaan 140", "9000"),
    "g15": ("Bram", "Claeys", "M", "1995-04-25", "Kortrijksesteenweg 356", "9000"),
    "g16": ("Rania", "Al-Hassan", "V", "1987-07-07", "Tweebruggenstraat 8", "9000"),
    "g17": ("Ionuț", "Popescu", "M", "1983-03-19", "Dendermondsesteenweg 240", "9040"),
    "g18": ("Charlotte", "Wouters", "V", "2000-11-30", "Sint-Salvatorstraat 7", "9000"),
    "g19": ("Jean-Pierre", "Kabongo", "M", "1974-02-14", "Vogelenzang 19", "9050"),
    "g20": ("Marie-Claire", "Ntumba", "V", "1984-10-03", "Kasteellaan 66", "9000"),
    "a0": ("Hanne", "De Smedt", "V", "1998-06-06", "Molenstraat 14", "9300"),
    "a1": ("Youssef", "Amrani", "M", "2002-01-15", "Kattestraat 56", "9300"),
    "a2": ("Marleen", "Van der Linden", "V", "1969-03-03", "Gentsesteenweg 120", "9300"),
    "a3": ("Emre", "Kaya", "M", "1992-09-09", "Zwarte Zustersstraat 9", "9300"),
    "a4": ("Nathalie", "Cooreman", "V", "1980-10-10", "Erembodegem-Dorp 33", "9320"),
    "a5": ("Tom", "Van Hecke", "M", "1986-05-17", "Hofstadestraat 4", "9308"),
    "a6": ("Asma", "Haddou", "V", "1995-11-23", "Sint-Jobstraat 21", "9300"),
    "a7": ("Mustafa", "Osman", "M", "1978-08-01", "Leopoldlaan 88", "9300"),
    "a8": ("Elke", "Schollaert", "V", "2005-02-20", "Geraardsbergsestraat 150", "9300"),
    "a9": ("Desislava", "Petrova", "V", "1989-04-14", "Ledebaan 47", "9300"),
    "a10": ("Ayoub", "El Idrissi", "M", "2001-06-29", "Moorselbaan 12", "9300"),
}

# The client who withdraws the consent to share data with VDAB, yesterday: two days after
# the formal agreement of her referral 31 (VDAB's counsellor is told, her pages say so).
CONSENT_WITHDRAWN_BY = "g4"

# Temporary work experience (article 60): (client, start, end or "" = ongoing, workplace).
# g20's is ongoing, so her candidacy cannot get a formal agreement.
WORK_EXPERIENCES = [
    ("g7", "2022-03-01", "2024-02-29", "Kringwinkel Gent, sorteerafdeling"),
    ("a3", "2022-06-01", "2024-05-31", "Stad Aalst, groendienst"),
    ("g19", "2023-04-03", "2025-03-31", "Sociaal restaurant De Buurtkeuken, Gent"),
    ("g20", "2026-03-02", "", "Lokaal dienstencentrum, OCMW Gent"),
]

# Referrals that reached the training. The caseworker agreed twelve weeks before the start,
# the intake followed two weeks later. end "" = still in training, closed by "" = not closed.
# (n, client, training, start, end, result, guidance continued by, at work after 3/6/9/12 m)
STARTED = [
    (1, "g6", "bso-zorg", "2024-09-02", "2025-06-27", "passed", "vdab", "yyyy"),
    (2, "g1", "sense-el", "2024-09-02", "2025-06-27", "passed", "ocmw", "nyyy"),
    (3, "g3", "hbo-gent", "2024-02-12", "2024-11-29", "stopped_early", "ocmw", ""),
    (4, "a3", "pba-vp-aalst", "2024-09-23", "2025-12-15", "stopped_employment", "vdab", "yyny"),
    (5, "a0", "bso-kind", "2024-09-02", "2025-06-27", "failed", "ocmw", ""),
    (7, "g15", "tko", "2024-09-16", "2026-06-19", "passed", "vdab", "yyyy"),
    (8, "g12", "hbo-gent", "2025-02-10", "2025-06-13", "stopped_early", "vdab", ""),
    (9, "g9", "bso-zorg", "2025-09-01", "2026-06-26", "passed", "", "nyyy"),
    (10, "a8", "bso-kind", "2025-09-01", "2026-02-20", "stopped_early", "", ""),
    (11, "g17", "pba-ti", "2025-09-22", "2026-03-13", "stopped_early", "", ""),
    (12, "a5", "hbo-aalst", "2024-09-16", "2025-02-07", "stopped_early", "", ""),
    (13, "g16", "hbo-gent", "2025-02-10", "2026-05-29", "stopped_employment", "", "yyyy"),
    (14, "g13", "sense-el", "2025-09-01", "2026-01-16", "stopped_early", "", ""),
    (15, "g0", "hbo-gent", "2024-09-16", "", "", "", ""),
    (16, "g5", "pba-em", "2025-09-22", "", "", "", ""),
    (17, "g19", "tko", "2025-09-15", "", "", "", ""),
    (18, "a2", "grad-ortho", "2025-09-22", "", "", "", ""),
    (19, "a4", "pba-vp-aalst", "2026-02-09", "", "", "", ""),
    (20, "g12", "pba-vp-gent", "2025-09-22", "", "", "", ""),
    (21, "g15", "pba-ti", "2026-09-21", "", "", "", ""),
    (22, "g10", "bso-zorg", "2026-09-07", "", "", "", ""),
]
# What an end obtained where it is not what the result says (passed: the diploma on the end
# date; otherwise nothing): n -> (obtained, on). The professional bachelor who left for a job
# took a certificate of the first year with them; the TKO diploma came after the deliberation.
OBTAINED = {
    4: (Obtained.PARTIAL, "2025-06-30"),
    7: (Obtained.DIPLOMA, "2026-07-03"),
}
# School years that did not go as planned (the others are passed, and the last one of an
# early end is stopped): n -> {first calendar year: result}.
SCHOOL_YEARS = {
    15: {2025: SchoolYearResult.REPEATS},
    13: {2024: SchoolYearResult.REPEATS},
}
STOP_REASONS = {
    3: StopReason.ILLNESS,
    8: StopReason.OTHER_COMPELLING,
    10: StopReason.MATERNITY,
    11: StopReason.MOVED,
    12: StopReason.INSUFFICIENT_PROGRESS,
    14: StopReason.NO_VALID_REASON,
}
# Interruptions during the training: (reason, first day in days after the start, or before
# today when negative, days it lasted; None: it still lasts), recorded by the OCMW or VDAB.
INTERRUPTIONS = {
    7: ("personal", 150, 10, "ocmw"),  # resumed, long before the end
    16: ("illness", 56, 21, "vdab"),  # resumed
    17: ("maternity", -24, None, "ocmw"),  # interrupted now
}
INTERRUPTION_NOTES = {
    "personal": "Overlijden in de familie; twee weken vrij in overleg met de school.",
    "illness": "Gebroken enkel na een val; doktersattest voor drie weken ontvangen.",
    "maternity": "Moederschapsrust; de school houdt de plaats vrij tot na de verlof.",
}

# Referrals still on their way, dated relative to today so the dashboard stays current:
# (n, client, training, state, agreed, intake, probable start) in days ago ("" = none).
# a6's probable start has passed and g2's intake is overdue, so both show up as overdue.
ON_THEIR_WAY = [
    (23, "g8", "hbo-gent", "admitted", 45, 30, -75),
    (24, "a6", "grad-ortho", "admitted", 60, 42, 12),
    (25, "g14", "pba-vp-gent", "admitted", 35, 21, -75),
    (26, "g18", "sense-el", "intake_planned", 12, -6, ""),
    (27, "a7", "hbo-aalst", "intake_planned", 20, -2, ""),
    (28, "g2", "pba-em", "intake_planned", 30, 3, ""),
    (29, "g11", "pba-ti", "agreed", 4, "", ""),
    (30, "a9", "bso-kind", "agreed", 18, "", ""),
    (31, "g4", "hbo-gent", "agreed", 2, "", ""),
]

# Referrals that stopped before a training, or have not got far: (n, client, training, state,
# agreed on or ""); the intake came two weeks after agreeing, the probable start ten weeks later.
BEFORE_TRAINING = [
    (6, "g7", "hbo-gent", "closed", "2025-03-10"),
    (32, "a1", "pba-vp-aalst", "not_admitted", "2026-08-24"),
    (33, "g3", "hbo-gent", "not_admitted", "2026-09-14"),
    (34, "g10", "pba-vp-gent", "declined", ""),
    (35, "g13", "pba-ti", "declined", ""),
    (36, "g9", "sense-el", "withdrawn", ""),
    (37, "g14", "hbo-gent", "withdrawn", "2025-01-06"),
    (38, "a9", "hbo-aalst", "withdrawn", "2025-05-26"),
    (39, "g5", "pba-ti", "withdrawn", "2024-06-17"),
    (40, "a5", "sense-el", "informed", ""),
    (41, "g7", "tko", "informed", ""),
    (42, "a0", "grad-ortho", "informed", ""),
    (43, "g20", "hbo-gent", "candidate", ""),
    (44, "a1", "tko", "candidate", ""),
    (45, "a10", "pba-vp-aalst", "candidate", ""),
]
WITHDRAWN_FROM = {
    36: State.CANDIDATE,
    37: State.AGREED,
    38: State.INTAKE_PLANNED,
    39: State.ADMITTED,
}
REASONS = {
    6: "Nederlands nog onvoldoende voor de theorie (NT2 richtniveau 2.4 nodig). "
    "Advies: eerst secundair volwassenenonderwijs.",
    32: "Toelatingsproef wiskunde en wetenschappen niet gehaald. Advies: eerst het diploma "
    "secundair onderwijs via het secundair volwassenenonderwijs.",
    33: "De arbeidsgeneesheer raadt na de ziekteperiode fysiek zwaar werk in de zorg af; "
    "een andere richting wordt samen met het OCMW bekeken.",
    34: "Eerst het NT2-traject (richtniveau 2.4) afwerken; verpleegkunde opnieuw bekijken in 2026.",
    35: "Een bachelor van drie jaar is nu niet haalbaar naast de mantelzorg voor zijn moeder; "
    "een kortere Se-n-Se-opleiding past beter.",
    36: "Cliënt kiest na het infomoment toch voor de zorgsector.",
    37: "Geen kinderopvang gevonden voor de start in februari.",
    38: "Cliënte kreeg een vast contract als poetshulp en wil dat niet opgeven.",
    39: "Cliënt verhuist tijdelijk naar familie in Brussel; kandidatuur ingetrokken.",
}
# Candidacies the counsellor registered (the client applied through the training guide).
REGISTERED_BY_VDAB = {2, 11, 22, 27, 31, 34, 42, 43, 45}

HANDOVER_NOTES = [
    "Gemotiveerd en betrouwbaar; graag telefonisch contact bij afwezigheden.",
    "Alleenstaande ouder van twee kinderen: kinderopvang is het aandachtspunt.",
    "Schuldbemiddeling loopt via het OCMW; een stabiel budget is belangrijk om vol te houden.",
    "Spreekt vlot Nederlands, schrijft het minder vlot; taalondersteuning aanbevolen.",
    "Brak eerder een opleiding af om gezondheidsredenen; nu stabiel, volgt de huisarts op.",
]
SCREENINGS = [
    {
        "motivation": "Wil al jaren in dit vak werken; deed vrijwilligerswerk in de sector.",
        "preconditions": "Kinderopvang geregeld via de grootouders; komt met de fiets.",
        "path_fit": "Knelpuntberoep met veel vacatures in de regio; past in het GPMI.",
        "learning_ability": "Toetsen Nederlands en rekenen vlot gehaald.",
    },
    {
        "motivation": "Wil een diploma om uit de opeenvolgende interimjobs te raken.",
        "preconditions": "Abonnement De Lijn aangevraagd; leefloon blijft behouden.",
        "path_fit": "Sluit aan bij eerdere werkervaring; realistisch beeld na een snuffelstage.",
        "learning_ability": "Voldoende; extra ondersteuning aangeraden voor wiskunde.",
    },
    {
        "motivation": "Sterk gemotiveerd na het infomoment; diende zelf de kandidatuur in.",
        "preconditions": "Leefloon met gezinslast: aanmoedigingspremie besproken.",
        "path_fit": "Duidelijk beroepsdoel; werkgevers in de buurt zoeken dit profiel.",
        "learning_ability": "Goed leervermogen; buitenlands diploma, gelijkwaardigheid loopt.",
    },
]
PROGRESS_NOTES = [
    "Goed gestart: aanwezigheden in orde en eerste toetsen positief.",
    "Vlotte start in de praktijklessen; de theorie vraagt nog extra inzet.",
    "Eerste stage positief geëvalueerd door de mentor.",
]
SUPPORT_NOTES = [
    "Terugbetaling van kinderopvang en verplaatsingen bij VDAB aangevraagd en in orde.",
    "Leefloon en opleidingspremie afgestemd; het budget blijft sluitend.",
    "Laptop aangekocht via het OCMW-fonds voor schoolkosten.",
]
WARNING_NOTES = {
    StopReason.ILLNESS: "Sinds begin november ziek gemeld; stopzetting wordt besproken.",
    StopReason.OTHER_COMPELLING: "Zware familiale situatie (zorg voor een broer); "
    "overweegt te stoppen.",
    StopReason.MATERNITY: "Zwangerschap met complicaties gemeld; de opleiding wordt onderbroken.",
    StopReason.MOVED: "Verhuist naar Limburg; de school ligt dan te ver.",
    StopReason.INSUFFICIENT_PROGRESS: "Resultaten eerste semester onvoldoende; "
    "de klassenraad twijfelt.",
    StopReason.NO_VALID_REASON: "Al drie weken afwezig zonder verwittiging; "
    "reageert niet op oproepen.",
    EndResult.STOPPED_EMPLOYMENT: "Kreeg een vast contract aangeboden; "
    "stopzetting wegens werk besproken.",
}


# --- helpers ---------------------------------------------------------------------------------


def insz(birth: datetime.date, serial: int) -> str:
    """A valid Belgian national number: yymmdd, a serial (odd: man) and the check digits."""
    first9 = f"{birth:%y%m%d}{serial:03d}"
    check = 97 - int(("2" if birth.year >= 2000 else "") + first9) % 97
    return f"{first9}{check:02d}"


def ocmw_key(client_key: str) -> str:
    """The OCMW of a demo client, by the first letter of its key (see CLIENTS)."""
    return "gent" if client_key.startswith("g") else "aalst"


def mail_name(first: str, last: str) -> str:
    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(c for c in text.lower() if c.isalnum())

    return f"{plain(first)}.{plain(last)}"


def day(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def at(on: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(hour, 30)))


WEEK = datetime.timedelta(days=7)
