"""Two people on one client's form: the later save is refused while the client was saved
after its form was opened (by someone else, or in another tab), with who and when, and
what was typed kept in the form; sent again, it is saved over what is now."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Entry, Kind
from referrals.changes import record_change, snapshot
from referrals.forms import ClientForm
from referrals.models import Client
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.conftest import client_post_data
from tests.referrals.factories import ReferralFactory, TemporaryWorkExperienceFactory

from .test_client_trail import edit_url, form_data

pytestmark = pytest.mark.django_db


def opened(browser, client: Client) -> dict:
    """The form as the page fills it, with the moment it was opened on (`seen`)."""
    page = browser.get(edit_url(client))
    assert page.status_code == 200
    return form_data(client, seen=page.context["seen"])


def changes_of(client: Client) -> int:
    return Entry.objects.filter(kind=Kind.CHANGE, client_id=client.pk).count()


def opened_before_a_colleague_saved(browser, caseworker, client: Client) -> dict:
    """The form as `caseworker` opened it; then Els Peeters, of the same OCMW, saved the
    client with a new phone number."""
    colleague = CaseworkerFactory(
        organisation=caseworker.organisation, first_name="Els", last_name="Peeters"
    )
    browser.force_login(caseworker)
    mine = opened(browser, client)
    browser.force_login(colleague)
    theirs = opened(browser, client) | {"phone": "0470 1"}
    assert browser.post(edit_url(client), theirs).status_code == 302
    browser.force_login(caseworker)
    return mine


def test_a_form_opened_before_someone_else_saved_is_refused_and_keeps_what_was_typed(
    client, caseworker, gent_client
):
    mine = opened_before_a_colleague_saved(client, caseworker, gent_client)
    before = changes_of(gent_client)

    response = client.post(
        edit_url(gent_client), mine | {"notes": "Mine"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Els Peeters (")
    assert "saved this client's details at " in error
    assert "Nothing you typed is saved yet" in error
    stored = Client.objects.get(pk=gent_client.pk)
    assert (stored.phone, stored.notes) == ("0470 1", gent_client.notes)
    assert changes_of(gent_client) == before
    assert response.context["form"]["notes"].value() == "Mine"
    # Sent again, knowingly: the form is saved over what is now, as the message says.
    again = mine | {"notes": "Mine", "seen": response.context["seen"]}
    assert response.context["seen"] == stored.updated_at.isoformat()
    assert client.post(edit_url(gent_client), again).status_code == 302
    saved = Client.objects.get(pk=gent_client.pk)
    assert (saved.notes, saved.phone) == ("Mine", gent_client.phone)


def test_a_form_saved_in_another_tab_says_so(client, caseworker, gent_client):
    client.force_login(caseworker)
    first, second = opened(client, gent_client), opened(client, gent_client)
    assert client.post(edit_url(gent_client), first | {"phone": "0470 1"}).status_code == 302

    response = client.post(
        edit_url(gent_client), second | {"phone": "0470 2"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    [error] = response.context["form"].non_field_errors()
    assert error.startswith("You saved this client's details in another tab or window at ")
    assert Client.objects.get(pk=gent_client.pk).phone == "0470 1"


def test_a_form_shown_again_with_errors_still_knows_when_it_was_opened(
    client, caseworker, gent_client
):
    """Else a form shown again for a mistake, then corrected, saved over a colleague's."""
    client.force_login(caseworker)
    mine = opened(client, gent_client)
    theirs = opened(client, gent_client) | {"phone": "1"}
    assert client.post(edit_url(gent_client), theirs).status_code == 302

    wrong = client.post(edit_url(gent_client), mine | {"email": "no address"})
    assert wrong.context["seen"] == mine["seen"]
    corrected = client.post(edit_url(gent_client), mine | {"email": "a@example.org"})

    assert corrected.status_code == 200
    assert Client.objects.get(pk=gent_client.pk).email == gent_client.email


@pytest.mark.parametrize(("seen", "saved"), [(None, True), ("", False), ("not a moment", False)])
def test_a_form_without_its_moment_saves_and_one_with_a_wrong_one_does_not(
    client, caseworker, gent_client, seen, saved
):
    """A form opened before it had the field saves as before; one whose field is no moment
    of the stored client is taken as opened before a save."""
    client.force_login(caseworker)
    data = opened(client, gent_client) | {"phone": "0470 9", "seen": seen}
    if seen is None:
        del data["seen"]

    response = client.post(edit_url(gent_client), data)

    assert response.status_code == (302 if saved else 200)
    assert (Client.objects.get(pk=gent_client.pk).phone == "0470 9") is saved


def test_a_save_the_trail_does_not_name_is_told_without_a_name(client, caseworker, gent_client):
    """The trail's newest change row is older than the stored client: not the one that
    saved it, whose author is then not guessed."""
    client.force_login(caseworker)
    first, second = opened(client, gent_client), opened(client, gent_client)
    assert client.post(edit_url(gent_client), first | {"phone": "0470 1"}).status_code == 302
    Client.objects.filter(pk=gent_client.pk).update(updated_at=timezone.now())

    response = client.post(edit_url(gent_client), second, HTTP_ACCEPT_LANGUAGE="en")

    [error] = response.context["form"].non_field_errors()
    assert error.startswith("This client's details changed since you opened this form. ")


