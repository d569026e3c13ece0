"""Suggestions for the dispatcher: where an appeal should go, and which earlier appeals it repeats.

Both only suggest; the dispatcher decides. Neither ever raises for odd input: a suggestion that
cannot be computed is an empty list (and a logged error), never a failed intake form.

* ``suggest_routing(text)``: the routing model trained on the city's dispatched history (see
  ``services.routing_train``), or — on a fresh install, or when the text has nothing the model
  knows — keyword rules from ``RoutingCategory.keywords`` with the category's default department.
* ``find_duplicates(order)``: recent orders about the same matter in the same area. Candidates are
  narrowed in SQL (date window, same street / district / caller, or within ~500 m), at most
  ``MAX_CANDIDATES`` of them, then compared in Python by character-bigram Jaccard similarity.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongkai.accounts.models import Department
from gongkai.hotline.knowledge import selectors
from gongkai.hotline.knowledge import text as ktext
from gongkai.hotline.models import RoutingCategory, Status, WorkOrder

logger = logging.getLogger(__name__)

MAX_TEXT = 5000


@dataclass
class RoutingSuggestion:
    category: RoutingCategory | None
    department: Department | None
    score: float
    """0–1: the model's probability for the department (model), or a keyword-match strength (rules)."""
    reason: str
    source: str = "model"
    """``model`` or ``rules``."""


def suggest_routing(text: str, *, limit: int = 3) -> list[RoutingSuggestion]:
    """Up to ``limit`` (category, lead department) suggestions for an appeal's text, best first."""
    text = (text or "")[:MAX_TEXT]
    if not text.strip():
        return []
    limit = max(1, min(int(limit), 10))
    try:
        current = selectors.routing_model_current()
        if current is not None:
            suggestions = _from_model(current, text, limit)
            if suggestions:
                return suggestions
        return _from_rules(text, limit)
    except Exception:
        logger.exception("routing suggestion failed")
        return []


def _from_model(current: tuple[Any, Any], text: str, limit: int) -> list[RoutingSuggestion]:
    row, predictor = current
    departments, categories = predictor.predict(text, limit=max(limit, 5))
    if not departments:
        return []
    department_objs = Department.objects.in_bulk([d for d, _p in departments])
    category_objs = RoutingCategory.objects.select_related("parent").in_bulk([c for c, _p in categories])
    suggestions = []
    for department_pk, probability in departments:
        department = department_objs.get(department_pk)
        if department is None or not department.is_active:
            continue
        usable = [(c, p) for c, p in categories if c in category_objs and category_objs[c].is_active]
        best = predictor.category_for(department_pk, usable)
        category = category_objs[best[0]] if best else None
        reason = _("派单模型 v%(version)s：%(department)s 概率 %(p)s") % {
            "version": row.version,
            "department": department.short_name or department.name,
            "p": f"{probability:.2f}",
        }
        if category is not None:  # set exactly when best is
            reason += _("；分类“%(category)s”概率 %(p)s") % {"category": category.name, "p": f"{best[1]:.2f}"}
        suggestions.append(
            RoutingSuggestion(
                category=category, department=department, score=round(probability, 4), reason=reason
            )
        )
        if len(suggestions) >= limit:
            break
    return suggestions


_SPLIT = re.compile(r"[\s,，、;；]+")


def _keywords(category: RoutingCategory) -> list[str]:
    return [k for k in (ktext.normalize(w).strip() for w in _SPLIT.split(category.keywords or "")) if k]


def _default_department(category: RoutingCategory, by_pk: dict[int, RoutingCategory]) -> Department | None:
    node: RoutingCategory | None = category
    while node is not None:
        if node.default_department_id:
            return node.default_department
        node = by_pk.get(node.parent_id) if node.parent_id else None
    return None


def _from_rules(text: str, limit: int) -> list[RoutingSuggestion]:
    """Categories whose keywords occur in the text; longer and more keywords score higher.

    A deeper category wins a tie over its parent (路灯 over 市政设施). The department is the
    category's default department (or its nearest ancestor's).
    """
    normalized = ktext.normalize(text)
    categories = list(
        RoutingCategory.objects.filter(is_active=True)
        .exclude(keywords="")
        .select_related("default_department")
    )
    by_pk = {c.pk: c for c in categories}
    scored = []
    for category in categories:
        found = [k for k in _keywords(category) if k in normalized]
        if not found:
            continue
        strength = sum(len(k) for k in found)
        scored.append((strength, category.depth, category, found))
    scored.sort(key=lambda item: (-item[0], -item[1], item[2].sort_order, item[2].pk))
    if not scored:
        return []
    top = scored[0][0]
    suggestions = []
    for strength, _depth, category, found in scored[:limit]:
        department = _default_department(category, by_pk)
        reason = _("关键词：%(words)s（尚无可用的派单模型，按派单目录关键词建议）") % {
            "words": "、".join(found)
        }
        suggestions.append(
            RoutingSuggestion(
                category=category,
                department=department,
                score=round(0.5 * strength / top, 4),
                reason=reason,
                source="rules",
            )
        )
    return suggestions


