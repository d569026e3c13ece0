"""The search index: one row per indexed chunk of an object's text.

The row keeps the original title and body slice (for snippets and for rebuilding the SQLite FTS5
rows); the match structure lives beside it: on PostgreSQL the ``terms`` tsvector column with a GIN
index, on SQLite the contentless FTS5 table ``search_fts`` keyed by the row's ``id``. Both are
created by the migrations for the database they run on, as are the PostgreSQL ``pg_trgm`` index on
the text and the newest-first index (``date DESC NULLS LAST, id DESC`` on both databases).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TermVectorField(models.Field):
    """A ``tsvector`` on PostgreSQL, an unused nullable text column elsewhere.

    Values are tsvector literals built in Python (:meth:`text.Chunk.tsvector`) so that positions are
    exactly the ones the phrase queries expect; PostgreSQL's own parser never sees the text.
    """

    description = "PostgreSQL tsvector (text elsewhere)"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_placeholder(self, value, compiler, connection):
        return "%s::tsvector" if connection.vendor == "postgresql" else "%s"


class SearchEntry(models.Model):
    """One chunk of one indexed object (most objects have exactly one chunk, number 0)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    #: Primary key of the indexed object; only integer keys are supported.
    object_id = models.PositiveBigIntegerField()
    chunk = models.PositiveIntegerField(default=0)
    language = models.CharField(_("语言"), max_length=16, default="zh-hans")
    title = models.TextField(_("标题"))
    #: The slice of the body this chunk covers (chunks overlap by text.MAX_QUERY_LENGTH characters).
    body_text = models.TextField(_("正文"), blank=True)
    doc_type = models.CharField(_("文档类型"), max_length=64)
    department_code = models.CharField(_("部门代码"), max_length=64, blank=True)
    date = models.DateField(_("日期"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    is_public = models.BooleanField(_("公开"), default=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)
    indexed_at = models.DateTimeField(_("索引时间"), auto_now=True)
    terms = TermVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "chunk"], name="search_entry_unique_chunk"
            ),
        ]
        indexes = [
            models.Index(fields=["doc_type", "year"], name="search_entry_type_year"),
            models.Index(fields=["department_code"], name="search_entry_department"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type}:{self.object_id}#{self.chunk} {self.title[:30]}"