def test_the_save_named_is_the_clients_not_a_later_change_of_a_referral(
    client, caseworker, gent_client, training
):
    """The trail's rows of a client's referrals name the client too: the refusal names who
    saved the details, not whoever changed a referral since."""
    mine = opened_before_a_colleague_saved(client, caseworker, gent_client)
    referral = ReferralFactory(client=gent_client, training=training, created_by=caseworker)
    before = snapshot(referral)
    referral.external_id = "X-1"
    record_change(referral, before, snapshot(referral), user=caseworker)  # as services do
    assert changes_of(gent_client) == 2  # the client's, then the referral's

    response = client.post(edit_url(gent_client), mine, HTTP_ACCEPT_LANGUAGE="en")

    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Els Peeters (")


def test_a_save_that_changes_nothing_refuses_no_other_form(client, caseworker, gent_client):
    client.force_login(caseworker)
    first, second = opened(client, gent_client), opened(client, gent_client)
    stored = Client.objects.get(pk=gent_client.pk).updated_at

    assert client.post(edit_url(gent_client), first).status_code == 302
    assert Client.objects.get(pk=gent_client.pk).updated_at == stored
    assert client.post(edit_url(gent_client), second | {"phone": "0470 3"}).status_code == 302
    assert Client.objects.get(pk=gent_client.pk).phone == "0470 3"


# --- Django admin's form of a client --------------------------------------------------------


def admin_opened(browser, client: Client) -> dict:
    """The admin's change form of `client` as it was opened: its fields, hidden `seen` too,
    and its inlines' management forms."""
    page = browser.get(reverse("admin:referrals_client_change", args=[client.pk]))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value not in (None, "", False)
    }
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(n): v for n, v in management.initial.items()})
    return data


def test_the_admins_form_opened_before_a_save_is_refused_and_sent_again_saves(
    client, caseworker, administrator, gent_client
):
    client.force_login(administrator)
    mine = admin_opened(client, gent_client)
    assert mine["seen"] == gent_client.updated_at.isoformat()
    client.force_login(caseworker)
    theirs = opened(client, gent_client) | {"phone": "0470 1"}
    assert client.post(edit_url(gent_client), theirs).status_code == 302
    client.force_login(administrator)
    before = changes_of(gent_client)
    url = reverse("admin:referrals_client_change", args=[gent_client.pk])

    response = client.post(url, mine | {"notes": "Admin"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    form = response.context["adminform"].form
    [error] = form.non_field_errors()
    assert error.startswith(f"{caseworker} (")
    assert "saved this client's details at " in error
    stored = Client.objects.get(pk=gent_client.pk)
    assert (stored.phone, stored.notes) == ("0470 1", gent_client.notes)
    assert changes_of(gent_client) == before
    assert form["notes"].value() == "Admin"
    assert form["seen"].value() == stored.updated_at.isoformat()
    # Sent again with the form as it came back: saved over what is now.
    again = mine | {"notes": "Admin", "seen": form["seen"].value()}
    assert client.post(url, again).status_code == 302
    saved = Client.objects.get(pk=gent_client.pk)
    assert (saved.notes, saved.phone) == ("Admin", gent_client.phone)


def test_the_admins_form_without_its_moment_saves(client, administrator, gent_client):
    client.force_login(administrator)
    data = admin_opened(client, gent_client) | {"notes": "Admin"}
    del data["seen"]  # a form opened before it had one

    response = client.post(reverse("admin:referrals_client_change", args=[gent_client.pk]), data)

    assert response.status_code == 302
    assert Client.objects.get(pk=gent_client.pk).notes == "Admin"


def test_a_work_experience_deleted_on_its_admin_page_refuses_a_form_opened_before(
    client, caseworker, administrator, gent_client
):
    experience = TemporaryWorkExperienceFactory(client=gent_client)
    client.force_login(caseworker)
    mine = opened(client, gent_client)
    client.force_login(administrator)
    delete = reverse("admin:referrals_temporaryworkexperience_delete", args=[experience.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    client.force_login(caseworker)

    response = client.post(
        edit_url(gent_client), mine | {"phone": "0470 3"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith(f"{administrator} saved this client's details at ")
    assert not gent_client.temporary_work_experiences.exists()
    assert Client.objects.get(pk=gent_client.pk).phone == gent_client.phone


def test_a_new_clients_form_sent_twice_adds_one_client_and_says_so(client, caseworker, monkeypatch):
    """A double click: both requests pass the form's check of the national number before
    either is saved (as here, where the check is left out), and the second is refused by
    the database's constraint, with the form's own message rather than an error page."""
    monkeypatch.setattr(ClientForm, "clean_insz", lambda form: form.cleaned_data["insz"])
    client.force_login(caseworker)
    data = client_post_data()

    first = client.post(reverse("referrals:client_create"), data)
    second = client.post(reverse("referrals:client_create"), data, HTTP_ACCEPT_LANGUAGE="en")

    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].errors["insz"] == [
        "Your OCMW already has a client with this national number."
    ]
    assert Client.objects.count() == 1


def test_a_form_sent_twice_is_saved_once_and_not_refused(client, caseworker, gent_client):
    """A double click: the second request asks what the first saved."""
    client.force_login(caseworker)
    data = opened(client, gent_client) | {"phone": "0470 9"}
    before = changes_of(gent_client)

    first, second = (
        client.post(edit_url(gent_client), data),
        client.post(edit_url(gent_client), data),
    )

    assert (first.status_code, second.status_code) == (302, 302)
    assert changes_of(gent_client) == before + 1


def test_the_admins_form_sent_twice_is_saved_once_and_not_refused(
    client, administrator, gent_client
):
    client.force_login(administrator)
    data = admin_opened(client, gent_client) | {"notes": "Admin"}
    url = reverse("admin:referrals_client_change", args=[gent_client.pk])

    first, second = client.post(url, data), client.post(url, data)

    assert (first.status_code, second.status_code) == (302, 302)
    assert Client.objects.get(pk=gent_client.pk).notes == "Admin"
