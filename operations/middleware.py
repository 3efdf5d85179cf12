"""The operations' middleware: the probes answered before anything about a browser."""

from django.urls import reverse

from . import views


class ProbeMiddleware:
    """Answer /health/ before sessions, the host check and the login.

    A load balancer asks by the instance's address (`Host: 10.0.3.7:8000`), which
    ALLOWED_HOSTS rightly refuses for pages, over plain HTTP (SECURE_REDIRECT_EXEMPT spares it
    the HTTPS redirect, SecurityMiddleware being first) and without a session, which it must
    not create. The answer uses nothing of the host. Placed after the response headers'
    middleware, so that it carries the same headers as every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.probes = None

    def __call__(self, request):
        if self.probes is None:  # the URLconf is read on the first request, not at startup
            self.probes = {reverse("operations:health"): views.health}
        probe = self.probes.get(request.path_info)
        return probe(request) if probe else self.get_response(request)
