from django.urls import path

from . import (
    catalogue_views,
    client_views,
    consent_views,
    dashboard,
    document_views,
    interruption_views,
    list_views,
    views,
)
from .reports import views as report_views

app_name = "referrals"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/new/", client_views.client_create, name="client_create"),
    path("clients/export.xlsx", client_views.client_list_export, name="client_list_export"),
    path("clients/<int:pk>/", client_views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", client_views.client_edit, name="client_edit"),
    path("clients/<int:pk>/consent/", consent_views.consent_give, name="consent_give"),
    path(
        "clients/<int:pk>/consent/withdraw/",
        consent_views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("clients/<int:pk>/referrals/new/", client_views.referral_create, name="referral_create"),
    path("referrals/", list_views.referral_list, name="referral_list"),
    path(
        "referrals/export.xlsx",
        list_views.referral_list_export,
        name="referral_list_export",
    ),
    path("referrals/new/", views.candidacy_create, name="candidacy_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/step/<slug:name>/", views.referral_step, name="referral_step"),
    path(
        "referrals/<int:pk>/responsible/<slug:side>/",
        views.referral_responsible,
        name="referral_responsible",
    ),
    path("notes/<int:pk>/edit/", views.referral_note_edit, name="referral_note_edit"),
    path("referrals/<int:pk>/notes/", views.referral_note_add, name="referral_note_add"),
    path("referrals/<int:pk>/outcomes/", views.referral_outcome, name="referral_outcome"),
    path(
        "referrals/<int:pk>/interruptions/",
        interruption_views.interruption_record,
        name="interruption_record",
    ),
    path(
        "referrals/<int:pk>/interruptions/resume/",
        interruption_views.interruption_resume,
        name="interruption_resume",
    ),
    path(
        "referrals/<int:pk>/interruptions/correct/",
        interruption_views.interruption_correct,
        name="interruption_correct",
    ),
    path(
        "referrals/<int:pk>/school-years/",
        views.referral_school_year,
        name="referral_school_year",
    ),
    path("referrals/<int:pk>/agreement/", views.referral_agreement, name="referral_agreement"),
    path(
        "referrals/<int:pk>/vdab-registration/",
        views.referral_vdab_registration,
        name="referral_vdab_registration",
    ),
    path(
        "referrals/<int:pk>/agreement.pdf",
        views.referral_agreement_pdf,
        name="referral_agreement_pdf",
    ),
    path("referrals/<int:pk>/handover/", views.referral_handover, name="referral_handover"),
    path("trainings/", catalogue_views.training_list, name="training_list"),
    path("referrals/<int:pk>/documents/", document_views.document_add, name="document_add"),
    path("documents/<int:pk>/", document_views.document_download, name="document_download"),
    path("documents/<int:pk>/remove/", document_views.document_remove, name="document_remove"),
    path("reports/", report_views.reports, name="reports"),
    path(
        "reports/<slug:table>.<str:fmt>",
        report_views.report_export,
        name="report_export",
    ),
]
