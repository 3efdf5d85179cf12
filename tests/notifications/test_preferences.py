"""The e-mail preferences: every kind e-mailed until switched off, unchecked kinds stored as
opt-outs and checked ones switched back on, someone else's left alone, an unknown kind
refused; and the outbox honouring what was saved, the in-app message staying."""

import re

import pytest

from accounts.models import Province
from notifications.models import (
    EmailFrequency,
    EmailOptOut,
    EmailPreference,
    Kind,
    Notification,
    email_choices,
)
from referrals.enums import State
from tests.accounts.factories import CaseworkerFactory, CounsellorFactory, VdabOrganisationFactory
from tests.notifications.messages import EMAIL, IN_APP, INBOX, PREFERENCES, in_ui_language, shown
from tests.referrals.factories import ClientFactory, TrainingFactory, referral_in_state, take_step

pytestmark = pytest.mark.django_db


def test_every_kind_is_e_mailed_until_switched_off(logged_in):
    response = logged_in.get(PREFERENCES)

    form = response.context["form"]
    assert form["email_kinds"].initial == list(Kind.values)
    html = response.content.decode()
    assert html.count('type="checkbox"') == len(Kind.values)
    checked = re.findall(r'<input type="checkbox"[^>]* checked>', html)
    assert len(checked) == len(Kind.values)
    for index, _kind in enumerate(Kind.values):
        assert f'for="id_email_kinds_{index}"' in html
        assert f'id="id_email_kinds_{index}"' in html
    assert "<fieldset" in html
    assert "<legend" in html


def test_unchecked_kinds_are_stored_as_opt_outs(logged_in, me):
    wanted = [Kind.WARM_HANDOVER, Kind.GUIDANCE_NOTE]

    response = logged_in.post(PREFERENCES, {"email_kinds": wanted})

    assert response.status_code == 302
    assert response["Location"] == PREFERENCES
    assert set(me.email_opt_outs.values_list("kind", flat=True)) == set(Kind.values) - set(wanted)
    form = logged_in.get(PREFERENCES).context["form"]
    assert form["email_kinds"].initial == wanted


def test_checking_a_kind_again_switches_its_e_mail_back_on(logged_in, me):
    EmailOptOut.objects.create(user=me, kind=Kind.STARTED)
    EmailOptOut.objects.create(user=me, kind=Kind.ENDED)

    logged_in.post(PREFERENCES, {"email_kinds": [k for k in Kind.values if k != Kind.ENDED]})

    assert list(me.email_opt_outs.values_list("kind", flat=True)) == [Kind.ENDED]


def test_unchecking_everything_switches_all_e_mail_off(logged_in, me):
    logged_in.post(PREFERENCES, {})

    assert me.email_opt_outs.count() == len(Kind.values)


def test_someone_elses_preferences_are_left_alone(logged_in, someone_else):
    EmailOptOut.objects.create(user=someone_else, kind=Kind.STARTED)

    logged_in.post(PREFERENCES, {"email_kinds": list(Kind.values)})

    assert list(someone_else.email_opt_outs.values_list("kind", flat=True)) == [Kind.STARTED]


def test_an_unknown_kind_is_refused_and_nothing_is_stored(logged_in, me):
    response = logged_in.post(PREFERENCES, {"email_kinds": ["spam"]})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert not me.email_opt_outs.exists()


def test_the_preferences_say_the_in_app_message_stays_and_where_e_mail_goes(logged_in, me):
    html = logged_in.get(PREFERENCES).content.decode()

    assert me.email in html
    assert (
        in_ui_language(
            "Every message reaches your inbox in the app, and stays there whatever you choose "
            "here. Choose which messages you also get by e-mail."
        )
        in html
    )


def test_preferences_saved_in_the_app_are_honoured_by_the_outbox(client, db):
    counsellor = CounsellorFactory(
        organisation=VdabOrganisationFactory(province=Province.OOST_VLAANDEREN)
    )
    caseworker = CaseworkerFactory()
    client.force_login(counsellor)
    client.post(PREFERENCES, {"email_kinds": [k for k in Kind.values if k != Kind.WARM_HANDOVER]})
    referral = referral_in_state(
        State.CANDIDATE,
        client=ClientFactory(ocmw=caseworker.organisation),
        training=TrainingFactory(province=Province.OOST_VLAANDEREN),
        caseworker=caseworker,
        counsellor=counsellor,
    )

    take_step("agree", referral, caseworker)

    received = Notification.objects.filter(recipient=counsellor, kind=Kind.WARM_HANDOVER)
    assert list(received.values_list("channel", flat=True)) == [IN_APP]
    assert Notification.objects.filter(
        recipient=caseworker, kind=Kind.CALL_COUNSELLOR, channel=EMAIL
    ).exists()

    response = client.get(INBOX)
    assert [n.kind for n in shown(response)] == [Kind.WARM_HANDOVER]


@pytest.mark.django_db
def test_the_choices_read_for_a_message_are_the_asked_users_and_kinds_only():
    """`email_choices`, the one query a step reads its recipients' choices with: each
    asked user's opt-outs of the asked kinds, and who of them reads the daily digest."""
    daily, each, other = CaseworkerFactory(), CaseworkerFactory(), CaseworkerFactory()
    for user in (daily, each, other):
        EmailOptOut.objects.create(user=user, kind=Kind.STARTED)
        EmailOptOut.objects.create(user=user, kind=Kind.ENDED)
    EmailPreference.objects.create(user=daily, frequency=EmailFrequency.DAILY)
    EmailPreference.objects.create(user=each, frequency=EmailFrequency.EACH)
    EmailPreference.objects.create(user=other, frequency=EmailFrequency.DAILY)

    assert email_choices({daily.pk, each.pk}, [Kind.STARTED, Kind.ADMITTED]) == (
        {(daily.pk, Kind.STARTED), (each.pk, Kind.STARTED)},
        {daily.pk},
    )
    assert email_choices([daily.pk, each.pk], []) == (set(), {daily.pk})
    assert email_choices([], [Kind.STARTED]) == (set(), set())