# --- Duplicates ---------------------------------------------------------------------------------

#: Orders compared in Python at most (the newest of the SQL-narrowed candidates).
MAX_CANDIDATES = 300
#: Below this content similarity a candidate is not reported.
MIN_SIMILARITY = 0.35
#: "Same place" radius when both orders have coordinates.
NEAR_METRES = 500.0


@dataclass
class DuplicateCandidate:
    order: WorkOrder
    score: float
    reasons: list[str] = field(default_factory=list)
    similarity: float = 0.0


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres."""
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))


def _coordinates(order: WorkOrder) -> tuple[float, float] | None:
    if order.latitude is None or order.longitude is None:
        return None
    return float(order.latitude), float(order.longitude)


def find_duplicates(order: WorkOrder, *, days: int = 30, limit: int = 5) -> list[DuplicateCandidate]:
    """Likely duplicates of ``order``: same matter, same area, received within ``days`` of it.

    - Area: same street; or within ``NEAR_METRES`` when both have coordinates; or the same caller
      phone; or, when the order has no street, the same district. An order with none of these is
      compared with nothing (everything in the city in 30 days would be noise).
    - Left out: the order itself, merged (its lead is what counts) and invalid orders.
    - Score: content similarity (character-bigram Jaccard of title + content; at least
      ``MIN_SIMILARITY``) plus 0.1 for the same street or a place within 500 m, 0.05 for the same
      caller, capped at 1. ``reasons`` spell these out in Chinese for the dispatcher.
    """
    try:
        return _find_duplicates(order, days=days, limit=limit)
    except Exception:
        logger.exception("duplicate search failed for order %s", getattr(order, "pk", None))
        return []


def _find_duplicates(order: WorkOrder, *, days: int, limit: int) -> list[DuplicateCandidate]:
    days = max(1, min(int(days), 365))
    limit = max(1, min(int(limit), 50))
    at = order.created_at or timezone.now()
    window = datetime.timedelta(days=days)
    here = _coordinates(order)
    area = Q()
    if order.street_id:
        area |= Q(street_id=order.street_id)
    elif order.district_id:
        area |= Q(district_id=order.district_id)
    if here is not None:
        lat, lon = here
        dlat = NEAR_METRES / 111_320.0
        dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
        area |= Q(
            latitude__range=(Decimal(str(round(lat - dlat, 6))), Decimal(str(round(lat + dlat, 6)))),
            longitude__range=(Decimal(str(round(lon - dlon, 6))), Decimal(str(round(lon + dlon, 6)))),
        )
    if order.caller_phone:
        area |= Q(caller_phone=order.caller_phone)
    if not area:
        return []
    candidates = (
        WorkOrder.objects.filter(area, created_at__gte=at - window, created_at__lte=at + window)
        .exclude(pk=order.pk)
        .exclude(status__in=(Status.MERGED, Status.INVALID))
        .filter(merged_into__isnull=True)
        .order_by("-created_at")
        .only(
            "pk",
            "tracking_number",
            "title",
            "content",
            "status",
            "street_id",
            "district_id",
            "latitude",
            "longitude",
            "caller_phone",
            "created_at",
        )[:MAX_CANDIDATES]
    )
    mine = ktext.bigrams(f"{order.title}{order.content}")
    found = []
    for other in candidates:
        similarity = ktext.jaccard(mine, ktext.bigrams(f"{other.title}{other.content}"))
        if similarity < MIN_SIMILARITY:
            continue
        reasons = [_("内容相似度 %(similarity)s") % {"similarity": f"{similarity:.2f}"}]
        bonus = 0.0
        if order.street_id and other.street_id == order.street_id:
            reasons.append(_("同一街道"))
            bonus += 0.1
        elif order.district_id and other.district_id == order.district_id:
            reasons.append(_("同一区县"))
        there = _coordinates(other)
        if here is not None and there is not None:
            distance = _metres(*here, *there)
            if distance <= NEAR_METRES:
                reasons.append(_("相距约 %(metres)s 米") % {"metres": int(round(distance))})
                if not (order.street_id and other.street_id == order.street_id):
                    bonus += 0.1
        if order.caller_phone and other.caller_phone == order.caller_phone:
            reasons.append(_("同一来电号码"))
            bonus += 0.05
        gap = abs((at - other.created_at).days)
        reasons.append(_("相隔 %(days)s 天") % {"days": gap} if gap else _("同一天受理"))
        found.append(
            DuplicateCandidate(
                order=other,
                score=round(min(1.0, similarity + bonus), 4),
                reasons=reasons,
                similarity=similarity,
            )
        )
    found.sort(key=lambda c: (-c.score, -c.order.created_at.timestamp()))
    return found[:limit]
