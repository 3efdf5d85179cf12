"""The two answers for machines: /health/ for load balancers and docker compose, /metrics for
Prometheus. Neither has personal data, a session or a page; `middleware.ProbeMiddleware`
answers them before the host check, the HTTPS redirect and the login."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from . import health as checks
from . import metrics as exposition


@login_not_required
@never_cache
@require_safe
def health(request):
    """200 while this instance can serve (the database and Redis answer), `degraded` in the
    body when an outbox falls behind; 503 naming the check that failed."""
    status, found = checks.run()
    return JsonResponse(
        {"status": status, "checks": found}, status=503 if status == checks.UNHEALTHY else 200
    )


@login_not_required
@never_cache
def metrics(request):
    """Prometheus's text format, for the bearer of METRICS_TOKEN; a 404 to anyone else, as
    if there were nothing here. A bare one: the site's 404 page needs the session and the
    user, which this answer comes before."""
    if not exposition.authorised(request.headers.get("Authorization", "")):
        return HttpResponseNotFound()
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    return HttpResponse(exposition.exposition(), content_type=CONTENT_TYPE_LATEST)
