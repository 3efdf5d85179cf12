from django.contrib.auth.decorators import login_not_required
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .models import User


@login_not_required
@require_POST
def set_language(request):
    """Django's language switch, which also remembers the choice for a logged-in user, so
    that messages and e-mails reach them in it."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(User._meta.get_field("language").choices):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
