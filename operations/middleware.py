"""The operations' middleware: the probes answered before anything about a browser, a line
of log for each request, and the request metrics with bounded labels."""

import logging
import re
import time
import uuid

from django.urls import reverse
from django_prometheus.middleware import PrometheusAfterMiddleware

from . import views
from .logs import request_id

logger = logging.getLogger("operations.requests")

# An id the proxy in front gave the request (nginx's $request_id, a load balancer's trace
# id) is kept, so that its log and ours meet; anything else gets one of ours.
GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
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


class RequestLogMiddleware:
    """One line for each request: its id, method, the route's pattern and the view's name
    (`referrals/<int:pk>/`, `referrals:referral_detail`: never the path, which may carry an
    id, nor the query string or the body), the status and the time taken. The id goes back
    to the client in X-Request-ID and on every other line logged meanwhile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        current = given if GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(current)
        request.request_id = current  # for Django's own line about the answer, logged after
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = (time.perf_counter() - started) * 1000
            match = getattr(request, "resolver_match", None)
            route = match.route if match else None
            method = request.method if request.method in METHODS else "other"
            logger.info(
                "%s %s %s %.0fms",
                method,
                route or "(no route)",
                response.status_code,
                duration,
                extra={
                    "request_id": current,
                    "method": method,
                    "route": route,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round(duration, 1),
                },
            )
            response.headers.setdefault("X-Request-ID", current)
            return response
        finally:
            request_id.reset(token)


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus's per-view metrics, with a method the app does not know counted as
    "other": the library labels latency with the method as sent, so that every invented
    method would make a new series (`label_metric` is its hook for labels, which its own tests
    extend)."""

    def label_metric(self, metric, request, response=None, **labels):
        if "method" in labels and labels["method"] not in METHODS:
            labels["method"] = "other"
        return super().label_metric(metric, request, response, **labels)
