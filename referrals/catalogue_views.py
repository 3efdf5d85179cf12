"""The training catalogue, as VDAB's training guide has it: what is offered, where and when
it starts, its info sessions, and from each entry the way to refer a client to it.

The catalogue shows no one's personal data (its contacts are VDAB staff) and records no
read in the audit trail."""

from typing import NamedTuple
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from . import access
from .catalogue_forms import CatalogueFilterForm
from .models import InfoSession, StartMoment, Training
from .views import PAGE_SIZE


class Entry(NamedTuple):
    training: Training
    refer_url: str  # empty: this user refers no one to it from here


def refer_url(training: Training, user) -> str:
    """Where "refer a client" leads: a caseworker chooses the client (then the referral
    form, the training preselected); VDAB registers a candidacy for it."""
    query = "?" + urlencode({"training": training.pk})
    if user.is_caseworker:
        return reverse("referrals:client_list") + query
    if access.may_register_candidacy_for(training, user):
        return reverse("referrals:candidacy_create") + query
    return ""


def training_list(request):
    today, now = timezone.localdate(), timezone.now()
    offered = Training.objects.offered(today)
    fields_of_study = list(
        offered.exclude(field_of_study="")
        .order_by("field_of_study")
        .values_list("field_of_study", flat=True)
        .distinct()
    )
    form = CatalogueFilterForm(request.GET or None, fields_of_study=fields_of_study)
    trainings = (
        (form.filter(offered) if form.is_bound else offered)
        .select_related("contact_counsellor", "contact_counsellor__organisation")
        .prefetch_related(
            Prefetch(
                "start_moments",
                queryset=StartMoment.objects.filter(starts_on__gte=today),
                to_attr="next_start_moments",
            ),
            Prefetch(
                "info_sessions",
                queryset=InfoSession.objects.filter(starts_at__gte=now),
                to_attr="coming_info_sessions",
            ),
        )
    )
    page = Paginator(trainings, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {name: value for name, value in request.GET.items() if name in form.fields}
    return TemplateResponse(
        request,
        "referrals/training_list.html",
        {
            "form": form,
            "page": page,
            "entries": [Entry(t, refer_url(t, request.user)) for t in page],
            "extra_query": urlencode(filters) + "&" if filters else "",
        },
    )
