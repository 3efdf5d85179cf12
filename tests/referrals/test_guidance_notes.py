"""Guidance notes from the formal agreement on: shared with the other side (who is told) or
internal to the author's organisation, and corrected by their author for a short time."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.models import Kind, Notification
from referrals import services
from referrals.enums import GuidanceTopic, NoteVisibility, State
from referrals.models import GuidanceNote
from tests.accounts.factories import CaseworkerFactory
from tests.referrals.conftest import error_messages

pytestmark = pytest.mark.django_db


def add(client, referral, language=None, **data):
    return client.post(
        reverse("referrals:referral_note_add", args=[referral.pk]),
        {
            "written_on": timezone.localdate().isoformat(),
            "topic": GuidanceTopic.PROGRESS,
            "note": "Goed bezig.",
            **data,
        },
        **({"HTTP_ACCEPT_LANGUAGE": language} if language else {}),
    )


def written(referral, author, text: str, **kwargs) -> GuidanceNote:
    """A note of today written through the service (as the page's form does)."""
    return services.guidance_note_add(
        referral=referral,
        user=author,
        topic=GuidanceTopic.PROGRESS,
        note=text,
        written_on=timezone.localdate(),
        **kwargs,
    )


def notes_read_by(client, referral) -> list[str]:
    response = client.get(referral.get_absolute_url())
    return [row["note"].note for row in response.context["notes"]]


@pytest.mark.parametrize("state", [State.AGREED, State.INTAKE_PLANNED, State.ENDED])
def test_notes_are_kept_from_the_formal_agreement_on(client, caseworker, walk, state):
    referral = walk(state)
    client.force_login(caseworker)
    assert add(client, referral).status_code == 302
    assert GuidanceNote.objects.filter(referral=referral).count() == 1


def test_no_notes_before_the_agreement(client, caseworker, walk):
    referral = walk(State.CANDIDATE)
    client.force_login(caseworker)
    assert add(client, referral).status_code == 302
    assert not GuidanceNote.objects.exists()


def test_a_shared_note_is_read_and_told_to_the_other_side(client, caseworker, counsellor, walk):
    referral = walk(State.AGREED)
    client.force_login(caseworker)
    add(client, referral, note="Gedeeld.", visibility=NoteVisibility.SHARED)
    client.force_login(counsellor)
    assert notes_read_by(client, referral) == ["Gedeeld."]
    assert Notification.objects.filter(recipient=counsellor, kind=Kind.GUIDANCE_NOTE).exists()


def test_an_internal_note_stays_in_the_organisation(client, caseworker, counsellor, walk):
    referral = walk(State.AGREED)
    colleague = CaseworkerFactory(organisation=caseworker.organisation)
    client.force_login(caseworker)
    response = add(client, referral, note="Intern.", visibility=NoteVisibility.INTERNAL)
    assert response.status_code == 302
    client.force_login(colleague)
    assert notes_read_by(client, referral) == ["Intern."]
    client.force_login(counsellor)
    assert notes_read_by(client, referral) == []
    assert "Intern." not in client.get(referral.get_absolute_url()).content.decode()
    assert not Notification.objects.filter(kind=Kind.GUIDANCE_NOTE).exists()


def test_the_author_corrects_a_note_for_a_short_time(client, caseworker, walk, settings):
    settings.OKOT_NOTE_EDIT_MINUTES = 30
    referral = walk(State.AGREED)
    note = written(referral, caseworker, "Eerst.")
    url = reverse("referrals:referral_note_edit", args=[note.pk])
    data = {"written_on": note.written_on.isoformat(), "topic": "attendance", "note": "Beter."}
    client.force_login(caseworker)
    assert client.get(referral.get_absolute_url()).context["notes"][0]["form"] is not None
    assert client.post(url, data).status_code == 302
    note.refresh_from_db()
    assert (note.note, note.topic, note.edited_at is not None) == ("Beter.", "attendance", True)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        client.force_login(caseworker)
        assert client.get(referral.get_absolute_url()).context["notes"][0]["form"] is None
        response = client.post(url, {**data, "note": "Te laat."}, HTTP_ACCEPT_LANGUAGE="en")
        assert error_messages(response) == [
            "Only its author corrects a note, and only shortly after writing it."
        ]
    note.refresh_from_db()
    assert note.note == "Beter."


def test_nobody_else_corrects_a_note(client, caseworker, counsellor, walk):
    referral = walk(State.AGREED)
    note = written(referral, caseworker, "Van mij.")
    url = reverse("referrals:referral_note_edit", args=[note.pk])
    client.force_login(counsellor)
    data = {"written_on": note.written_on.isoformat(), "topic": "progress", "note": "Niet."}
    assert client.post(url, data).status_code == 404
    assert client.get(referral.get_absolute_url()).context["notes"][0]["form"] is None
    note.refresh_from_db()
    assert note.note == "Van mij."


def test_a_correction_with_bad_data_shows_the_form_again(client, caseworker, walk):
    referral = walk(State.AGREED)
    note = written(referral, caseworker, "Van mij.")
    client.force_login(caseworker)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("referrals:referral_note_edit", args=[note.pk]),
        {"written_on": tomorrow, "topic": "progress", "note": "x"},
    )
    assert response.status_code == 400
    form = response.context["notes"][0]["form"]
    assert form.is_bound and "written_on" in form.errors


