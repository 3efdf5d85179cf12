from . import access


def permissions(request) -> dict:
    """`may`: what the navigation and a page's buttons may offer the user (`referrals.access`),
    each asked only when a template shows it."""
    return {"may": access.for_templates(request.user)}
