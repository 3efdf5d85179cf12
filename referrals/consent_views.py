"""Recording a client's consent to share data with VDAB, and its withdrawal, from the
client's page: POST only, back to that page, where a refused date shows on its form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, services
from .client_views import client_page
from .consent_forms import ConsentGiveForm, ConsentWithdrawForm
from .enums import ConsentScope
from .forms import add_validation_error
from .models import Client


def _client_for_consent(request, pk: int) -> Client:
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=pk)
    if not access.may_record_consent(client, request.user):
        raise PermissionDenied
    return client


def _record(request, client: Client, form, service, success: str, form_name: str):
    """Run `service` (`consent_give` or `consent_withdraw`) with a valid form's data and go
    back to the client's page; else show that page again with the form's errors (400)."""
    if form.is_valid():
        try:
            service(client=client, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            add_validation_error(form, exc)
        except services.TransitionRefused as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, success)
            return redirect(client)
    return client_page(request, client, status=400, **{form_name: form})


@require_POST
def consent_give(request, pk: int):
    client = _client_for_consent(request, pk)
    form = ConsentGiveForm(request.POST, client=client)
    return _record(
        request,
        client,
        form,
        service=services.consent_give,
        success=_("The client's consent was recorded."),
        form_name="give_form",
    )


@require_POST
def consent_withdraw(request, pk: int):
    client = _client_for_consent(request, pk)
    holding = client.consents.open().filter(scope=ConsentScope.OKOT).first()
    form = ConsentWithdrawForm(request.POST, client=client, consent=holding)
    return _record(
        request,
        client,
        form,
        service=services.consent_withdraw,
        success=_(
            "The withdrawal of the consent was recorded. The VDAB counsellors of the "
            "client's referrals in progress are told in the app."
        ),
        form_name="withdraw_form",
    )
