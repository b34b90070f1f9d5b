"""Writes: attach a file, delete one (the row stays, with who deleted it and when; the stored file goes)."""

import datetime as dt
import logging

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import Conflict, NotPermitted
from ..models import Attachment
from . import files, registry

log = logging.getLogger(__name__)

DELETE_ANY = "contactcenter.delete_attachment"  # a supervisor's: any attachment, any time


def attachment_add(*, parent: Model, upload: File, given_name: str, actor) -> Attachment:
    """Attach the uploaded file to ``parent`` (an object the actor sees): checked by content, a photo cleaned of its
    metadata unless the actor is staff, stored through the default storage under a random name."""
    kind = registry.by_model(type(parent))
    if not kind.may_attach(actor, parent):
        raise NotPermitted(_("You may not attach files to this."))
    checked = files.check(upload, given_name=given_name, keep_metadata=actor.is_staff)
    attachment = Attachment(parent=parent, name=checked.name, media_type=checked.media_type, size=checked.size,
                            uploaded_by=actor, uploaded_at=timezone.now())
    attachment.file.save(checked.name, checked.content, save=False)  # the storage first: the row never points nowhere
    try:
        attachment.save(force_insert=True)
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def may_delete(attachment: Attachment, user, *, now: dt.datetime | None = None) -> bool:
    """The uploader within ``ATTACHMENT_DELETE_MINUTES`` of the upload (a wrong photo), a supervisor any time."""
    if attachment.deleted_at is not None:
        return False
    if user.has_perm(DELETE_ANY):
        return True
    window = dt.timedelta(minutes=settings.ATTACHMENT_DELETE_MINUTES)
    return attachment.uploaded_by_id == user.pk and (now or timezone.now()) - attachment.uploaded_at <= window


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor) -> Attachment:
    """Delete the file: the row records who and when; the stored bytes are removed once that is committed."""
    row = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if row.deleted_at is not None:
        raise Conflict(_("This attachment has already been deleted."), code="already_deleted")
    if not may_delete(row, actor):
        raise NotPermitted(_("Only a supervisor may delete this file now: the uploader may delete their own within "
                             "%(minutes)s minutes of uploading it.") % {"minutes": settings.ATTACHMENT_DELETE_MINUTES})
    stored, storage = row.file.name, row.file.storage
    row.deleted_at, row.deleted_by, row.file = timezone.now(), actor, ""
    row.save(update_fields=["deleted_at", "deleted_by", "file"])
    # After the commit (a rolled-back deletion keeps its file); a storage that fails then leaves the bytes behind,
    # logged, while the row already says the file is deleted.
    transaction.on_commit(lambda: _remove(storage, stored), robust=True)
    return row


def _remove(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:
        log.exception("attachment file %s could not be removed from the storage", name)
        raise
