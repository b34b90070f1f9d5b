"""Reads: an object's attachments, and one attachment as a user may reach it (its object's rules decide)."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from ..drf import MAX_ID
from ..errors import NotFound
from ..models import Attachment
from . import registry


def attachments_of(parent: Model) -> QuerySet[Attachment]:
    """Every attachment of the object, deleted ones too (they are its history), oldest first. Who uploaded and who
    deleted them come by a query each, only when there are any: most objects have none, and their page then pays
    one plain query, not a join of the users twice (which PostgreSQL plans and Django builds at every load)."""
    return (Attachment.objects.filter(content_type=ContentType.objects.get_for_model(parent), object_id=parent.pk)
            .prefetch_related("uploaded_by", "deleted_by").order_by("id"))


def visible_attachment(user, pk: int) -> tuple[Attachment, registry.Parent, Model]:
    """The attachment, its kind of object and the object, for a user who may see that object: 403 without the app's
    read permission, 404 when the object is hidden from them (as the app's own pages answer) or there is none."""
    attachment = (Attachment.objects.select_related("uploaded_by", "deleted_by").filter(pk=pk).first()
                  if 0 < pk <= MAX_ID else None)
    if attachment is None:
        raise NotFound(str(registry.NOT_FOUND))
    model = ContentType.objects.get_for_id(attachment.content_type_id).model_class()
    try:
        parent = registry.by_model(model)
    except LookupError:  # a kind no app registers any more
        raise NotFound(str(registry.NOT_FOUND)) from None
    obj = registry.visible_object(parent, user, attachment.object_id)
    return attachment, parent, obj
