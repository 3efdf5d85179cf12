"""The retention: pseudonymising the clients whose last referral ended years ago.

A client is due (`clients_due_for_retention`) when every referral of theirs reached a final
state (`FINAL_STATES`: closed, declined, withdrawn) more than OKOT_RETENTION_YEARS ago and no
temporary work experience of theirs runs or ended since; a client never referred, when their
file has not changed for as long (they are in no figure, and nothing here serves them any
more). A person who is a client of several OCMWs (one INSZ) is due only when all those
clients are, and those clients are pseudonymised together (see `insz_marker`).

Pseudonymising (`clients_pseudonymise`) removes what points at the person and keeps what the
figures read (`referrals.reports`), so that every table stays what it was:

- the client's names become PSEUDONYM, the INSZ a marker, the birth date goes (each started
  referral keeps the age at its start, `Referral.age_at_start`, computed by the very SQL the
  age bands use), and every other text (contact details, VDAB number, notes) is emptied;
  gender, OCMW and dates stay;
- the referrals' free texts (`REFERRAL_TEXTS`) are emptied; dates, results, reason codes and
  outflow check-ups stay, and so does `external_id`, without which an old import file would
  import the trajectories a second time;
- the history lines lose the same texts (`HistoryQuerySet.scrub`); guidance notes,
  interruptions, VDAB's candidacies, temporary work experiences and documents their typed
  text (`RELATED_TEXTS`); the documents' files are deleted from the storage; the messages
  about the referrals theirs (the notifications hear `clients_pseudonymised`);
- each client gets an audit row, in the same transaction."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from audit import trail
from webhooks.retention import forget_old_deliveries

from ..enums import FINAL_STATES
from ..models import (
    Candidacy,
    Client,
    Consent,
    Document,
    GuidanceNote,
    ImportJob,
    Interruption,
    Referral,
    ReferralEvent,
    TemporaryWorkExperience,
)
from ..reports.expressions import AgeAt
from ..signals import clients_pseudonymised
from .documents import delete_files_on_commit

# What a removed name (and any other removed text that may not be empty) becomes.
PSEUDONYM = "—"
# Clients pseudonymised per transaction: a large run never holds its locks for long.
BATCH = 200


def _texts(model: type[models.Model], *, kept: Iterable[str] = ()) -> list[str]:
    """The model's free-text columns (text without choices): a new one is removed too."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
        and not f.choices
        and f.name not in kept
    ]


# The client's texts: names, INSZ, contact details, VDAB number, notes (gender has choices).
CLIENT_TEXTS = _texts(Client)
# The referral's typed texts: the caseworker's contact, handover notes, reasons, screening,
# places. `external_id` stays (see above); state, results and reason codes have choices.
REFERRAL_TEXTS = _texts(Referral, kept=["external_id"])
# Other rows about a client that hold typed text: the lookup from them to the client, and
# what their texts become. A new model with such text is one line here.
RELATED_TEXTS = (
    (TemporaryWorkExperience, "client", {"employer": ""}),
    (Consent, "client", {"document_reference": ""}),
    (GuidanceNote, "referral__client", {"note": ""}),
    (Interruption, "referral__client", {"note": ""}),
    # A document's file goes too (`_forget_files`); kind, size, type, who and when stay.
    (Document, "referral__client", {"original_name": "", "description": "", "sha256": ""}),
    (
        Candidacy,
        "referral__client",
        {"insz": "", "first_name": PSEUDONYM, "last_name": PSEUDONYM},
    ),
)


