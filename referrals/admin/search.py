"""The referral admin's search, at a million referrals.

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
some word matched its training or its external id.

Of those candidates it keeps what Django's condition keeps, asked of each table apart
(`matching`): Django's one `OR` over the three joined tables took PostgreSQL 10 ms to plan
for a word and 21-35 ms for two, for the count and again for the page (0.1 ms to run)."""

import functools
import operator

from django.db.models import Exists, OuterRef, Q
from django.utils.text import smart_split, unescape_string_literal

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


# Candidates read as ids first, up to this many: the query then names them, and PostgreSQL
# reads just those rows. (Left as a subquery, it guesses from the names' and titles'
# statistics that thousands may come back, and reads the whole table to join them.)
CANDIDATES_READ = 1000


def client_has(word: str) -> Q:
    """A client whose name or national number holds `word` as `REFERRAL_SEARCH_FIELDS` say."""
    return Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(insz__startswith=word)


def training_has(word: str) -> Q:
    return Q(title__icontains=word)


def matching(words: list[str]) -> list[Q]:
    """Django's search condition over `REFERRAL_SEARCH_FIELDS`, a condition for each word
    (its client, its training or its external id holds it) over the referral's own row:
    its client and its training asked by key (`EXISTS`), each of one table, where Django
    joins the three tables and asks one `OR` of them all."""
    return [
        Exists(Client.objects.filter(client_has(word), pk=OuterRef("client_id")))
        | Exists(Training.objects.filter(training_has(word), pk=OuterRef("training_id")))
        | Q(external_id__iexact=word)
        for word in words
    ]


def candidates(words: list[str]):
    """The ids of the referrals Django's search could find for `words` (see above); a
    referral may come twice."""
    clients = Client.objects.filter(*(client_has(word) for word in words))
    trainings = Training.objects.filter(any_of(training_has(word) for word in words))
    external = any_of(Q(external_id__iexact=word) for word in words)
    ids = Referral.objects.order_by().values_list("pk", flat=True)
    return ids.filter(client__in=clients).union(
        ids.filter(training__in=trainings),
        # Never blank: the index holds only the referrals with an external id.
        ids.exclude(external_id="").filter(external),
        all=True,  # no duplicates removed, so that reading the first ones stops there
    )


class ReferralSearchMixin:
    """For the referral admin: what Django's search finds, of the `candidates` (see above).
    Nothing is joined, so no referral comes twice."""

    search_fields = REFERRAL_SEARCH_FIELDS

    def get_search_results(self, request, queryset, search_term):
        words = search_words(search_term)
        if not words:
            return queryset, False
        ids = list(candidates(words)[: CANDIDATES_READ + 1])
        found = queryset.filter(pk__in=ids if len(ids) <= CANDIDATES_READ else candidates(words))
        return found.filter(*matching(words)), False
