"""Nothing the application answers is kept in a browser's or a proxy's cache.

Pages and downloads (report CSV and XLSX, the printed agreement, admin pages) hold personal
data: on a shared computer the back button or the disk cache would show them to the next
user. Static files never reach this middleware: WhiteNoise, earlier in MIDDLEWARE, answers
them first with its own long-lived caching."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Django's never_cache: no-store, no-cache, must-revalidate, private, max-age=0.
        add_never_cache_headers(response)
        return response
