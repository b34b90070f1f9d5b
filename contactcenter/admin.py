"""Admin plumbing every app's admin uses."""


class ViewOnlyMixin:
    """Facts written by the services: anyone with the view permission may look, nobody may write."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
