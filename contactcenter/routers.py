"""The apps' API router (its own module: ``contactcenter.drf`` is imported by DRF's settings, this imports DRF)."""

from rest_framework import routers


class Router(routers.DefaultRouter):
    """No ``.json`` format-suffix URLs. The API speaks only JSON, the suffix URLs are not in the contract (the
    schema leaves them out), and the extra actions (``transitions/{name}.json``) answered them with a 500 because
    their methods take no ``format`` argument: fewer URLs, nothing to guard twice."""

    include_format_suffixes = False
