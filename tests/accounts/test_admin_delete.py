"""The admin's delete page of an object that many rows protect counts them per kind, in a
constant number of queries, and still refuses; with a few it names each, as Django does,
and without any it deletes (`accounts.admin_delete`)."""

import pytest
from django.contrib.admin import site
from django.db.models import PROTECT
from django.db.models.deletion import get_candidate_relations_to_delete
from django.urls import reverse

from accounts import admin_delete
from accounts.admin_delete import ProtectedCountsMixin
from referrals.models import Referral, Training
from tests.accounts.two_factor import pass_second_factor
from tests.referrals.factories import ClientFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def test_every_admin_of_a_model_that_rows_protect_counts_them():
    """An OCMW's page named its 17,704 clients and 22,184 referrals, one query each, to say
    it could not be deleted: 37 s at the scale of Flanders."""
    protected = {
        model._meta.label
        for model in site._registry
        if any(r.on_delete is PROTECT for r in get_candidate_relations_to_delete(model._meta))
    }
    counting = {
        model._meta.label
        for model, model_admin in site._registry.items()
        if isinstance(model_admin, ProtectedCountsMixin)
    }
    assert {"accounts.Organisation", "referrals.Training", "accounts.User"} <= protected
    assert protected <= counting


@pytest.fixture
def admin_page(client, administrator):
    client.force_login(administrator)
    pass_second_factor(client, administrator)
    return client


def referrals_for(training, count):
    for _ in range(count):
        Referral.objects.create(client=ClientFactory(), training=training)


@pytest.mark.parametrize("referrals", [3, 9])
def test_a_training_many_referrals_protect_says_how_many_and_stays(
    admin_page, monkeypatch, django_assert_num_queries, referrals
):
    monkeypatch.setattr(admin_delete, "NAMED", 2)
    training = TrainingFactory()
    referrals_for(training, referrals)
    url = reverse("admin:referrals_training_delete", args=[training.pk])

    with django_assert_num_queries(7):  # however many referrals
        page = admin_page.get(url)

    assert page.status_code == 200
    assert f"<li>Toeleidingen (opleiding): {referrals}</li>" in page.text
    assert "kan niet worden verwijderd" in page.text
    assert admin_page.post(url, {"post": "yes"}).status_code == 200  # refused, said again
    assert Training.objects.filter(pk=training.pk).exists()


def test_thousands_are_written_with_the_languages_separator(admin_page, monkeypatch):
    training = TrainingFactory()
    monkeypatch.setattr(
        admin_delete, "protected_counts", lambda model, objs: [(Referral, "opleiding", 22184)]
    )

    page = admin_page.get(reverse("admin:referrals_training_delete", args=[training.pk]))

    assert "<li>Toeleidingen (opleiding): 22.184</li>" in page.text


def test_a_training_a_few_referrals_protect_names_each_as_django_does(admin_client):
    """Django's page: to a superuser, who may delete referrals, each one named with a link
    (to an administrator, who may not, the kinds they may not delete)."""
    training = TrainingFactory()
    referrals_for(training, 2)
    first = training.referrals.order_by("pk").first()

    page = admin_client.get(reverse("admin:referrals_training_delete", args=[training.pk]))

    change = reverse("admin:referrals_referral_change", args=[first.pk])
    assert f'Toeleiding: <a href="{change}">{first}</a>' in page.text


def test_a_training_nothing_protects_is_deleted(admin_page):
    training = TrainingFactory()
    url = reverse("admin:referrals_training_delete", args=[training.pk])

    assert "Weet u zeker" in admin_page.get(url).text
    admin_page.post(url, {"post": "yes"})

    assert not Training.objects.filter(pk=training.pk).exists()


def test_deleting_selected_trainings_counts_what_protects_them_too(admin_page, monkeypatch):
    monkeypatch.setattr(admin_delete, "NAMED", 2)
    trainings = [TrainingFactory(), TrainingFactory()]
    for training in trainings:
        referrals_for(training, 2)

    chosen = {"action": "delete_selected", "_selected_action": [t.pk for t in trainings]}
    changelist = reverse("admin:referrals_training_changelist")

    page = admin_page.post(changelist, chosen)
    confirmed = admin_page.post(changelist, {**chosen, "post": "yes"})

    assert "<li>Toeleidingen (opleiding): 4</li>" in page.text
    assert "<li>Toeleidingen (opleiding): 4</li>" in confirmed.text  # refused, said again
    assert Training.objects.filter(pk__in=[t.pk for t in trainings]).count() == 2


def test_up_to_named_rows_get_djangos_own_page(admin_page, monkeypatch):
    monkeypatch.setattr(admin_delete, "NAMED", 2)
    training = TrainingFactory()
    referrals_for(training, 2)

    page = admin_page.get(reverse("admin:referrals_training_delete", args=[training.pk]))

    # Django's: the administrator may not delete referrals, and is told so by their kind.
    assert "Toeleidingen (opleiding)" not in page.text
    assert "<li>toeleiding</li>" in page.text


def test_the_relations_that_protect_are_those_djangos_collector_follows():
    for model in site._registry:
        followed = [
            relation
            for relation in get_candidate_relations_to_delete(model._meta)
            if relation.on_delete is PROTECT
        ]
        assert admin_delete.protecting_relations(model) == followed, model
