"""The read-only admin mixin on every admin and inline of rows the app writes: never added
or changed by hand, deleted only where the class allows it and the user may."""

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Permission

from accounts.admin_readonly import ReadOnlyAdminMixin
from notifications.models import Notification
from referrals.models import (
    Document,
    GuidanceNote,
    Interruption,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    SchoolYear,
)
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

# model: may a user with the delete permission delete its rows in admin?
READ_ONLY_ADMINS = {
    ReferralEvent: False,  # the history is append-only
    Notification: False,  # what was said to someone
    GuidanceNote: True,
    OutcomeCheck: True,
    Document: False,  # removed in the app, by whoever added it or the administrator
    SchoolYear: True,
}


def request_by(rf, user):
    request = rf.get("/")
    request.user = user
    return request


def staff_who_may(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize(("model", "deletable"), READ_ONLY_ADMINS.items())
def test_rows_the_app_writes_are_viewed_never_added_or_changed(rf, admin_user, model, deletable):
    model_admin = site.get_model_admin(model)
    request = request_by(rf, admin_user)

    assert isinstance(model_admin, ReadOnlyAdminMixin)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert model_admin.has_delete_permission(request) is deletable


@pytest.mark.parametrize("model", [m for m, deletable in READ_ONLY_ADMINS.items() if deletable])
def test_deleting_a_note_or_check_up_takes_the_delete_permission(rf, model):
    name = model._meta.model_name
    viewer = staff_who_may(f"view_{name}")
    deleter = staff_who_may(f"view_{name}", f"delete_{name}")
    model_admin = site.get_model_admin(model)

    assert not model_admin.has_delete_permission(request_by(rf, viewer))
    assert model_admin.has_delete_permission(request_by(rf, deleter))


def test_the_referrals_inlines_are_read_only(rf, admin_user):
    request = request_by(rf, admin_user)
    inlines = site.get_model_admin(Referral).get_inline_instances(request)

    assert {inline.model for inline in inlines} == {
        ReferralEvent,
        GuidanceNote,
        SchoolYear,
        OutcomeCheck,
        Interruption,
        Document,
    }
    for inline in inlines:
        assert isinstance(inline, ReadOnlyAdminMixin)
        assert inline.has_view_permission(request)
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not inline.has_delete_permission(request)
        assert not inline.can_delete
