"""The JSON API for partner systems (api/, docs/api.md): tokens, throttling, pagination,
errors and the OpenAPI schema. Read by `base`, beside the cache the throttle counts in."""

import os

# /api/v1/ for partner systems (api/): tokens an administrator creates in Django admin, or
# the browser's session. Cursor pagination (no page counts rows), throttled per token, every
# error in the caller's language (api.exceptions).
API_TOKEN_LIFETIME_DAYS = int(os.environ.get("API_TOKEN_LIFETIME_DAYS", "365"))
API_IDEMPOTENCY_HOURS = int(os.environ.get("API_IDEMPOTENCY_HOURS", "24"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerToken"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_THROTTLE_RATE", "1200/minute")},
    "EXCEPTION_HANDLER": "api.exceptions.handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OKOT referrals API",
    "DESCRIPTION": (
        "Read and drive OKOT referrals with the rules of the web application. "
        "Authenticate with `Authorization: Bearer <token>`. See docs/api.md."
    ),
    "VERSION": "1",
    # 3.1: the first OpenAPI version with `webhooks`, for the calls partner systems receive.
    "OAS_VERSION": "3.1.0",
    "WEBHOOKS": ["api.schema.referral_event"],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "State": "referrals.enums.State",
        "EndResult": "referrals.enums.EndResult",
        "StopReason": "referrals.enums.StopReason",
        "Obtained": "referrals.enums.Obtained",
        "ContinuedBy": "referrals.enums.ContinuedBy",
        "Province": "accounts.models.Province",
    },
}
