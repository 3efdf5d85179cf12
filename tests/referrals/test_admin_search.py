"""Admin search keeps the term out of URLs: it is posted, kept in the session, and applied to
the list, its filters, pages, actions and bulk edits without ever appearing in a link."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.admin import site
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.admin_search import SessionSearchMixin
from referrals.enums import State
from referrals.models import Client, Referral, Training
from tests.accounts.factories import OcmwFactory, UserFactory
from tests.referrals.factories import ClientFactory, TrainingFactory, referral_in_state
from tests.referrals.test_admin_row_search import SAYS_SHORT_WORDS

pytestmark = pytest.mark.django_db

SURNAME = "Peeters"
OTHER = "Janssens"
URL_ATTRIBUTES = {"href", "action", "formaction", "src"}


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(dict(attrs))


def tags_in(response) -> list[dict]:
    collector = TagCollector()
    collector.feed(response.content.decode())
    return collector.tags


def urls_in(response) -> list[str]:
    return [
        value
        for attrs in tags_in(response)
        for name, value in attrs.items()
        if name in URL_ATTRIBUTES and value
    ]


def clear_button(response) -> dict:
    return next(attrs for attrs in tags_in(response) if attrs.get("name") == "_clear_search")


def query_of(url: str) -> dict[str, list[str]]:
    """The URL's parameters, with those preserved for the change pages unpacked."""
    params = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for preserved in params.pop("_changelist_filters", []):
        params.update(parse_qs(preserved, keep_blank_values=True))
    return params


def assert_no_search_in(url: str) -> None:
    assert SURNAME.lower() not in url.lower(), url
    assert "q" not in query_of(url), url


def assert_no_search_in_page(response) -> None:
    urls = urls_in(response)
    assert urls  # a page without links would pass anything
    for url in urls:
        assert_no_search_in(url)


def shown(response) -> set:
    return set(response.context["cl"].result_list)


@pytest.fixture
def gent_and_aalst():
    return OcmwFactory(municipality="Gent"), OcmwFactory(municipality="Aalst")


@pytest.fixture
def clients(gent_and_aalst):
    """Peeters of Gent and of Aalst, Janssens of Gent."""
    gent, aalst = gent_and_aalst
    return {
        "gent": ClientFactory(last_name=SURNAME, ocmw=gent),
        "aalst": ClientFactory(last_name=SURNAME, ocmw=aalst),
        "other": ClientFactory(last_name=OTHER, ocmw=gent),
    }


@pytest.fixture
def referrals(clients):
    """An informed referral of each client."""
    return {name: referral_in_state(State.INFORMED, client=c) for name, c in clients.items()}


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def search(client, url, term, **extra):
    response = client.post(url, {"q": term, **extra})
    assert response.status_code == 303
    assert_no_search_in(response["Location"])
    return response


@pytest.mark.parametrize(
    "model_admin",
    [ma for ma in site._registry.values() if ma.search_fields],
    ids=lambda ma: ma.opts.label_lower,
)
def test_every_searchable_admin_keeps_the_search_out_of_urls(model_admin):
    assert isinstance(model_admin, SessionSearchMixin)


@pytest.mark.parametrize("model, rows", [(Client, "clients"), (Referral, "referrals")])
def test_search_by_surname_lists_the_matches_and_no_url_carries_it(
    admin_user_client, request, model, rows
):
    rows = request.getfixturevalue(rows)
    url = changelist(model)

    response = search(admin_user_client, url, SURNAME)
    assert response["Location"] == url
    page = admin_user_client.get(response["Location"])

    assert shown(page) == {rows["gent"], rows["aalst"]}
    assert_no_search_in_page(page)
    assert f'value="{SURNAME}"' in page.content.decode()  # the box still shows the term
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()


def test_the_search_form_posts_to_the_page_with_its_filters_not_its_page(
    admin_user_client, clients, gent_and_aalst
):
    gent, _aalst = gent_and_aalst
    url = changelist(Client)
    page = admin_user_client.get(url, {"ocmw__id__exact": gent.pk, "o": "1", "p": "1"})
    form_action = next(u for u in urls_in(page) if "o=1" in u and "ocmw__id__exact" in u)

    response = search(admin_user_client, url + form_action, SURNAME)

    assert query_of(response["Location"]) == {"ocmw__id__exact": [str(gent.pk)], "o": ["1"]}
    assert shown(admin_user_client.get(response["Location"])) == {clients["gent"]}


