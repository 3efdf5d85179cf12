"""The admin's searches of the referrals and of the rows that grow with them, at a million
referrals.

Django's search wants every word in one of the search fields: the client's names and national
number, the training's title or the referral's external id. That is one condition over three
joined tables, which no index answers: PostgreSQL joined and read every referral, for the
count, the page and the date hierarchy each (6 to 10 seconds at a million referrals).

The referrals found stay Django's (but for the short words: below); `ReferralSearchMixin`
narrows them first to the candidates that each table's own indexes find:
- the referrals of the clients who match every word (the clients' trigram and INSZ indexes),
- those of the trainings whose title holds a word (a few hundred trainings),
- those whose external id is a word (`referral_external_id_upper`).
Every referral Django's search finds is among them: either each word matched its client, or
some word matched its training or its external id. Words in more than `COMMON` of them
are looked for in the list's order instead, row by row.

Of those candidates it keeps what Django's condition keeps, asked of each table apart
(`referral_has`): Django's one `OR` over the three joined tables took PostgreSQL 10 ms to
plan for a word and 21-35 ms for two, for the count and again for the page (0.1 ms to run).

`RowSearchMixin` does the same for the rows of a referral, a client or a user (the history,
consents, messages, ...), with the rows' own texts.

A word's condition over the search fields, and the search of one or two letters, are in
`words`. In what follows, Django's search and its condition are Django's with that one
difference: a word of one or two letters where a part of the name or text starts."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, ForeignKey, OuterRef, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

from accounts.admin_paging import count_first

from ..models import Client, Referral, Training
from ..models.querysets import word_in
from .words import SHORT_WORDS, USER_PARTS, all_of, any_of, holds, search_words, through

# The national number by its first digits, as the app's search (`client_search`) compares
# it: an INSZ holds no letters, so Django's `^` (istartswith, UPPER() on both sides) found
# the same clients, through no index.
CLIENT_SEARCH_FIELDS = ["first_name", "last_name", "insz__startswith"]
REFERRAL_SEARCH_FIELDS = [
    *through("client", CLIENT_SEARCH_FIELDS),
    "training__title",
    "=external_id",
]
USER_SEARCH_FIELDS = ["username", "email"]

# Candidates read as ids first, up to this many: the query then names them, and PostgreSQL
# reads just those rows. (Left as a subquery, it guesses from the names' and titles'
# statistics that thousands may come back, and reads the whole table to join them.)
CANDIDATES_READ = 1000


def read_ids(ids: QuerySet) -> list | None:
    """The ids of the query `ids` as a list, if there are `CANDIDATES_READ` or fewer."""
    read = list(ids[: CANDIDATES_READ + 1])
    return read if len(read) <= CANDIDATES_READ else None


def keyed(ids: QuerySet, most: int) -> list | QuerySet | None:
    """The ids of the query `ids`: as a list if there are `CANDIDATES_READ` or fewer, else
    the query itself if there are `most` or fewer, else None (too many to look for by key:
    the list is then walked in its order, each row asked). Read in one query, up to
    `most` + 1 (at least `CANDIDATES_READ` + 1): a read and then a count found the first
    ones twice."""
    read = list(ids[: max(most, CANDIDATES_READ) + 1])
    if len(read) <= CANDIDATES_READ:
        return read
    return ids if len(read) <= most else None


def in_rows(key: str, rows: QuerySet) -> Q:
    """The rows whose foreign key `key` leads to one of `rows` (of a small table: users,
    organisations, subscriptions), read first as ids, so that the row's index of its key
    answers it beside the other fields of an `OR` (a subquery there is joined, and
    PostgreSQL reads every row to ask it); a query if there are more than `CANDIDATES_READ`,
    which PostgreSQL asks of each row from memory (a hashed subplan), without that index."""
    ids = rows.order_by().values_list("pk", flat=True)
    read = read_ids(ids)
    return Q(**{f"{key}__in": ids if read is None else read})


class EachRow(Exists):
    """An `EXISTS` that PostgreSQL asks of each row in turn, where a list is walked in its
    order: `OFFSET 0` keeps it as written (PostgreSQL does not flatten such a subquery:
    the optimisation fence its planner's comments name). Plain, it reads every row of the
    subquery that holds the word first, to look each row up in memory (a hashed subplan),
    which costs what walking saves: the referral admin searched for "an", 133,000
    clients, read them for the page and again for the count (0.3 s each).

    Of a queryset that is not sliced: Django's `LIMIT 1` then ends its SQL."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def client_has(word: str) -> Q:
    """A client whose name or national number holds `word` as `REFERRAL_SEARCH_FIELDS` say."""
    return holds(CLIENT_SEARCH_FIELDS, word)


def training_has(word: str) -> Q:
    return word_in("title", word)


def referral_has(word: str, exists: type[Exists] = Exists) -> Q:
    """Django's search condition over `REFERRAL_SEARCH_FIELDS` for a word (its client, its
    training or its external id holds it) over the referral's own row: its client and its
    training asked by key (`exists`; `EachRow` where the list is walked), each of one
    table, where Django joins the three tables and asks one `OR` of them all."""
    return (
        exists(Client.objects.filter(client_has(word), pk=OuterRef("client_id")))
        | exists(Training.objects.filter(training_has(word), pk=OuterRef("training_id")))
        | Q(external_id__iexact=word)
    )


def ids_holding(rows: QuerySet, has: Callable[[str], Q], words: list[str]) -> QuerySet:
    """The ids of the `rows` that hold every word (`has`)."""
    return rows.filter(*map(has, words)).order_by().values_list("pk", flat=True)


def client_ids(words: list[str]) -> QuerySet:
    """The clients whose names or national number hold every word."""
    return ids_holding(Client.objects.all(), client_has, words)


def candidates(words: list[str], clients) -> QuerySet:
    """The ids of the referrals Django's search could find for `words` (see above), of the
    `clients` (ids, or the query of `client_ids`); a referral may come twice."""
    trainings = Training.objects.filter(any_of(training_has(word) for word in words))
    external = any_of(Q(external_id__iexact=word) for word in words)
    ids = Referral.objects.order_by().values_list("pk", flat=True)
    return ids.filter(client__in=clients).union(
        ids.filter(training__in=trainings),
        # Never blank: the index holds only the referrals with an external id.
        ids.exclude(external_id="").filter(external),
        all=True,  # no duplicates removed, so that reading the first ones stops there
    )


# Beyond this many referrals that may hold the words (1% of Flanders'; at most as many
# clients, 1.25%), the referral admin walks its list in its order and asks each referral,
# and finds a page's hundred in a few thousand rows: reading them and sorting them took
# seconds (a first name every twelfth client has 2.0 -> 0.4 s, a word in every client's
# name 18 -> 0.2 s).
COMMON = 10_000
# Beyond this many, the admin's other lists walk theirs: up to it, PostgreSQL keeps the ids
# in memory to check each row against (a hashed subplan, in its 8 MB); beyond what fits, it
# reads them all again for every row (the history searched for a word every client's name
# holds: 5.5 minutes). It decides from the number it expects, which the names' statistics
# may put at a few times the real one: hence a mark well under what fits. Since a walked
# list is counted from the clients first (`count_clients_first`), walking costs about what
# reading the ids does from here on (the history searched for "Client 12", 11,111 clients:
# 0.34-0.41 s walked, 0.39-0.47 s read), and less beyond, where telling the two apart
# costs most (a first name every twelfth client has: 157 ms with the mark at 50,000, which
# the clients were counted up to, 97 ms at 10,000).
HASHED = COMMON


def referral_keys(words: list[str], most: int) -> list | QuerySet | None:
    """The `candidates` as `keyed` gives them, their clients read first. When those are
    too many, so are their referrals, which are then left unread; when they are more than
    are read, so are their referrals, which are then only counted (PostgreSQL joins every
    client found to read the first thousand: 0.4 s for a word every client's name holds)."""
    clients = keyed(client_ids(words), most)
    if clients is None:
        return None
    keys = candidates(words, clients)
    if isinstance(clients, list):
        return keyed(keys, most)
    return keys if keys[: most + 1].count() <= most else None


def count_clients_first(request, rows: QuerySet, words: list[str], path: str) -> None:
    """For a list searched for `words` that more referrals (clients) hold than are read,
    and whose rows may be more than the count's cap: its `rows` whose client (through the
    foreign keys `path`) holds every word are counted first (`count_first`), found from
    those clients (their trigram indexes) through the rows' indexes of their keys. When
    they pass the cap, the list, whose rows are found by asking each, is not counted (the
    history searched for a first name every twelfth client has: 0.7 s; the first 10,001
    lines of those clients' referrals, 73 ms)."""
    count_first(request, rows.filter(*(holds(CLIENT_SEARCH_FIELDS, word, path) for word in words)))


class ReferralSearchMixin:
    """For the referral admin: what Django's search finds, of the `candidates` (see above),
    or in the list's order if there are more than `COMMON`, each referral asked
    (`EachRow`), and then counted from the clients first (`count_clients_first`). Nothing
    is joined, so no referral comes twice."""

    search_fields = REFERRAL_SEARCH_FIELDS
    search_help_text = SHORT_WORDS

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        keys = referral_keys(words, COMMON)
        if keys is None:  # more than the count's cap may be found
            count_clients_first(request, queryset, words, "client")
            return queryset.filter(*(referral_has(word, EachRow) for word in words)), False
        return queryset.filter(pk__in=keys).filter(*map(referral_has, words)), False


def user_has(word: str) -> Q:
    return holds(USER_SEARCH_FIELDS, word, parts=USER_PARTS)


@dataclass(frozen=True)
class RelatedSearch:
    """What a row's search asks of the table its foreign key leads to: that table's search
    fields, a word's condition on one of its rows (given the `EXISTS` its subqueries take),
    the ids of those that may hold every word, as `keyed` gives them (of at most so many),
    and the way from one of its rows to its client, if it has one (a walked list is then
    counted from the clients first: `count_clients_first`)."""

    fields: list[str]
    has: Callable[[str, type[Exists]], Q]
    keys: Callable[[list[str], int], list | QuerySet | None]
    client_path: str | None


RELATED_SEARCHES = {
    "referrals.Referral": RelatedSearch(
        REFERRAL_SEARCH_FIELDS, referral_has, referral_keys, client_path="client"
    ),
    "referrals.Client": RelatedSearch(
        CLIENT_SEARCH_FIELDS,
        lambda word, exists: client_has(word),
        lambda words, most: keyed(client_ids(words), most),
        client_path="",
    ),
    settings.AUTH_USER_MODEL: RelatedSearch(
        USER_SEARCH_FIELDS,
        lambda word, exists: user_has(word),
        lambda words, most: keyed(
            ids_holding(get_user_model().objects.all(), user_has, words), most
        ),
        client_path=None,
    ),
}


class RowSearchMixin:
    """For the admin of rows that grow with the referrals (a referral's history, notes, ...;
    a client's consents, temporary work; a user's messages): what Django's search finds
    with `search_fields`, which are those of the table their foreign key `search_through`
    leads to (`RELATED_SEARCHES`: a referral's as its admin searches them, a client's names
    and national number, a user's name and e-mail address), then the row's own
    `search_texts` (each a field of its own, as Django names a search field). Django's
    condition is one `OR` over the joined tables, which no index answers: PostgreSQL joined
    and read every line of the history to find a client's (15 s at a million referrals).

    Of the candidates, it keeps what Django's condition keeps, each table asked apart (an
    `EXISTS` by key). The candidates, each found through indexes (the rows' texts' trigram
    indexes: migrations referrals 0042 and notifications 0011):
    - for a row with texts and several words, those of which each word is in the referral
      (client, user) or a text, asked for the words whose referrals are few enough to
      read, by the row's index of its key;
    - else the rows whose referral may hold every word (`referral_keys`, the clients or
      users who hold them), and, for a row with texts, those with a word in a text.
    Every row Django finds is among them: either each word is in its referral, or some word
    is in one of its texts (and each word in one or the other). When the words are in more
    than `HASHED` referrals (clients, users), the list is walked in its order instead, each
    row asked.

    `search_fields` follow from `search_through` and `search_texts`: a class that names its
    own is refused, as its search box would say one thing and its search do another."""

    search_through = "referral"
    search_texts: list[str] = []
    search_help_text = SHORT_WORDS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "search_fields" in vars(cls):
            raise TypeError(f"{cls.__name__}: name search_through and search_texts instead.")

    @property
    def search_fields(self) -> list[str]:
        fields = self.related_search()[1].fields
        return [*through(self.search_through, fields), *self.search_texts]

    def related_search(self) -> tuple[ForeignKey, RelatedSearch]:
        key = self.opts.get_field(self.search_through)
        return key, RELATED_SEARCHES[key.related_model._meta.label]

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        key, related = self.related_search()
        texts = self.search_texts

        def in_keys(keys: list | QuerySet | None) -> Q | None:
            """The rows whose referral (client, user) is one of `keys`, as `keyed` gives
            them; None: too many to ask for by key."""
            return None if keys is None else Q(**{f"{key.attname}__in": keys})

        # For a row with texts and several words: each word in the referral or a text, for
        # the words whose referrals are few enough to read (all the rows Django finds are
        # among those); else, as for a row without texts, every word in the referral, or
        # (with texts) some word in a text. None: the list is walked, each row asked.
        either = []
        if texts and len(words) > 1:
            for word in words:
                word_keys = in_keys(related.keys([word], CANDIDATES_READ))
                if word_keys is not None:
                    either.append(word_keys | holds(texts, word))
        if either:
            among = all_of(either)
        else:
            keys = related.keys(words, HASHED)
            among = in_keys(keys)
            if texts and among is not None:
                among |= any_of(holds(texts, word) for word in words)
            if not isinstance(keys, list) and related.client_path is not None:
                # Too many referrals (clients) to read: the rows found may be as many.
                path = [self.search_through, related.client_path]
                count_clients_first(request, queryset, words, LOOKUP_SEP.join(filter(None, path)))

        # Walked, each row asks its referral (client, user) in turn (`EachRow`).
        exists = Exists if among is not None else EachRow

        def has(word: str) -> Q:
            row = key.related_model.objects.filter(
                related.has(word, exists), **{key.target_field.name: OuterRef(key.attname)}
            )
            in_related = Q(exists(row))
            return in_related | holds(texts, word) if texts else in_related

        if among is not None:
            queryset = queryset.filter(among)
        return queryset.filter(*map(has, words)), False
