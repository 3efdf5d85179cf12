"""The form that attaches a document to a referral, on the referral's page. The file is
checked as the service checks it (`document_files.check_file`), so that a wrong one gets
its message on the field."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .document_files import ACCEPT, check_file, max_bytes, type_names
from .enums import DocumentKind
from .forms import CrispyMixin
from .models import Document


class DocumentForm(CrispyMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    description = Document._meta.get_field("description").formfield()
    file = forms.FileField(label=_("File"), allow_empty_file=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_document_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.widget.attrs["accept"] = ACCEPT
        field.help_text = _("%(types)s, at most %(max)d MB.") % {
            "types": type_names(),
            "max": max_bytes() // (1024 * 1024),
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_file(upload)
        except ValidationError as exc:
            raise ValidationError(exc.error_list) from None
        return upload
