"""``exact`` on a foreign key with a number no key can have is an empty result, as Django already makes it for an
integer column (``IntegerFieldOverflow``): without this, ``?agent__exact=18446744073709551616`` in an admin list
reached SQLite, whose driver raises OverflowError (a 500). Registered through the documented lookup API
(``ContactcenterConfig.ready``)."""

from django.core.exceptions import EmptyResultSet
from django.db.models.fields.related_lookups import RelatedExact


class RelatedExactInRange(RelatedExact):
    def process_rhs(self, compiler, connection):
        if isinstance(self.rhs, int) and not isinstance(self.rhs, bool):
            target = getattr(self.lhs.output_field, "target_field", None)
            if target is not None:
                try:
                    low, high = connection.ops.integer_field_range(target.get_internal_type())
                except KeyError:  # not an integer key
                    low = high = None
                if (low is not None and self.rhs < low) or (high is not None and self.rhs > high):
                    raise EmptyResultSet
        return super().process_rhs(compiler, connection)
