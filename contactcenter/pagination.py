from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """DRF's page numbers; ``page_size`` from 1 to 200, anything else a 400 naming the range (DRF would quietly
    fall back to the default for ``abc`` or ``1e999`` and cut 100000 down: a client would not know)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not (given.isascii() and given.isdigit() and 1 <= int(given) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [
                _("page_size is a whole number from 1 to %(max)s.") % {"max": self.max_page_size}]})
        return int(given)
