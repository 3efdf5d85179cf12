from django import forms
from django.utils.translation import gettext_lazy as _

from . import two_factor


class CodeForm(forms.Form):
    """A code of the second factor: six digits from the app, or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The six digits your authenticator app shows, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    error_messages = {
        "invalid": _("That code is not right, or was already used. Try again."),
        "throttled": _("Too many wrong codes. Wait a moment before you try again."),
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        self.device, refusal = two_factor.verify(self.user, code)
        if self.device is None:
            raise forms.ValidationError(self.error_messages[refusal], code=refusal)
        return code


class EnrolForm(forms.Form):
    """The first code of the authenticator app being enrolled."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("The six digits the app shows after you added the account."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not self.device.verify_token(two_factor.normalise(code)):
            raise forms.ValidationError(
                _("That code is not right. Check the app's clock and try the newest code."),
                code="invalid",
            )
        return code


class PasskeyNameForm(forms.Form):
    """The name of a passkey just registered, and which one (its id, from the library's
    answer): the name tells the user's passkeys apart on the account page."""

    credential = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("Name of the passkey"),
        max_length=two_factor.PASSKEY_NAME_MAX_LENGTH,
        help_text=_("Where the passkey is, for example “Work laptop” or “Phone”."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "passkey-%s")
        super().__init__(*args, **kwargs)