def test_an_internal_note_stays_with_the_organisation_its_author_left(
    client, caseworker, counsellor, walk
):
    referral = walk(State.AGREED)
    written(referral, caseworker, "Intern.", visibility=NoteVisibility.INTERNAL)
    caseworker.organisation = counsellor.organisation  # an administrator moved them
    caseworker.save(update_fields=["organisation"])
    client.force_login(counsellor)
    assert notes_read_by(client, referral) == []


def test_a_correction_rewrites_the_other_sides_message(caseworker, counsellor, walk):
    referral = walk(State.AGREED)
    note = written(referral, caseworker, "Diagnose: per vergissing getypt.")
    services.guidance_note_edit(
        note=note,
        user=caseworker,
        topic=GuidanceTopic.PROGRESS,
        text="Goed bezig.",
        written_on=note.written_on,
    )
    message = Notification.objects.get(
        recipient=counsellor, kind=Kind.GUIDANCE_NOTE, channel=Notification.Channel.IN_APP
    )
    assert "Goed bezig." in message.body
    assert "Diagnose" not in message.body


def test_the_notes_a_user_reads_are_of_referrals_they_see(
    caseworker, counsellor, caseworker_of_other_ocmw, counsellor_of_other_region, walk
):
    """`visible_to` itself keeps the notes of referrals out of the user's reach, shared ones
    too: a caller that forgets to narrow to visible referrals leaks nothing."""
    referral = walk(State.AGREED)
    note = written(referral, caseworker, "Gedeeld.", visibility=NoteVisibility.SHARED)
    for outsider in (caseworker_of_other_ocmw, counsellor_of_other_region):
        assert not GuidanceNote.objects.visible_to(outsider).exists()
    for insider in (caseworker, counsellor):
        assert list(GuidanceNote.objects.visible_to(insider)) == [note]


def test_a_note_sent_twice_is_added_once_and_told_once(client, caseworker, counsellor, walk):
    """A double click, or the page sent again: the second request finds the note its
    author added a moment ago, and says it was added, as it was."""
    referral = walk(State.AGREED)
    client.force_login(caseworker)

    first, second = add(client, referral, note="Gedeeld."), add(client, referral, note="Gedeeld.")

    assert (first.status_code, second.status_code) == (302, 302)
    assert GuidanceNote.objects.filter(referral=referral).count() == 1
    told = Notification.objects.filter(recipient=counsellor, kind=Kind.GUIDANCE_NOTE)
    channels = list(told.values_list("channel", flat=True))
    assert Notification.Channel.IN_APP in channels
    assert len(channels) == len(set(channels))  # once in the app, once by e-mail at most


def test_the_same_note_later_or_another_note_is_a_note_of_its_own(client, caseworker, walk):
    referral = walk(State.AGREED)
    client.force_login(caseworker)
    add(client, referral, note="Aanwezig.")

    add(client, referral, note="Afwezig.")
    with time_machine.travel(timezone.now() + services.notes.SENT_AGAIN_WITHIN):
        client.force_login(caseworker)
        add(client, referral, note="Aanwezig.")

    notes = GuidanceNote.objects.filter(referral=referral).order_by("pk")
    assert [note.note for note in notes] == ["Aanwezig.", "Afwezig.", "Aanwezig."]


def test_a_refused_note_is_said_at_the_top_of_the_page(client, caseworker, walk):
    """The note's form may be far down the page: the page's title and its top say that
    something was refused, each error linked to its field."""
    referral = walk(State.AGREED)
    client.force_login(caseworker)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = add(client, referral, "en", written_on=tomorrow.isoformat())

    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: " in html
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    field = response.context["note_form"]["written_on"]
    assert f'<a href="#{field.id_for_label}">Date</a>: The date lies in the future.' in summary
    assert not GuidanceNote.objects.exists()


def test_a_page_without_a_refusal_says_none(client, caseworker, walk):
    referral = walk(State.AGREED)
    client.force_login(caseworker)

    html = client.get(referral.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="error-summary"' not in html
    assert "<title>Error: " not in html
