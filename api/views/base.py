"""What every API view shares: DRF authenticates the caller itself (token or session), so
Django's LoginRequiredMiddleware, which knows only the session, must let the request
through to it."""

from rest_framework import viewsets
from rest_framework.views import APIView


class ApiMixin:
    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        view.login_required = False  # DRF answers 401 itself; never a redirect to a page
        return view


class ApiView(ApiMixin, APIView):
    pass


class ReadOnlyViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    # An id is a number: anything else is a 404 at the URL, never a ValueError in a query.
    lookup_value_regex = r"\d+"
