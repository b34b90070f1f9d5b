"""The authentication backend: Django's ModelBackend, reading a user's permissions in one query."""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Permission


class ModelBackend(DjangoModelBackend):
    """Every API request and page asks ``has_perm`` at least once. Django's ModelBackend then reads the user's own
    permissions and their groups' permissions with two queries; this reads both with one (a UNION). The result
    and its caching on the user object for the rest of the request (``_perm_cache``) are Django's."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            columns = ("content_type__app_label", "codename")
            permissions = Permission.objects.order_by()  # no ORDER BY (the model's) in the parts of a UNION
            if user_obj.is_superuser:
                rows = permissions.values_list(*columns)
            else:
                own = permissions.filter(user=user_obj).values_list(*columns)
                rows = own.union(permissions.filter(group__user=user_obj).values_list(*columns))
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
