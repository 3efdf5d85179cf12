"""The OpenAPI schema and its Swagger UI page. The page is Swagger UI's "split" view: its
settings come from a script file of their own, so the Content-Security-Policy needs no
inline script; its files are static files of the drf-spectacular-sidecar package, never a
CDN. Both are public like any API reference: they describe the API, not anyone's data."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .base import ApiMixin


class SchemaView(ApiMixin, SpectacularAPIView):
    authentication_classes = []
    permission_classes = []


class DocsView(ApiMixin, SpectacularSwaggerSplitView):
    authentication_classes = []
    permission_classes = []
