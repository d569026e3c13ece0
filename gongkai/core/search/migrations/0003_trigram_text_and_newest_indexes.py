"""Index the text with pg_trgm (PostgreSQL, 3+ character terms) and order newest first, undated last.

* PostgreSQL: a ``pg_trgm`` GIN index on ``title || ' ' || body_text`` answers terms of three
  characters or more (``LIKE`` / ``ILIKE '%term%'``, rechecked on the text: exact).
* Both: ``search_entry_recent`` (``date DESC, id DESC``: undated entries first on PostgreSQL) is
  replaced by ``search_entry_newest`` in the order every newest-first query uses,
  ``date DESC NULLS LAST, id DESC`` (SQLite's ``DESC`` already puts NULLs last).
"""

from django.db import migrations

PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_entry_text_trgm ON search_searchentry"
    " USING gin ((title || ' ' || body_text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_entry_newest ON search_searchentry (date DESC NULLS LAST, id DESC)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS search_entry_text_trgm",
    "DROP INDEX IF EXISTS search_entry_newest",
]
SQLITE_CREATE = ["CREATE INDEX IF NOT EXISTS search_entry_newest ON search_searchentry (date DESC, id DESC)"]
SQLITE_DROP = ["DROP INDEX IF EXISTS search_entry_newest"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_CREATE if vendor == "postgresql" else SQLITE_CREATE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in PG_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_match_structures"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="searchentry",
            name="search_entry_recent",
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
