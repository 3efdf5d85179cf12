"""How many requests a caller may send: per token for systems, per user for the browser.
Counted in the cache (Redis when REDIS_URL is set, so that every web worker counts the
same requests)."""

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerToken(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
