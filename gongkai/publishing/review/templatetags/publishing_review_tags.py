"""``{% review_panel page task_state as review %}``: what a reviewer sees beside the decision form."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def review_panel(page: Any, task_state: Any = None) -> dict[str, Any]:
    from gongkai.publishing.review import documents
    from gongkai.publishing.review.models import SecrecyEscalation
    from gongkai.publishing.review.precheck import precheck_page
    from gongkai.publishing.review.selectors import is_sensitive
    from gongkai.publishing.review.services import interpretation_sync_problem

    page = documents.specific(page)
    is_document = documents.is_document(page)
    return {
        "precheck": precheck_page(page=page),
        "sync_problem": interpretation_sync_problem(page=page) if is_document else None,
        "is_sensitive": is_sensitive(page=page) if is_document else False,
        "attribute": documents.disclosure_attribute(page) if is_document else "",
        "escalations": list(
            SecrecyEscalation.objects.filter(page_id=page.pk).select_related("escalated_by", "answered_by")[
                :10
            ]
        ),
    }
