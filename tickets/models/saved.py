"""Filters a user saves on the queue and the search page 常用筛选 (a name and the query string they stand for)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedFilterPage(models.TextChoices):
    QUEUE = "queue", _("My orders")
    SEARCH = "search", _("Search")


class SavedFilter(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="saved_filters")
    page = models.CharField(_("page"), max_length=10, choices=SavedFilterPage.choices)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("query string"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "page", "name"], name="saved_filter_unique_name")]

    def __str__(self) -> str:
        return self.name
