"""Writes of the knowledge base and the routing model.

Article services check the actor (``permissions.may_edit_knowledge``; ``PermissionDenied``
otherwise), validate (Django ``ValidationError`` with Chinese messages keyed by field), save,
re-index the article in the search component, write a revision and an audit event — all in one
transaction, so the index and the history never disagree with the row.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.accounts.models import Department
from gongkai.api.errors import PermissionDenied
from gongkai.core.audit.services import audit_record
from gongkai.core.parsing import parse_id
from gongkai.core.search import services as search
from gongkai.hotline.knowledge.models import (
    ArticleStatus,
    KnowledgeArticle,
    KnowledgeArticleRevision,
    RoutingModel,
)
from gongkai.hotline.knowledge.permissions import may_edit_knowledge
from gongkai.hotline.models import RoutingCategory

logger = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_TEXT = 20000
#: Default days from publication or review to the next review (GONGKAI_KNOWLEDGE_REVIEW_DAYS).
DEFAULT_REVIEW_DAYS = 180
#: Versions of the routing model kept in the database (older ones are deleted after training).
KEEP_MODEL_VERSIONS = 5

EDITABLE_FIELDS = (
    "title",
    "questions",
    "answer",
    "category",
    "department",
    "policy_basis",
    "source_url",
    "valid_from",
    "valid_until",
    "status",
    "review_due",
)


def review_interval_days() -> int:
    return int(getattr(settings, "GONGKAI_KNOWLEDGE_REVIEW_DAYS", DEFAULT_REVIEW_DAYS))


def _today() -> datetime.date:
    return timezone.localdate()


def _require_editor(actor: Any) -> None:
    if not may_edit_knowledge(actor):
        raise PermissionDenied(_("只有市长电话室和系统管理员可以维护知识库。"))


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _text(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("%(label)s必须是文本。") % {"label": label}})
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("%(label)s最多 %(limit)s 个字符。") % {"label": label, "limit": max_length}}
        )
    return value


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise the editable fields present in ``values``."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def attempt(field: str, fn: Any) -> None:
        if field not in values:
            return
        try:
            cleaned[field] = fn(values[field])
        except ValidationError as exc:
            errors.setdefault(field, []).extend(
                exc.message_dict.get(field, exc.messages) if hasattr(exc, "error_dict") else exc.messages
            )

    attempt("title", lambda v: _text(v, field="title", label=_("标题"), max_length=MAX_TITLE, required=True))
    attempt(
        "answer", lambda v: _text(v, field="answer", label=_("答复口径"), max_length=MAX_TEXT, required=True)
    )
    attempt(
        "questions", lambda v: _text(v, field="questions", label=_("问题及常见问法"), max_length=MAX_TEXT)
    )
    attempt(
        "policy_basis", lambda v: _text(v, field="policy_basis", label=_("政策依据"), max_length=MAX_TEXT)
    )

    def url(v: Any) -> str:
        v = _text(v, field="source_url", label=_("来源链接"), max_length=500)
        if v:
            try:
                URLValidator(schemes=["http", "https"])(v)
            except ValidationError:
                raise ValidationError(_("来源链接不是有效的网址。")) from None
        return v

    attempt("source_url", url)

    def status(v: Any) -> str:
        if v not in ArticleStatus.values:
            raise ValidationError(_("状态无效。"))
        return v

    attempt("status", status)

    def date(v: Any) -> datetime.date | None:
        if v in (None, ""):
            return None
        if isinstance(v, datetime.datetime):
            return v.date()
        if isinstance(v, datetime.date):
            return v
        try:
            return datetime.date.fromisoformat(str(v))
        except ValueError:
            raise ValidationError(_("日期格式应为 YYYY-MM-DD。")) from None

    for field in ("valid_from", "valid_until", "review_due"):
        attempt(field, date)

    def category(v: Any) -> RoutingCategory | None:
        if v in (None, ""):
            return None
        if isinstance(v, RoutingCategory):
            return v
        pk = parse_id(v)
        found = RoutingCategory.objects.filter(pk=pk).first() if pk else None
        if found is None:
            raise ValidationError(_("派单目录分类不存在。"))
        return found

    def department(v: Any) -> Department | None:
        if v in (None, ""):
            return None
        if isinstance(v, Department):
            return v
        pk = parse_id(v)
        found = Department.objects.filter(pk=pk).first() if pk else None
        if found is None:
            raise ValidationError(_("责任单位不存在。"))
        return found

    attempt("category", category)
    attempt("department", department)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _snapshot(article: KnowledgeArticle) -> dict[str, Any]:
    return {
        "title": article.title,
        "questions": article.questions,
        "answer": article.answer,
        "category": article.category_id,
        "department": article.department_id,
        "policy_basis": article.policy_basis,
        "source_url": article.source_url,
        "valid_from": article.valid_from.isoformat() if article.valid_from else None,
        "valid_until": article.valid_until.isoformat() if article.valid_until else None,
        "status": article.status,
        "review_due": article.review_due.isoformat() if article.review_due else None,
    }


def _check_consistency(article: KnowledgeArticle) -> None:
    if article.valid_from and article.valid_until and article.valid_until < article.valid_from:
        raise ValidationError({"valid_until": _("失效日期不能早于生效日期。")})
    if (
        article.status == ArticleStatus.PUBLISHED
        and article.valid_until is not None
        and article.valid_until < _today()
    ):
        raise ValidationError({"status": _("已过失效日期的条目不能发布，请先修改失效日期。")})


def _after_save(article: KnowledgeArticle, *, actor: Any, note: str) -> None:
    KnowledgeArticleRevision.objects.create(
        article=article,
        version=article.version,
        data=_snapshot(article),
        note=note[:200],
        created_by=_user(actor),
        created_at=article.updated_at,
    )
    search.index_searchable(article)


def article_create(*, actor: Any, request: Any = None, **values: Any) -> KnowledgeArticle:
    """Create an article (draft unless ``status`` says otherwise); returns it, indexed.

    Keyword arguments are the editable fields (``EDITABLE_FIELDS``); ``category`` and
    ``department`` may be instances or primary keys. A published article without ``review_due``
    gets one ``GONGKAI_KNOWLEDGE_REVIEW_DAYS`` (180) days ahead.
    """
    _require_editor(actor)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("不支持的字段。") for name in sorted(unknown)})
    for required in ("title", "answer"):
        values.setdefault(required, "")
    cleaned = _clean(values)
    now = timezone.now()
    article = KnowledgeArticle(**cleaned, created_at=now, updated_at=now)
    article.created_by = article.updated_by = _user(actor)
    if article.status == ArticleStatus.PUBLISHED and article.review_due is None:
        article.review_due = _today() + datetime.timedelta(days=review_interval_days())
    _check_consistency(article)
    with transaction.atomic():
        article.save()
        _after_save(article, actor=actor, note=_("创建"))
        audit_record(
            actor=actor,
            action="knowledge.article_created",
            target=article,
            new=_snapshot(article),
            request=request,
        )
    return article


def article_update(
    *, article: KnowledgeArticle | int, actor: Any, note: str = "", request: Any = None, **changes: Any
) -> KnowledgeArticle:
    """Change an article's fields; bumps the version, writes a revision and an audit event.

    Publishing (status → published) without a ``review_due`` sets one; a change that leaves every
    field as it was writes nothing and returns the article unchanged.
    """
    _require_editor(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("不支持的字段。") for name in sorted(unknown)})
    cleaned = _clean(changes)
    pk = article.pk if isinstance(article, KnowledgeArticle) else article
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=pk)
        before = _snapshot(locked)
        for name, value in cleaned.items():
            setattr(locked, name, value)
        if locked.status == ArticleStatus.PUBLISHED and locked.review_due is None:
            locked.review_due = _today() + datetime.timedelta(days=review_interval_days())
        after = _snapshot(locked)
        changed = {k for k in after if after[k] != before[k]}
        if not changed:
            return locked
        _check_consistency(locked)
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.updated_by = _user(actor)
        locked.save()
        _after_save(locked, actor=actor, note=note or _("修改"))
        audit_record(
            actor=actor,
            action="knowledge.article_updated",
            target=locked,
            old={k: before[k] for k in sorted(changed)},
            new={k: after[k] for k in sorted(changed)},
            request=request,
            note=note,
        )
    return locked


def article_publish(*, article: KnowledgeArticle | int, actor: Any, request: Any = None) -> KnowledgeArticle:
    return article_update(
        article=article, actor=actor, status=ArticleStatus.PUBLISHED, note=_("发布"), request=request
    )


def article_expire(*, article: KnowledgeArticle | int, actor: Any, request: Any = None) -> KnowledgeArticle:
    return article_update(
        article=article, actor=actor, status=ArticleStatus.EXPIRED, note=_("失效"), request=request
    )


def article_mark_reviewed(
    *,
    article: KnowledgeArticle | int,
    actor: Any,
    next_review: datetime.date | None = None,
    note: str = "",
    request: Any = None,
) -> KnowledgeArticle:
    """Record that the hotline office checked the article is still right; moves ``review_due`` on.

    The next review is ``next_review`` or ``GONGKAI_KNOWLEDGE_REVIEW_DAYS`` from today. The content
    does not change, so the version stays; the review is in the audit log.
    """
    _require_editor(actor)
    if next_review is not None and next_review <= _today():
        raise ValidationError({"next_review": _("下次复核日期必须晚于今天。")})
    note = _text(note, field="note", label=_("说明"), max_length=200)
    pk = article.pk if isinstance(article, KnowledgeArticle) else article
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=pk)
        old_due = locked.review_due
        locked.review_due = next_review or _today() + datetime.timedelta(days=review_interval_days())
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["review_due", "reviewed_at"])
        audit_record(
            actor=actor,
            action="knowledge.article_reviewed",
            target=locked,
            old={"review_due": old_due},
            new={"review_due": locked.review_due},
            request=request,
            note=note,
        )
    return locked


def article_record_use(*, article: KnowledgeArticle | int, actor: Any = None) -> None:
    """Count one use of the article to answer at first contact (one UPDATE, no lock, no audit).

    Called by the hotline's answer-at-first-contact flow with the article the operator used.
    """
    pk = article.pk if isinstance(article, KnowledgeArticle) else int(article)
    KnowledgeArticle.objects.filter(pk=pk).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )


def article_delete(*, article: KnowledgeArticle | int, actor: Any, request: Any = None) -> None:
    """Delete an article with its revisions and index entry (prefer ``article_expire`` for the record)."""
    _require_editor(actor)
    pk = article.pk if isinstance(article, KnowledgeArticle) else article
    with transaction.atomic():
        locked = KnowledgeArticle.objects.select_for_update().get(pk=pk)
        audit_record(
            actor=actor,
            action="knowledge.article_deleted",
            target=locked,
            old=_snapshot(locked),
            request=request,
        )
        search.remove_object(locked)
        locked.delete()


def articles_expire_due(*, today: datetime.date | None = None) -> int:
    """Mark published articles past their ``valid_until`` as expired (the daily job); returns how many."""
    today = today or _today()
    count = 0
    for pk in KnowledgeArticle.objects.filter(
        status=ArticleStatus.PUBLISHED, valid_until__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            locked = KnowledgeArticle.objects.select_for_update().get(pk=pk)
            if locked.status != ArticleStatus.PUBLISHED:
                continue
            locked.status = ArticleStatus.EXPIRED
            locked.version += 1
            locked.updated_at = timezone.now()
            locked.save(update_fields=["status", "version", "updated_at"])
            _after_save(locked, actor=None, note=_("到期自动失效"))
            audit_record(
                actor=None,
                action="knowledge.article_expired",
                target=locked,
                old={"status": ArticleStatus.PUBLISHED},
                new={"status": ArticleStatus.EXPIRED},
            )
            count += 1
    return count


# --- The routing model ------------------------------------------------------------------------


#: Defaults of routing_train (GONGKAI_ROUTING_MIN_SAMPLES overrides the minimum).
DEFAULT_MIN_SAMPLES = 200
DEFAULT_MAX_SAMPLES = 200_000


def routing_train(
    *,
    min_samples: int | None = None,
    max_samples: int = DEFAULT_MAX_SAMPLES,
    test_fraction: float = 0.2,
    seed: int = 20260601,
    classifier: str | None = None,
    actor: Any = None,
) -> dict[str, Any]:
    """Train the routing model on the dispatched history, store it as a new version, return metrics.

    - History: ``selectors.routing_training_samples`` (orders a department signed for, with their
      final category and lead department; the newest ``max_samples``).
    - With fewer than ``min_samples`` (default 200) nothing is trained: returns
      ``{"trained": False, "reason": ..., "samples": n}``; suggestions keep using the current model
      or the keyword rules.
    - Metrics are measured on a held-out ``test_fraction`` (seeded shuffle); the stored model is
      then refitted on all samples.
    - Keeps the newest ``KEEP_MODEL_VERSIONS`` versions; web processes pick the new one up within
      ``selectors.MODEL_CHECK_SECONDS``.
    """
    from gongkai.hotline.knowledge import routing, selectors

    if min_samples is None:
        min_samples = int(getattr(settings, "GONGKAI_ROUTING_MIN_SAMPLES", DEFAULT_MIN_SAMPLES))
    if not 0.0 < test_fraction < 1.0:
        raise ValidationError({"test_fraction": _("测试集比例必须在 0 和 1 之间。")})
    samples = selectors.routing_training_samples(limit=max_samples)
    if len(samples) < max(min_samples, 2):
        return {
            "trained": False,
            "reason": _("历史派单样本不足：%(n)s 条，至少需要 %(min)s 条。")
            % {"n": len(samples), "min": min_samples},
            "samples": len(samples),
        }
    predictor, metrics = routing.train_and_evaluate(
        samples, test_fraction=test_fraction, seed=seed, classifier=classifier or routing.DEFAULT_CLASSIFIER
    )
    data = routing.dumps(predictor)
    import sklearn

    with transaction.atomic():
        last = RoutingModel.objects.select_for_update().order_by("-version").first()
        row = RoutingModel.objects.create(
            version=(last.version + 1) if last else 1,
            trained_at=timezone.now(),
            sample_count=len(samples),
            metrics=metrics,
            model_data=data,
            sklearn_version=sklearn.__version__,
            trained_by=_user(actor),
        )
        stale = list(
            RoutingModel.objects.order_by("-version").values_list("pk", flat=True)[KEEP_MODEL_VERSIONS:]
        )
        if stale:
            RoutingModel.objects.filter(pk__in=stale).delete()
        audit_record(
            actor=actor,
            action="knowledge.routing_model_trained",
            target=row,
            new={"version": row.version, "samples": row.sample_count, **metrics},
        )
    logger.info("routing model v%s trained on %s samples: %s", row.version, len(samples), metrics)
    return {
        "trained": True,
        "version": row.version,
        "samples": len(samples),
        "model_bytes": len(data),
        **metrics,
    }