def test_filter_links_keep_the_search(admin_user_client, clients, gent_and_aalst):
    gent, _aalst = gent_and_aalst
    url = changelist(Client)
    search(admin_user_client, url, SURNAME)
    page = admin_user_client.get(url)
    gent_filter = next(u for u in urls_in(page) if f"ocmw__id__exact={gent.pk}" in u)

    filtered = admin_user_client.get(url + gent_filter)

    assert shown(filtered) == {clients["gent"]}
    assert_no_search_in_page(filtered)


def test_pagination_and_sort_links_keep_the_search(admin_user_client, clients, monkeypatch):
    monkeypatch.setattr(site._registry[Client], "list_per_page", 1)
    url = changelist(Client)
    search(admin_user_client, url, SURNAME)
    page = admin_user_client.get(url)
    second_page = next(u for u in urls_in(page) if query_of(u).get("p") == ["2"])
    sorted_by_name = next(u for u in urls_in(page) if query_of(u).get("o") == ["1"])

    seen = shown(page) | shown(admin_user_client.get(url + second_page))
    assert seen == {clients["gent"], clients["aalst"]}
    assert admin_user_client.get(url + second_page).context["cl"].result_count == 2
    assert admin_user_client.get(url + sorted_by_name).context["cl"].result_count == 2


def test_an_empty_search_clears_it_and_keeps_the_filters(
    admin_user_client, clients, gent_and_aalst
):
    gent, _aalst = gent_and_aalst
    url = changelist(Client)
    search(admin_user_client, url, SURNAME)

    response = search(admin_user_client, f"{url}?ocmw__id__exact={gent.pk}", "  ")

    assert shown(admin_user_client.get(response["Location"])) == {clients["gent"], clients["other"]}
    assert shown(admin_user_client.get(url)) == set(clients.values())


def test_the_total_button_clears_the_search_and_the_filters(
    admin_user_client, clients, gent_and_aalst
):
    gent, _aalst = gent_and_aalst
    url = changelist(Client)
    search(admin_user_client, url, SURNAME)
    page = admin_user_client.get(url, {"ocmw__id__exact": gent.pk})
    button = clear_button(page)
    # Not "3 total": the client list does not count every client a second time.
    assert "Show all" in page.content.decode()

    response = admin_user_client.post(
        url + button["formaction"], {"q": SURNAME, button["name"]: "1"}
    )

    assert response.status_code == 303
    assert response["Location"] == url
    assert shown(admin_user_client.get(url)) == set(clients.values())


def test_the_total_button_of_a_popup_stays_in_the_popup(admin_user_client, clients):
    url = changelist(Client)
    search(admin_user_client, f"{url}?_popup=1&_to_field=id", SURNAME)

    button = clear_button(admin_user_client.get(url, {"_popup": "1", "_to_field": "id", "o": "1"}))

    assert query_of(button["formaction"]) == {"_popup": ["1"], "_to_field": ["id"]}


def test_an_old_bookmark_with_the_term_is_moved_to_the_session(
    admin_user_client, clients, gent_and_aalst
):
    gent, _aalst = gent_and_aalst
    url = changelist(Client)

    response = admin_user_client.get(url, {"q": SURNAME, "ocmw__id__exact": gent.pk, "p": "2"})

    assert response.status_code == 302
    assert_no_search_in(response["Location"])
    assert query_of(response["Location"]) == {"ocmw__id__exact": [str(gent.pk)]}
    assert shown(admin_user_client.get(response["Location"])) == {clients["gent"]}


def test_each_model_keeps_its_own_search(admin_user_client, clients, referrals):
    search(admin_user_client, changelist(Client), SURNAME)

    assert shown(admin_user_client.get(changelist(Referral))) == set(referrals.values())
    assert shown(admin_user_client.get(changelist(Client))) == {clients["gent"], clients["aalst"]}


