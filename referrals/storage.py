"""Where the documents attached to referrals are kept: the `documents` storage of the
STORAGES setting (config/settings/base.py), a private directory on local disk by default,
an S3-compatible bucket when configured. Never MEDIA_ROOT, never behind a public URL: a
document is served only by `referrals.document_views.document_download`, to whoever may
see its referral.

`Document.file` takes `document_storage` (a callable, so that migrations name the function
and not a configured backend); it returns one lazy object that asks `storages` for the
alias on first use, and again after a test changed STORAGES."""

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

ALIAS = "documents"


class _DocumentStorage(LazyObject):
    def _setup(self):
        self._wrapped = storages[ALIAS]


class PrivateFileSystemStorage(FileSystemStorage):
    """Files on local disk that have no URL (asking for one is a mistake, not a link),
    readable by the app's own user only unless told otherwise."""

    def __init__(self, **options):
        options.setdefault("file_permissions_mode", 0o600)
        options.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**options)

    def url(self, name):
        raise ValueError("Documents have no URL: link to the app's download view.")


_documents = _DocumentStorage()


def document_storage():
    """The storage of `Document.file`."""
    return _documents


@receiver(setting_changed, dispatch_uid="referrals.storage.storages_changed")
def _storages_changed(*, setting, **kwargs) -> None:
    # Django's own receiver forgets `storages`' backends; this forgets the one taken from it.
    if setting == "STORAGES":
        _documents._wrapped = empty