def retention_cutoff(now: datetime.datetime, years: int) -> datetime.datetime:
    """The moment `years` before `now` (29 February: the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _due(cutoff: datetime.datetime) -> Q:
    """A client (the query's row, or a subquery's) whose data may go at `cutoff`."""
    referrals = Referral.objects.filter(client=OuterRef("pk"))
    still_used = referrals.filter(~Q(state__in=FINAL_STATES) | Q(state_changed_at__gte=cutoff))
    experiences = TemporaryWorkExperience.objects.filter(client=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate(cutoff))
    )
    return (
        Q(pseudonymised_at__isnull=True)
        & ~Exists(still_used)
        & ~Exists(experiences)
        & (Exists(referrals) | Q(updated_at__lt=cutoff))
    )


def clients_due_for_retention(
    now: datetime.datetime | None = None, *, years: int | None = None
) -> models.QuerySet:
    """The clients to pseudonymise at `now`, after `years` (OKOT_RETENTION_YEARS)."""
    cutoff = retention_cutoff(now or timezone.now(), _years(years))
    # The same person at another OCMW, still kept: then this client waits too, or the count
    # of unique persons in the figures would change.
    kept_twin = (
        Client.objects.filter(insz=OuterRef("insz"), pseudonymised_at__isnull=True)
        .exclude(pk=OuterRef("pk"))
        .exclude(_due(cutoff))
    )
    return Client.objects.filter(_due(cutoff)).exclude(Exists(kept_twin))


def insz_marker(first_pk: int) -> str:
    """What replaces a pseudonymised client's INSZ: never a national number (not digits
    only), unique within an OCMW, and shared by the clients of one person (`first_pk` is
    the lowest of their ids), who are in different OCMWs."""
    return f"~{first_pk}"


def client_pseudonymise(*, client: Client, now: datetime.datetime | None = None) -> int:
    """Pseudonymise one client (see `clients_pseudonymise`); how many referrals it had."""
    return clients_pseudonymise(clients=[client], now=now)


@transaction.atomic
def clients_pseudonymise(*, clients: Sequence[Client], now: datetime.datetime | None = None) -> int:
    """Remove these clients' personal data and keep their figures (module docstring);
    clients pseudonymised already are left alone. A person's clients (one INSZ) come in
    one call, so that they share their marker. How many referrals they had; the objects
    passed are not changed (refresh them)."""
    # Read again, locked: whatever the objects passed say, a client is pseudonymised once.
    clients = list(
        Client.objects.select_for_update(of=("self",))
        .filter(pk__in=[client.pk for client in clients], pseudonymised_at__isnull=True)
        .order_by("pk")
    )
    return _pseudonymise_locked(clients, now or timezone.now())


def _pseudonymise_locked(clients: list[Client], now: datetime.datetime) -> int:
    """`clients_pseudonymise` of clients read locked, none pseudonymised yet."""
    if not clients:
        return 0
    ids = [client.pk for client in clients]
    referrals = Referral.objects.filter(client_id__in=ids)
    per_client = Counter(referrals.values_list("client_id", flat=True))
    referral_ids = list(referrals.values_list("pk", flat=True))
    # First the age at the start, while the birth date is there: one UPDATE, by the SQL
    # expression of the age bands (reports.expressions.AgeAt).
    age = Client.objects.filter(pk=OuterRef("client_id")).values(
        age=AgeAt(OuterRef("start_date"), "birth_date")
    )
    referrals.filter(start_date__isnull=False, age_at_start__isnull=True).update(
        age_at_start=Subquery(age[:1])
    )
    Referral.objects.filter(pk__in=referral_ids).update(**dict.fromkeys(REFERRAL_TEXTS, ""))
    ReferralEvent.objects.filter(referral_id__in=referral_ids).scrub(REFERRAL_TEXTS)
    _forget_files(referral_ids)
    for model, to_client, blanks in RELATED_TEXTS:
        model.objects.filter(**{f"{to_client}__in": ids}).update(**blanks)
    _forget_admin_log(ids, referral_ids)
    clients_pseudonymised.send(sender=Client, client_ids=ids, referral_ids=referral_ids)
    first_of_person = {}
    for client in clients:  # by id
        first_of_person.setdefault(client.insz, client.pk)
    for client in clients:
        marker = insz_marker(first_of_person[client.insz])
        for name in CLIENT_TEXTS:
            setattr(client, name, "")
        client.first_name = client.last_name = PSEUDONYM
        client.insz = marker
        client.birth_date = None
        client.pseudonymised_at = now
    # bulk_update, not save(): save derives birth date and gender from the INSZ.
    Client.objects.bulk_update(clients, [*CLIENT_TEXTS, "birth_date", "pseudonymised_at"])
    for client in clients:
        trail.record(
            trail.Kind.RETENTION, client=client, detail={"referrals": per_client[client.pk]}
        )
    return len(referral_ids)


def _forget_files(referral_ids: list[int]) -> None:
    """The documents' files of these referrals are deleted from the storage once the
    pseudonymisation commits (should it roll back, they stay with their rows)."""
    documents = Document.objects.filter(referral_id__in=referral_ids).exclude(file="")
    names = list(documents.values_list("file", flat=True))
    documents.update(file="")
    delete_files_on_commit(names)


def _forget_admin_log(client_ids: list[int], referral_ids: list[int]) -> None:
    """Django admin's own log names what it changed by its `str()` (a client's name, a
    referral's "name → training"): those names go too; what was done, when and by whom stay."""
    rows_of = {
        Client: client_ids,
        Referral: referral_ids,
        **{
            model: list(
                model.objects.filter(**{f"{to_client}__in": client_ids}).values_list(
                    "pk", flat=True
                )
            )
            for model, to_client, _blanks in RELATED_TEXTS
        },
    }
    for model, pks in rows_of.items():
        if pks:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in pks],
            ).update(object_repr=PSEUDONYM)


# --- the whole run ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueClient:
    """A client the run pseudonymises, as the dry run lists it: no name, no number."""

    pk: int
    ocmw: str
    referrals: int
    last_closed: datetime.datetime | None  # None: never referred
    last_changed: datetime.datetime


