"""The admin's searches of the referrals and of the rows that grow with them, at a million
referrals.

Django's search wants every word in one of the search fields: the client's names and national
number, the training's title or the referral's external id. That is one condition over three
joined tables, which no index answers: PostgreSQL joined and read every referral, for the
count, the page and the date hierarchy each (6 to 10 seconds at a million referrals).

The referrals found stay exactly Django's; `ReferralSearchMixin` narrows them first to the
candidates that each table's own indexes find:
- the referrals of the clients who match every word (the clients' trigram and INSZ indexes),
- those of the trainings whose title holds a word (a few hundred trainings),
- those whose external id is a word (`referral_external_id_upper`).
Every referral Django's search finds is among them: either each word matched its client, or
some word matched its training or its external id. Words that `COMMON` clients or more hold
are looked for in the list's order instead, row by row.

Of those candidates it keeps what Django's condition keeps, asked of each table apart
(`referral_has`): Django's one `OR` over the three joined tables took PostgreSQL 10 ms to
plan for a word and 21-35 ms for two, for the count and again for the page (0.1 ms to run).

`RowSearchMixin` does the same for the rows of a referral, a client or a user (the history,
consents, messages, ...), with the rows' own texts."""

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import smart_split, unescape_string_literal

from accounts.admin_paging import count_up_to

from ..models import Client, Referral, Training

# The national number by its first digits, as the app's search (`client_search`) compares
# it: an INSZ holds no letters, so Django's `^` (istartswith, UPPER() on both sides) found
# the same clients, through no index.
CLIENT_SEARCH_FIELDS = ["first_name", "last_name", "insz__startswith"]
REFERRAL_SEARCH_FIELDS = [
    *(f"client__{field}" for field in CLIENT_SEARCH_FIELDS),
    "training__title",
    "=external_id",
]


