"""The API's URLs: `/api/v1/` for the resources, `/api/schema/` (OpenAPI 3) and
`/api/docs/` (Swagger UI, served from the drf-spectacular-sidecar package)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from referrals.steps import STEPS

from .views.candidacies import CandidaciesView
from .views.catalogue import TrainingViewSet
from .views.clients import ClientViewSet
from .views.docs import DocsView, SchemaView
from .views.records import (
    DocumentDownloadView,
    DocumentsView,
    GuidanceNotesView,
    NotificationsView,
    OutcomeChecksView,
    ReferralHistoryView,
)
from .views.referrals import ReferralViewSet
from .views.transitions import TransitionListView, transition_view

app_name = "api"

router = SimpleRouter()
router.register("referrals", ReferralViewSet, basename="referral")
router.register("clients", ClientViewSet, basename="client")
router.register("trainings", TrainingViewSet, basename="training")

v1 = [
    *router.urls,
    path(
        "referrals/<int:pk>/transitions/",
        TransitionListView.as_view(),
        name="referral-transitions",
    ),
    path("referrals/<int:pk>/history/", ReferralHistoryView.as_view(), name="referral-history"),
    path("referrals/<int:pk>/notes/", GuidanceNotesView.as_view(), name="referral-notes"),
    path(
        "referrals/<int:pk>/outcome-checks/",
        OutcomeChecksView.as_view(),
        name="referral-outcome-checks",
    ),
    path("referrals/<int:pk>/documents/", DocumentsView.as_view(), name="referral-documents"),
    path("documents/<int:pk>/download/", DocumentDownloadView.as_view(), name="document-download"),
    path("notifications/", NotificationsView.as_view(), name="notifications"),
    path("candidacies/", CandidaciesView.as_view(), name="candidacies"),
    *(
        path(
            f"referrals/<int:pk>/transitions/{name}/",
            transition_view(name),
            name=f"referral-transition-{name}",
        )
        for name in STEPS
    ),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
]