@dataclass
class Retention:
    cutoff: datetime.datetime
    years: int
    dry_run: bool
    clients: list[DueClient] = field(default_factory=list)
    candidacies: int = 0  # unlinked candidacies whose typed name and INSZ went
    import_jobs: int = 0  # import jobs whose error messages went
    stale_open: int = 0  # open referrals unchanged since the cutoff: their clients stay
    # The audit trail's own retention and the login records' (`audit.trail.purge_expired`),
    # the webhook deliveries' (`webhooks.retention`): rows deleted, or that would be, by
    # model label.
    purged: dict[str, int] = field(default_factory=dict)

    @property
    def referrals(self) -> int:
        return sum(client.referrals for client in self.clients)

    @property
    def purged_rows(self) -> str:
        """`purged` in one line, for the command and the log: "audit.Entry 3, …"."""
        return ", ".join(f"{label} {count}" for label, count in sorted(self.purged.items())) or "0"


def apply_retention(
    *,
    now: datetime.datetime | None = None,
    years: int | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH,
) -> Retention:
    """Pseudonymise every client due, `batch_size` per transaction, and clear what else is
    older than the cutoff: candidacies that registered nothing, import errors; then the
    own retention of the audit trail, the login records and the webhook deliveries (their
    own settings). Running it
    again changes nothing; a dry run writes nothing and says what a run would do."""
    now = now or timezone.now()
    years = _years(years)
    cutoff = retention_cutoff(now, years)
    due = list(
        clients_due_for_retention(now, years=years)
        .annotate(last_closed=Max("referrals__state_changed_at"), count=Count("referrals"))
        .order_by("pk")
        .values_list("pk", "insz", "ocmw__name", "count", "last_closed", "updated_at")
    )
    result = Retention(
        cutoff=cutoff,
        years=years,
        dry_run=dry_run,
        stale_open=Referral.objects.open().filter(state_changed_at__lt=cutoff).count(),
    )
    listed = {
        pk: DueClient(pk, ocmw, count, closed, changed)
        for pk, _i, ocmw, count, closed, changed in due
    }
    if dry_run:
        result.clients = list(listed.values())
        result.candidacies = _old_candidacies(cutoff).count()
        result.import_jobs = len(_import_errors_cleared(cutoff, dry_run=True))
        result.purged = _purge_expired(now, dry_run=True)
        return result
    for pks in _batches(due, batch_size):
        with transaction.atomic():
            # Again, locked: a referral registered since the list was made keeps its client.
            clients = list(
                clients_due_for_retention(now, years=years)
                .filter(pk__in=pks)
                .select_for_update(of=("self",))
                .order_by("pk")
            )
            _pseudonymise_locked(clients, now)
        result.clients += [listed[client.pk] for client in clients]
    result.candidacies = _old_candidacies(cutoff).update(
        insz="", first_name=PSEUDONYM, last_name=PSEUDONYM
    )
    result.import_jobs = len(_import_errors_cleared(cutoff))
    result.purged = _purge_expired(now)
    return result


def _purge_expired(now: datetime.datetime, *, dry_run: bool = False) -> dict[str, int]:
    """The rows kept for a term of their own, past it: the audit trail, the login records
    and the sent webhook deliveries."""
    return trail.purge_expired(now, dry_run=dry_run) | forget_old_deliveries(now, dry_run=dry_run)


def _years(years: int | None) -> int:
    return settings.OKOT_RETENTION_YEARS if years is None else years


def _batches(due: list[tuple], size: int) -> Iterator[list[int]]:
    """The due clients' ids, about `size` at a time, a person's clients (one INSZ) in one."""
    persons = defaultdict(list)
    for pk, insz, *_rest in due:
        persons[insz].append(pk)
    batch = []
    for pks in persons.values():
        batch += pks
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _old_candidacies(cutoff: datetime.datetime) -> models.QuerySet:
    """Candidacies older than the cutoff that registered no referral (refused by the limit):
    no client's pseudonymisation reaches them."""
    return Candidacy.objects.filter(referral__isnull=True, registered_at__lt=cutoff).exclude(
        insz="", first_name=PSEUDONYM, last_name=PSEUDONYM
    )


def _import_errors_cleared(cutoff: datetime.datetime, *, dry_run: bool = False) -> list[int]:
    """Empty the messages of the errors kept for imports older than the cutoff (they may
    quote what a row held); their lines and number stay. The jobs changed."""
    cleared = []
    for job in ImportJob.objects.filter(created_at__lt=cutoff, result__isnull=False).only("result"):
        errors = job.result.get("errors") or []
        if all(error.get("message") == PSEUDONYM for error in errors):
            continue
        job.result["errors"] = [{**error, "message": PSEUDONYM} for error in errors]
        if not dry_run:
            job.save(update_fields=["result"])
        cleared.append(job.pk)
    return cleared
