"""Create the database-specific match structure: a GIN index (PostgreSQL) or an FTS5 table (SQLite)."""

from django.db import migrations

GIN_CREATE = "CREATE INDEX IF NOT EXISTS search_entry_terms_gin ON search_searchentry USING gin (terms)"
GIN_DROP = "DROP INDEX IF EXISTS search_entry_terms_gin"
# Contentless: the entry row keeps the text; detail=full for phrase queries on the bigram column.
FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "uni, bi, w, content='', detail=full, tokenize='unicode61 remove_diacritics 0')"
)
FTS_DROP = "DROP TABLE IF EXISTS search_fts"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(GIN_CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(GIN_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(FTS_DROP)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_entry_table")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
