"""The answers for machines: /health/ for load balancers and docker compose. No personal
data, no session, no page; `middleware.ProbeMiddleware` answers it before the host check, the
HTTPS redirect and the login."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import health as checks


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
