"""The audit trail's recorder: django-simple-history's ``HistoricalRecords`` with two fixes for our models.

Every change of the data that decides penalties and access (penalty rules, SLA policies, phrases, the calendar,
outage lead times, users' roles, the roles' permissions) gets a history row: who (the request's user, set by
``simple_history.middleware.HistoryRequestMiddleware``; none for commands and workers), when, and the row as it
was after the change. ``kpi.audit`` turns those rows into the supervisors' audit page.
"""

from django.conf import settings
from simple_history.models import HistoricalRecords


class AuditedRecords(HistoricalRecords):
    """``HistoricalRecords`` that (1) records nothing for a save that changes no tracked column (a login writes
    ``last_login`` alone, a new password only the excluded hash, an admin form may be saved as it was: no empty
    rows in the trail) and (2) records the right rows when a many-to-many relation is changed from its other side
    (``group.user_set.add(user)`` is a change of the user's roles; the library would record the group instead)."""

    def contribute_to_class(self, cls, name):
        super().contribute_to_class(cls, name)
        # A model of a models package (tickets/models/sla.py): put its history model in the package, where the
        # library expects the app's models (``tickets.models.HistoricalSlaPolicy``, importable like the others).
        package = f"{cls._meta.app_label}.models"
        if cls.__module__.startswith(f"{package}."):
            self.module = package

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        if (not created and not kwargs.get("raw") and getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
                and self._same_as_last_record(instance)):
            return  # one query per save of these rarely saved rows
        super().post_save(instance, created, using=using, **kwargs)

    def _same_as_last_record(self, instance) -> bool:
        names = [f.attname for f in self.fields_included(instance) if not getattr(f, "auto_now", False)]
        last = getattr(instance, self.manager_name).order_by("-history_id").values(*names).first()
        return last is not None and all(last[name] == getattr(instance, name) for name in names)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        # ``instance`` is the other side (e.g. a group); ``pk_set`` names our rows (e.g. users). A clear from the
        # other side gives no pk_set after the fact: note who was linked before it.
        related = getattr(instance, self.cls._meta.get_field(attr).remote_field.get_accessor_name())
        if action == "pre_clear":
            instance.audit_cleared_pks = set(related.values_list("pk", flat=True))
            return None
        if action == "post_clear":
            pk_set = getattr(instance, "audit_cleared_pks", set())
        elif action not in ("post_add", "post_remove"):
            return None
        for row in self.cls._default_manager.filter(pk__in=pk_set or ()):
            super().m2m_changed(row, action, attr, pk_set, False, **kwargs)
        return None
