"""The hotline knowledge base (GB/T 44191-2024 政务服务便民热线知识库) and the routing model's versions.

Write only through ``gongkai.hotline.knowledge.services``; read through ``selectors``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongkai.core.search.documents import Searchable, SearchDocument

#: doc_type of published articles in the search index; drafts and expired ones get a suffix so that
#: the operators' search (published only) stays an indexed filter with exact totals and paging.
DOC_TYPE = "knowledge"


class ArticleStatus(models.TextChoices):
    # Being written or revised; operators don't see it.
    DRAFT = "draft", _("草稿")
    # In force: searchable, suggested to operators.
    PUBLISHED = "published", _("已发布")
    # No longer valid (past its validity or withdrawn); kept for the record, not suggested.
    EXPIRED = "expired", _("已失效")


def doc_type_for(status: str) -> str:
    return DOC_TYPE if status == ArticleStatus.PUBLISHED else f"{DOC_TYPE}_{status}"


class KnowledgeArticle(Searchable, models.Model):
    """One answer of the knowledge base: a question (with its variants), the answer and its basis."""

    search_doc_type = DOC_TYPE

    title = models.CharField(_("标题"), max_length=200)
    questions = models.TextField(
        _("问题及常见问法"), blank=True, help_text=_("每行一种问法，例如群众的常见说法。")
    )
    answer = models.TextField(_("答复口径"), help_text=_("话务员可直接答复群众的内容（纯文本）。"))
    category = models.ForeignKey(
        "hotline.RoutingCategory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("派单目录分类"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任单位"),
    )
    policy_basis = models.TextField(_("政策依据"), blank=True)
    source_url = models.URLField(_("来源链接"), max_length=500, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    review_due = models.DateField(
        _("复核日期"), null=True, blank=True, help_text=_("到期后进入“待复核”清单，复核后顺延。")
    )
    reviewed_at = models.DateTimeField(_("上次复核时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    usage_count = models.PositiveIntegerField(_("使用次数"), default=0)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "review_due"], name="knowledge_review_queue"),
            models.Index(fields=["category", "status"], name="knowledge_by_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="knowledge_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]

    def search_document(self) -> SearchDocument:
        # Staff only (is_public=False): the knowledge base holds internal answer guidance.
        return SearchDocument.for_object(
            self,
            title=self.title,
            body="\n".join(part for part in (self.questions, self.answer, self.policy_basis) if part),
            doc_type=doc_type_for(self.status),
            department_code=self.department.code if self.department_id and self.department else None,
            date=self.updated_at.date() if self.updated_at else None,
            is_public=False,
            extra={"status": self.status},
        )

    @classmethod
    def search_queryset(cls) -> models.QuerySet:
        return cls.objects.select_related("department")


class KnowledgeArticleRevision(models.Model):
    """A snapshot of an article after each change: the version history (who, when, what)."""

    article = models.ForeignKey(KnowledgeArticle, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("版本"))
    data = models.JSONField(_("内容"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("知识条目版本")
        verbose_name_plural = _("知识条目版本")
        ordering = ["article", "-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="knowledge_revision_once")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class RoutingModel(models.Model):
    """One trained version of the routing suggestion model (department + category).

    The fitted model is stored in the row (joblib bytes, ~1 MB): every web node and worker reads
    the same version from the database, none needs a shared file system. Only
    ``services.routing_train`` writes these bytes; they are unpickled, so nothing else may.
    """

    version = models.PositiveIntegerField(_("版本"), unique=True)
    trained_at = models.DateTimeField(_("训练时间"))
    sample_count = models.PositiveIntegerField(_("样本数"))
    metrics = models.JSONField(_("评估指标"), default=dict)
    model_data = models.BinaryField(_("模型数据"), editable=False)
    sklearn_version = models.CharField(_("scikit-learn 版本"), max_length=20, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("派单模型")
        verbose_name_plural = _("派单模型")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} ({self.sample_count})"
