from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ContactcenterConfig(AppConfig):
    """The project's wiring: no models; syncs the role groups after every migrate."""

    name = "contactcenter"
    verbose_name = "Contact center"

    def ready(self) -> None:
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="contactcenter.sync_roles")
