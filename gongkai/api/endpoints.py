"""Mount every app's router. Each app keeps its endpoints in its own ``api.py``."""

from __future__ import annotations

from ninja import NinjaAPI


def register(api: NinjaAPI) -> None:
    from gongkai.accounts.api import router as accounts_router
    from gongkai.api.views import router as meta_router
    from gongkai.core.audit.api import router as audit_router
    from gongkai.core.outbox.api import router as outbox_router
    from gongkai.core.search.api import router as search_router
    from gongkai.core.workcalendar.api import router as calendar_router
    from gongkai.disclosure.annual.api import router as disclosure_annual_router
    from gongkai.disclosure.api import router as disclosure_router
    from gongkai.hotline.api import router as hotline_router
    from gongkai.hotline.api_attachments import router as hotline_attachments_router
    from gongkai.hotline.api_inbound import router as hotline_inbound_router
    from gongkai.hotline.knowledge.api import router as knowledge_router
    from gongkai.hotline.reception.api import router as reception_router
    from gongkai.opinion.api import router as opinion_router
    from gongkai.opinion.reports.api import router as opinion_reports_router
    from gongkai.opinion.response.api import router as opinion_response_router
    from gongkai.publishing.api import router as publishing_router
    from gongkai.publishing.channels.api import router as publishing_channels_router
    from gongkai.publishing.review.api import router as publishing_review_router

    api.add_router("/", meta_router)
    api.add_router("/accounts/", accounts_router)
    api.add_router("/audit/", audit_router)
    api.add_router("/outbox/", outbox_router)
    api.add_router("/search/", search_router)
    api.add_router("/calendar/", calendar_router)
    api.add_router("/hotline/", hotline_router)
    api.add_router("/hotline/", hotline_attachments_router)
    api.add_router("/hotline/", hotline_inbound_router)
    api.add_router("/knowledge/", knowledge_router)
    api.add_router("/reception/", reception_router)
    api.add_router("/opinion/reports/", opinion_reports_router)
    api.add_router("/opinion/response/", opinion_response_router)
    api.add_router("/publishing/", publishing_router)
    api.add_router("/publishing/", publishing_channels_router)
    api.add_router("/publishing/", publishing_review_router)
    api.add_router("/opinion/", opinion_router)
    api.add_router("/disclosure/", disclosure_router)
    api.add_router("/disclosure/annual-reports/", disclosure_annual_router)
