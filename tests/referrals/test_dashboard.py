"""What 'Mijn werk' shows: what waits for whom, capped lists that say so, and figures
without personal data for the network manager."""

from django.urls import reverse

from accounts.models import Province
from referrals.enums import State
from referrals.models import Referral
from referrals.views import PAGE_SIZE
from tests.accounts.factories import OcmwFactory
from tests.referrals.factories import ClientFactory, ReferralFactory

DASHBOARD = reverse("referrals:dashboard")


def test_a_long_list_says_there_is_more(client, caseworker, ocmw_gent):
    referrals = ReferralFactory.create_batch(PAGE_SIZE + 1, client__ocmw=ocmw_gent)
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(state=State.CANDIDATE)
    client.force_login(caseworker)

    response = client.get(DASHBOARD)

    section = {s.step: s for s in response.context["sections"]}["agree"]
    assert len(section.rows) == PAGE_SIZE
    assert section.more
    assert f"{PAGE_SIZE}+" in response.content.decode()


def test_network_manager_sees_counts_of_the_province_and_no_names(client, network_manager):
    in_province = ReferralFactory(client=ClientFactory(ocmw=OcmwFactory(municipality="Aalst")))
    elsewhere = ReferralFactory(
        client=ClientFactory(ocmw=OcmwFactory(municipality="Hasselt", province=Province.LIMBURG))
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
