"""Admin autocomplete that keeps the typed text out of URLs.

Django's autocomplete fields (select2) ask `/admin/autocomplete/?term=…` for every letter
typed: a client's name or national number in a URL, and so in access logs. Here the term
(and the page of results) is posted in the body, CSRF-protected like every admin POST; which
field is being filled in (app, model, field: no one's data) stays in the query string, so
Django's own checks of it and of the user's permission run unchanged. A GET, or a term in the
query string, searches nothing.

`static/admin/js/autocomplete.js` (found before Django's own file of that name) makes the
widgets post. `AutocompleteByPostMixin` goes on the project's AdminSite (accounts/admin_site.py).

A ModelAdmin that has `autocomplete_searched(request, term, objects, hits=)` is told what
its field offered (the audit trail's, for models of personal data)."""

from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext

TERM_VAR = "term"


class AutocompleteByPostView(AutocompleteJsonView):
    """Django's AutocompleteJsonView, answering a POST with the term in its body."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if TERM_VAR in request.GET:
            return HttpResponseBadRequest(gettext("The search term belongs in the request body."))
        # ListView reads the page from kwargs before the query string: the body's page.
        self.kwargs = {**kwargs, self.page_kwarg: request.POST.get(self.page_kwarg) or 1}
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The ModelAdmin of a model of personal data records the choices offered
        # (audit.admin_reads.AuditedReadsMixin): the page's rows, then shown from the same
        # evaluated queryset, and the hits the paginator counted already.
        searched = getattr(self.model_admin, "autocomplete_searched", None)
        if searched is not None:
            searched(
                self.request, self.term, context["object_list"], hits=context["paginator"].count
            )
        return context

    def process_request(self, request):
        _no_term, model_admin, source_field, to_field_name = super().process_request(request)
        return request.POST.get(TERM_VAR, ""), model_admin, source_field, to_field_name


class AutocompleteByPostMixin:
    """For an AdminSite: its autocomplete view answers POST only (AutocompleteByPostView)."""

    def autocomplete_view(self, request):
        return AutocompleteByPostView.as_view(admin_site=self)(request)
