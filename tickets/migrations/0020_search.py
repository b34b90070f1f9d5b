"""Search 工单查询 (tickets.search): the searchable columns, filled for the orders already there, and on PostgreSQL
their indexes — the text's character bigrams for a term with Chinese characters (any substring of 2 characters or
more: pg_trgm needs 3, and classifies CJK as letters only under some locales), pg_trgm for an ASCII term in the
text, the order number and the phone numbers (digits: a bigram index would hold only 100 keys). BENCHMARKS.md gives
the measurements behind the choice."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

BIGRAMS = """
CREATE OR REPLACE FUNCTION tickets_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}') FROM generate_series(1, char_length(t) - 1) AS i
$$"""

INDEXES = [
    "CREATE INDEX IF NOT EXISTS wo_search_text_idx ON tickets_workorder USING gin (tickets_bigrams(search_text))",
    "CREATE INDEX IF NOT EXISTS wo_search_text_trgm_idx ON tickets_workorder USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS wo_number_trgm_idx ON tickets_workorder USING gin (number gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS wo_search_phones_idx ON tickets_workorder USING gin (search_phones gin_trgm_ops)",
]


def fill(apps, schema_editor):
    from tickets import search

    WorkOrder = apps.get_model("tickets", "WorkOrder")
    last = 0
    while True:
        batch = list(WorkOrder.objects.filter(pk__gt=last).select_related("customer").order_by("pk")[:2000])
        if not batch:
            return
        for order in batch:
            search.refresh(order, order.customer)
        WorkOrder.objects.bulk_update(batch, ["search_text", "search_phones"])
        last = batch[-1].pk


def indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the embedded default searches by LIKE
    schema_editor.execute(BIGRAMS)
    for sql in INDEXES:
        schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in ("wo_search_text_idx", "wo_search_text_trgm_idx", "wo_number_trgm_idx", "wo_search_phones_idx"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS tickets_bigrams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0019_provisional_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="search_phones",
            field=models.CharField(blank=True, default="", editable=False, max_length=80,
                                   verbose_name="searchable phone numbers"),
        ),
        migrations.AddField(
            model_name="workorder",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="searchable text"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        TrigramExtension(),
        migrations.RunPython(indexes, drop_indexes),
    ]