def search_words(term: str) -> list[str]:
    """The words of `term` as Django's admin search splits them ("quoted words" as one)."""
    words = []
    for word in smart_split(term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        words.append(word)
    return words


def any_of(conditions) -> Q:
    return functools.reduce(operator.or_, conditions)


def all_of(conditions) -> Q:
    return functools.reduce(operator.and_, conditions)


# Candidates read as ids first, up to this many: the query then names them, and PostgreSQL
# reads just those rows. (Left as a subquery, it guesses from the names' and titles'
# statistics that thousands may come back, and reads the whole table to join them.)
CANDIDATES_READ = 1000


def few_or_all(ids):
    """The ids of the query `ids` as a list if there are `CANDIDATES_READ` or fewer, else the
    query itself."""
    read = list(ids[: CANDIDATES_READ + 1])
    return read if len(read) <= CANDIDATES_READ else ids


def client_has(word: str) -> Q:
    """A client whose name or national number holds `word` as `REFERRAL_SEARCH_FIELDS` say."""
    return Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(insz__startswith=word)


def training_has(word: str) -> Q:
    return Q(title__icontains=word)


def referral_has(word: str) -> Q:
    """Django's search condition over `REFERRAL_SEARCH_FIELDS` for a word (its client, its
    training or its external id holds it) over the referral's own row: its client and its
    training asked by key (`EXISTS`), each of one table, where Django joins the three tables
    and asks one `OR` of them all."""
    return (
        Exists(Client.objects.filter(client_has(word), pk=OuterRef("client_id")))
        | Exists(Training.objects.filter(training_has(word), pk=OuterRef("training_id")))
        | Q(external_id__iexact=word)
    )


def client_ids(words: list[str]) -> QuerySet:
    """The clients whose names or national number hold every word."""
    clients = Client.objects.filter(*(client_has(word) for word in words))
    return clients.order_by().values_list("pk", flat=True)


def candidates(words: list[str], clients=None) -> QuerySet:
    """The ids of the referrals Django's search could find for `words` (see above), of
    `client_ids` or the `clients` named; a referral may come twice."""
    trainings = Training.objects.filter(any_of(training_has(word) for word in words))
    external = any_of(Q(external_id__iexact=word) for word in words)
    ids = Referral.objects.order_by().values_list("pk", flat=True)
    return ids.filter(client__in=client_ids(words) if clients is None else clients).union(
        ids.filter(training__in=trainings),
        # Never blank: the index holds only the referrals with an external id.
        ids.exclude(external_id="").filter(external),
        all=True,  # no duplicates removed, so that reading the first ones stops there
    )


# When this many clients or more hold every word (1.25% of Flanders' 800,000), the referral
# admin walks its list in its order and asks each referral, and finds a page's hundred in a
# few thousand rows: reading their referrals and sorting them took seconds (a first name
# every twelfth client has 2.0 -> 0.4 s, a word in every client's name 18 -> 0.2 s).
COMMON = 10_000


def common(words: list[str]) -> bool:
    return count_up_to(client_ids(words), COMMON) > COMMON


def referral_keys(words: list[str]):
    """The `candidates` as `few_or_all` gives them, their clients read first: when those are
    many, so are their referrals, which are then left unread (PostgreSQL joined every
    client to read the first thousand: 0.4 s for a word every client's name holds)."""
    clients = few_or_all(client_ids(words))
    if isinstance(clients, QuerySet):
        return candidates(words)
    return few_or_all(candidates(words, clients))


class ReferralSearchMixin:
    """For the referral admin: what Django's search finds, of the `candidates` (see above),
    or in the list's order if the words are `common`. Nothing is joined, so no referral
    comes twice."""

    search_fields = REFERRAL_SEARCH_FIELDS

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        if not common(words):
            queryset = queryset.filter(pk__in=referral_keys(words))
        return queryset.filter(*map(referral_has, words)), False


def through(path: str, fields: list[str]) -> list[str]:
    """`fields` (Django's search fields) as named from a row whose foreign key `path` leads
    to their model."""
    return [
        f"{field[0]}{path}__{field[1:]}" if field[0] in "^=@" else f"{path}__{field}"
        for field in fields
    ]


def user_has(word: str) -> Q:
    return Q(username__icontains=word) | Q(email__icontains=word)


def user_ids(words: list[str]) -> QuerySet:
    users = get_user_model().objects.filter(*(user_has(word) for word in words))
    return users.order_by().values_list("pk", flat=True)


@dataclass(frozen=True)
class Searched:
    """What a row's search asks of the table its foreign key leads to: that table's search
    fields, a word's condition on one of its rows, and the ids of those that may hold every
    word, as `few_or_all` gives them."""

    fields: list[str]
    has: Callable[[str], Q]
    keys: Callable[[list[str]], list | QuerySet]


SEARCHED = {
    "referrals.Referral": Searched(REFERRAL_SEARCH_FIELDS, referral_has, referral_keys),
    "referrals.Client": Searched(
        CLIENT_SEARCH_FIELDS, client_has, lambda words: few_or_all(client_ids(words))
    ),
    settings.AUTH_USER_MODEL: Searched(
        ["username", "email"], user_has, lambda words: few_or_all(user_ids(words))
    ),
}


def text_has(text: str, word: str) -> Q:
    """Django's condition for a search field of the row's own: a text that holds the word,
    or the field's lookup if it names one (`idempotency_key__exact`)."""
    return Q(**{text if LOOKUP_SEP in text else f"{text}__icontains": word})


class RowSearchMixin:
    """For the admin of rows that grow with the referrals (a referral's history, notes, ...;
    a client's consents, temporary work; a user's messages): what Django's search finds
    with `search_fields`, which are those of the table their foreign key `search_through`
    leads to (`SEARCHED`: a referral's as its admin searches them), then the row's own
    `search_texts`. Django's condition is one `OR` over the joined tables, which no index
    answers: PostgreSQL joined and read every line of the history to find a client's (15 s
    at a million referrals).

    Of the candidates, it keeps what Django's condition keeps, each table asked apart (an
    `EXISTS` by key). The candidates, each found through indexes:
    - the rows whose referral (client, user) may hold every word: the referral admin's
      `candidates`, the clients or users who hold them, by the row's index of its key;
    - for a row with texts (their trigram indexes: migrations referrals 0042 and
      notifications 0011), those of which each word is in the referral or a text, asked
      for the words that few referrals hold (a common word's would have PostgreSQL read
      all of its referrals for each row); if none is, those with a word in a text.
    Every row Django finds is among them: either each word is in its referral, or some word
    is in one of its texts (and each word in one or the other)."""

    search_through = "referral"
    search_texts: list[str] = []

    @property
    def search_fields(self) -> list[str]:
        _, searched = self.searched()
        return [*through(self.search_through, searched.fields), *self.search_texts]

    def searched(self) -> tuple[type[Model], Searched]:
        related = self.opts.get_field(self.search_through).related_model
        return related, SEARCHED[related._meta.label]

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        related, searched = self.searched()
        key, texts = f"{self.search_through}_id", self.search_texts

        def of_keys(words: list[str]) -> tuple[Q, bool]:
            """The rows whose referral (client, user) may hold `words`; whether they are few."""
            keys = searched.keys(words)
            return Q(**{f"{key}__in": keys}), not isinstance(keys, QuerySet)

        def in_texts(word: str) -> list[Q]:
            return [text_has(text, word) for text in texts]

        # Each word in the referral; or, for a row with texts, each word in the referral or
        # a text, asked for the words whose referrals are few (a common word would have
        # PostgreSQL read all of its referrals for every row), else some word in a text.
        among, _ = of_keys(words)
        if texts and len(words) == 1:
            among |= any_of(in_texts(words[0]))
        elif texts:
            either = []
            for word in words:
                keyed, few = of_keys([word])
                if few:
                    either.append(keyed | any_of(in_texts(word)))
            among |= all_of(either) if either else any_of(q for w in words for q in in_texts(w))

        def has(word: str):
            holds = Exists(related.objects.filter(searched.has(word), pk=OuterRef(key)))
            return any_of([holds, *in_texts(word)])

        return queryset.filter(among).filter(*map(has, words)), False
