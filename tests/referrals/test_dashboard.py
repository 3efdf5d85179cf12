"""What 'Mijn werk' shows: what waits for whom, capped lists that say so, and figures
without personal data for the network manager."""

from django.urls import reverse

from accounts.models import Province
from referrals.enums import State
from referrals.models import Referral
from referrals.ranking import ROWS_PER_GROUP
from tests.accounts.factories import OcmwFactory
from tests.referrals.factories import ClientFactory, ReferralFactory

DASHBOARD = reverse("referrals:dashboard")


def test_a_long_group_shows_its_first_rows_and_a_count_the_list_matches(
    client, caseworker, ocmw_gent
):
    referrals = ReferralFactory.create_batch(ROWS_PER_GROUP + 2, client__ocmw=ocmw_gent)
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(state=State.CANDIDATE)
    client.force_login(caseworker)

    response = client.get(DASHBOARD)

    group = {g.work.code: g for g in response.context["groups"]}["agree"]
    assert len(group.rows) == ROWS_PER_GROUP
    assert group.count == ROWS_PER_GROUP + 2
    assert (
        f"All {ROWS_PER_GROUP + 2} in the list"
        in client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    listed = client.get(group.list_url, follow=True).context["page"]
    assert len(listed) == group.count


def test_network_manager_sees_counts_of_the_province_and_no_names(client, network_manager):
    # Names no one else on the page can have (a random one was once the user's own).
    in_province = ReferralFactory(
        client=ClientFactory(last_name="Zoutewelle", ocmw=OcmwFactory(municipality="Aalst"))
    )
    elsewhere = ReferralFactory(
        client=ClientFactory(
            last_name="Quaghebeur",
            ocmw=OcmwFactory(municipality="Hasselt", province=Province.LIMBURG),
        )
    )
    client.force_login(network_manager)

    response = client.get(DASHBOARD)

    # One referral: a small number, which the network manager reads as "<5".
    figures = response.context["province_figures"]
    assert [(row["state"], str(row["total"])) for row in figures] == [(State.INFORMED.label, "<5")]
    html = response.content.decode()
    assert "&lt;5</td>" in html
    for referral in (in_province, elsewhere):
        assert referral.client.last_name not in html
