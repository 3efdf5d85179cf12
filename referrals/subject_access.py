"""Everything the application holds on one client, for their right of access (GDPR art. 15)
and to data portability (art. 20): a printable page and a JSON file in Django admin
(`referrals.admin.subject_access`).

What is collected is found, not listed. From the client, every relation that points at a
row already collected (a foreign key, one-to-one or many-to-many to it, in any app, hidden
`related_name="+"` ones too) is followed down to its rows, one query per relation whatever
the number of rows: a model added later with a path to the client is in the export without
a change here (a test generates the list of such models and holds the export to it).
Relations are never followed back up: what a row points at (a training, an organisation, a
user) is named, not collected, so that the walk cannot spread to other people's data; a user
is named with their organisation, never with more of their account.

Besides the walk: the candidacies VDAB typed with the client's national number that were
never linked to a referral (they are about this person too), the audit trail's rows about
the client or their referrals (who saw their data), and the other OCMWs' files with the same
national number (the same person, whose request the administrator answers there as well)."""

import datetime
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

from audit.models import Entry

from .models import Candidacy, Client, Referral

# Rows shared by many clients: named where a client's row points at them, never collected,
# even if one of them were to point at a client one day (its other clients' rows would follow).
SHARED_MODELS = frozenset(
    {
        settings.AUTH_USER_MODEL.lower(),
        "accounts.organisation",
        "referrals.training",
        "referrals.entrycondition",
    }
)

# Fields left out, by model: the delivery machinery of a message or a webhook call (a
# message's text is in `body`, the HTML version repeats it), and the address a reader of
# the trail came from (theirs, not the client's).
OMITTED_FIELDS = {
    "notifications.notification": {
        "body_html",
        "attempts",
        "last_error",
        "claimed_at",
        "next_attempt_at",
        "idempotency_key",
    },
    # The trail's rows here are about the client: which referral each is about says more
    # (a read of several narrowed to theirs: `narrowed`).
    "audit.entry": {"ip_address", "client_id", "client_ids"},
    # Which check-ups are recorded, as bits for Mijn werk: the check-ups themselves are there.
    "referrals.referral": {"checkups_recorded"},
    # A webhook call's delivery machinery; its payload (ids, states, dates) stays.
    "webhooks.delivery": {
        "attempts",
        "last_error",
        "claimed_at",
        "next_attempt_at",
        "queued_at",
        "response_status",
    },
}

# Section titles where the model's own name says too little to the person reading.
TITLES = {
    "audit.entry": gettext_lazy("Who read or changed the data (audit trail)"),
}

# A section with at most this many columns is one table with a row per record; a wider one
# is a table per record, a line per field (a referral has some forty fields).
ACROSS_MAX_COLUMNS = 10

EMPTY = "—"


@dataclass
class Section:
    """The rows of one model, by primary key in the order found."""

    model: type[models.Model]
    rows: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def title(self) -> str:
        return capfirst(TITLES.get(self.label, self.model._meta.verbose_name_plural))

    @property
    def columns(self) -> list[models.Field]:
        omitted = OMITTED_FIELDS.get(self.label, set())
        opts = self.model._meta
        return [
            f
            for f in [*opts.concrete_fields, *opts.many_to_many]
            if f.name not in omitted and not isinstance(f, models.BinaryField)
        ]

    def add(self, rows) -> list[models.Model]:
        """Add `rows`; those not there yet."""
        new = [row for row in rows if row.pk not in self.rows]
        self.rows.update((row.pk, row) for row in new)
        return new


@dataclass
class Collection:
    client: Client
    sections: list[Section]
    other_files: list[Client]


# --- collecting -------------------------------------------------------------------------------


def with_references(queryset: models.QuerySet, *, parent: str = "") -> models.QuerySet:
    """`queryset` with what its rows name fetched along (a user's organisation too), in one
    query and one per many-to-many field; `parent` is the foreign key the walk fills in."""
    opts = queryset.model._meta
    user_label = settings.AUTH_USER_MODEL.lower()
    joins = []
    for f in opts.concrete_fields:
        if f.is_relation and f.name != parent:
            joins.append(f.name)
            if f.related_model._meta.label_lower == user_label:
                joins.append(f"{f.name}__organisation")
    return queryset.select_related(*joins).prefetch_related(*(f.name for f in opts.many_to_many))


def child_relations(model) -> list:
    """The relations from rows of `model` down to the rows that point at them."""
    return [
        relation
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.is_relation
        and relation.auto_created
        and not relation.concrete
        # the table of a many-to-many field is the field's, shown with its row
        and not relation.related_model._meta.auto_created
        and relation.related_model._meta.label_lower not in SHARED_MODELS
    ]


def children(relation, parents: list[models.Model]) -> list[models.Model]:
    """The rows of `relation` that point at `parents`, in one query. A row of a foreign key
    gets its parent set, so that naming it asks nothing more of the database."""
    key = relation.field
    rows = with_references(relation.related_model._default_manager.all(), parent=key.name)
    rows = rows.filter(**{f"{key.name}__in": parents})
    if relation.many_to_many:
        return list(rows.distinct())
    by_key = {getattr(parent, key.target_field.attname): parent for parent in parents}
    rows = list(rows)
    for row in rows:
        setattr(row, key.name, by_key[getattr(row, key.attname)])
    return rows