def test_a_popup_searches_apart_and_stays_a_popup(admin_user_client, clients):
    url = changelist(Client)
    popup = {"_popup": "1", "_to_field": "id"}
    search(admin_user_client, url, OTHER)

    response = search(admin_user_client, f"{url}?_popup=1&_to_field=id", SURNAME)

    assert query_of(response["Location"]) == {"_popup": ["1"], "_to_field": ["id"]}
    assert shown(admin_user_client.get(url, popup)) == {clients["gent"], clients["aalst"]}
    assert shown(admin_user_client.get(url)) == {clients["other"]}


def test_select_across_action_applies_to_the_searched_rows_only(admin_user_client, referrals):
    url = changelist(Referral)
    search(admin_user_client, url, SURNAME)

    response = admin_user_client.post(
        url,
        {
            "action": "apply_selected",
            "select_across": "1",
            "index": "0",
            "_selected_action": [referrals["gent"].pk],
        },
    )

    assert response.status_code == 302
    assert_no_search_in(response["Location"])
    states = dict(Referral.objects.values_list("pk", "state"))
    assert states[referrals["gent"].pk] == State.CANDIDATE
    assert states[referrals["aalst"].pk] == State.CANDIDATE
    assert states[referrals["other"].pk] == State.INFORMED


def test_bulk_edit_of_the_searched_rows_is_saved_not_taken_for_a_search(admin_user_client):
    wanted = TrainingFactory(title="Zorgkundige", active=True)
    TrainingFactory(title="Lasser", active=True)
    url = changelist(Training)
    search(admin_user_client, url, "Zorg")

    response = admin_user_client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(wanted.pk),
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert list(Training.objects.filter(active=False)) == [wanted]
    assert shown(admin_user_client.get(url)) == {wanted}


def test_a_change_page_reached_from_the_search_carries_no_term(
    admin_user_client, clients, gent_and_aalst
):
    gent, _aalst = gent_and_aalst
    url = changelist(Client)
    search(admin_user_client, url, SURNAME)
    page = admin_user_client.get(url, {"ocmw__id__exact": gent.pk})
    change_link = next(u for u in urls_in(page) if f"/{clients['gent'].pk}/change/" in u)
    assert query_of(change_link) == {"ocmw__id__exact": [str(gent.pk)]}

    change_page = admin_user_client.get(change_link)

    assert change_page.status_code == 200
    assert_no_search_in_page(change_page)


def test_an_old_change_link_with_the_term_in_its_filters_passes_only_the_filters_on(
    admin_user_client, clients, gent_and_aalst
):
    gent, _aalst = gent_and_aalst
    change_url = reverse("admin:referrals_client_change", args=[clients["gent"].pk])

    change_page = admin_user_client.get(
        change_url, {"_changelist_filters": f"q={SURNAME}&ocmw__id__exact={gent.pk}"}
    )

    preserved = [u for u in urls_in(change_page) if "_changelist_filters" in u]
    assert preserved
    for link in preserved:
        assert_no_search_in(link)
        assert query_of(link)["ocmw__id__exact"] == [str(gent.pk)]


def test_an_invalid_term_is_refused_and_not_kept(admin_user_client, clients):
    url = changelist(Client)

    response = admin_user_client.post(url, {"q": "Pee\x00ters"})

    assert response.status_code == 303
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert shown(admin_user_client.get(url)) == set(clients.values())


def test_staff_without_view_permission_cannot_search(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.post(changelist(Client), {"q": SURNAME})

    assert response.status_code == 403


def test_autocomplete_still_searches_by_its_own_term(admin_user_client, clients):
    search(admin_user_client, changelist(Client), OTHER)

    response = admin_user_client.post(  # the term posted (accounts/admin_autocomplete.py)
        reverse("admin:autocomplete")
        + "?app_label=referrals&model_name=referral&field_name=client",
        {"term": SURNAME},
    )

    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {
        str(clients["gent"].pk),
        str(clients["aalst"].pk),
    }


@pytest.mark.parametrize("model_admin", SAYS_SHORT_WORDS, ids=lambda ma: ma.opts.label_lower)
def test_the_search_box_says_how_a_short_word_is_found(admin_user_client, model_admin):
    """Under the box of every admin whose search finds a word of one or two letters where a
    part starts, in the user's language."""
    response = admin_user_client.get(changelist(model_admin.model), HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 200
    assert "Eén of twee letters vinden het begin van een woord" in response.content.decode()
