"""The response headers that say what a page may load and use (docs/security.md). Read by
`base`."""

from csp.constants import NONE, SELF

# Content Security Policy (django-csp): scripts, styles, fonts and images only from our own
# static files, no inline script or style (so no 'unsafe-inline'), nothing framed or embedded,
# forms posted only to the site. Bootstrap's CSS draws its form controls with data: SVGs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no browser feature the app does not use.
# Passkeys (WebAuthn) are the exception, for this site's own pages only.
PERMISSIONS_POLICY = {
    **dict.fromkeys(
        [
            "accelerometer",
            "autoplay",
            "bluetooth",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "fullscreen",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "local-fonts",
            "magnetometer",
            "microphone",
            "midi",
            "otp-credentials",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "usb",
            "web-share",
            "xr-spatial-tracking",
        ],
        [],
    ),
    "publickey-credentials-create": "self",
    "publickey-credentials-get": "self",
}
