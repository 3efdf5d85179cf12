import functools

from .models import Notification


def unread_notifications(request) -> dict:
    """The unread count for the navigation: one COUNT query, made only when a page shows
    it (templates call the function; it counts once per request) and none for anonymous
    users."""

    @functools.cache
    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return Notification.objects.inbox_of(user).unread().count()

    return {"unread_notifications": count}
