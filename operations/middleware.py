"""The operations' middleware: the probes answered before anything about a browser, and the
request metrics with bounded labels."""

from django.urls import reverse
from django_prometheus.middleware import PrometheusAfterMiddleware

from . import views

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}


class ProbeMiddleware:
    """Answer /health/ and /metrics before sessions, the host check and the login.

    A load balancer or Prometheus asks by the instance's address (`Host: 10.0.3.7:8000`),
    which ALLOWED_HOSTS rightly refuses for pages, over plain HTTP (SECURE_REDIRECT_EXEMPT
    spares them the HTTPS redirect, SecurityMiddleware being first) and without a session,
    which they must not create. Both answers use nothing of the host. Placed after the
    response headers' middleware, so that they carry the same headers as every page."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.probes = None

    def __call__(self, request):
        if self.probes is None:  # the URLconf is read on the first request, not at startup
            self.probes = {
                reverse("operations:health"): views.health,
                reverse("operations:metrics"): views.metrics,
            }
        probe = self.probes.get(request.path_info)
        return probe(request) if probe else self.get_response(request)


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus's per-view metrics, with a method the app does not know counted as
    "other": the library labels latency with the method as sent, so that every invented
    method would make a new series (`label_metric` is its hook for labels, which its own tests
    extend)."""

    def label_metric(self, metric, request, response=None, **labels):
        if "method" in labels and labels["method"] not in METHODS:
            labels["method"] = "other"
        return super().label_metric(metric, request, response, **labels)