def collect(client: Client) -> Collection:
    """Every row held on `client`, in sections by model, the client's first and the audit
    trail's last. A constant number of queries: one per relation with rows to follow, one
    per many-to-many field, and one for each of the extras."""
    sections = {Client: Section(Client)}
    sections[Client].add([client])
    pending = [(Client, [client])]
    while pending:
        model, parents = pending.pop(0)
        for relation in child_relations(model):
            child = relation.related_model
            first_reached = child not in sections
            section = sections.setdefault(child, Section(child))
            new = section.add(children(relation, parents))
            # A row that points at a client's row by a many-to-many field may point at
            # other people's too: its own children are not followed. A model is walked
            # once even without rows (no query then), so that each section shows.
            if not relation.many_to_many and (new or first_reached):
                pending.append((child, new))
    candidacies = sections.setdefault(Candidacy, Section(Candidacy))
    candidacies.add(
        with_references(Candidacy.objects.filter(insz=client.insz, referral__isnull=True))
    )
    referral_ids = list(sections[Referral].rows) if Referral in sections else []
    trail = Section(Entry)
    about = Entry.objects.about_client(client.pk) | Entry.objects.about_referrals(referral_ids)
    trail.add(narrowed(entry, client, referral_ids) for entry in with_references(about))
    other_files = Client.objects.filter(insz=client.insz).exclude(pk=client.pk)
    return Collection(
        client=client,
        sections=[*sections.values(), trail],
        other_files=list(other_files.select_related("ocmw")),
    )


def narrowed(entry: Entry, client: Client, referral_ids: list[int]) -> Entry:
    """A row of the trail as the client's file shows it: a read of several names their
    referrals only, not the other people it showed (the copy in memory; the row is never
    saved). Its clients too, should the file ever show them (OMITTED_FIELDS leaves them
    out: the rows are all the client's)."""
    if entry.client_ids is not None:
        entry.client_ids = [pk for pk in entry.client_ids if pk == client.pk]
    if entry.referral_ids is not None:
        entry.referral_ids = [pk for pk in entry.referral_ids if pk in referral_ids]
    return entry


# --- the JSON file ----------------------------------------------------------------------------


def reference(obj: models.Model) -> dict:
    """What a row names: a user by name and organisation (no more of the account), anything
    else by id and name."""
    if isinstance(obj, get_user_model()):
        organisation = str(obj.organisation) if obj.organisation_id else None
        return {"name": str(obj), "organisation": organisation}
    return {"id": obj.pk, "name": str(obj)}


def stored_value(obj: models.Model, f: models.Field):
    """A field's value as stored (codes, not labels), its references named."""
    if f.many_to_many:
        return [reference(target) for target in getattr(obj, f.name).all()]
    if f.is_relation:
        target = getattr(obj, f.name)
        return None if target is None else reference(target)
    value = f.value_from_object(obj)
    if isinstance(f, models.FileField):  # the file's name, not its content
        return value.name or None
    return value


def as_json(collection: Collection) -> dict:
    """The file: sections by model label, each row by field name; dates in ISO 8601 (by
    DjangoJSONEncoder)."""
    return {
        "client": collection.client.pk,
        "generated_at": timezone.now(),
        "other_client_files": [
            {"id": other.pk, "ocmw": str(other.ocmw)} for other in collection.other_files
        ],
        "sections": {
            section.label: [
                {f.name: stored_value(row, f) for f in section.columns}
                for row in section.rows.values()
            ]
            for section in collection.sections
        },
    }


# --- the page ---------------------------------------------------------------------------------


@dataclass
class PageRow:
    caption: str
    values: list[str]
    pairs: list[tuple[str, str]]


@dataclass
class PageSection:
    label: str
    title: str
    columns: list[str]
    rows: list[PageRow]
    across: bool


def shown_reference(obj: models.Model) -> str:
    if isinstance(obj, get_user_model()) and obj.organisation_id:
        return f"{obj} ({obj.organisation})"
    return str(obj)


def shown_value(obj: models.Model, f: models.Field) -> str:
    """A field's value as people read it: labels of codes, dates in the locale's format and
    the time zone's time, references by name."""
    if f.many_to_many:
        return "; ".join(shown_reference(t) for t in getattr(obj, f.name).all()) or EMPTY
    if f.is_relation:
        target = getattr(obj, f.name)
        return EMPTY if target is None else shown_reference(target)
    value = f.value_from_object(obj)
    if value is None or value == "" or value == {} or value == []:
        return EMPTY
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return str(value)


def page_sections(collection: Collection) -> list[PageSection]:
    """The sections as the page shows them: field labels and values as people read them."""
    result = []
    for section in collection.sections:
        columns = section.columns
        labels = [capfirst(f.verbose_name) for f in columns]
        verbose_name = capfirst(section.model._meta.verbose_name)
        rows = []
        for row in section.rows.values():
            values = [shown_value(row, f) for f in columns]
            rows.append(
                PageRow(f"{verbose_name}: {row}", values, list(zip(labels, values, strict=True)))
            )
        result.append(
            PageSection(
                label=section.label,
                title=section.title,
                columns=labels,
                rows=rows,
                across=len(columns) <= ACROSS_MAX_COLUMNS,
            )
        )
    return result
