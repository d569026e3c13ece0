"""Wagtail's ``publish_scheduled``, so that one refused revision does not stop the others.

Listed before ``wagtail`` in INSTALLED_APPS, this command replaces Wagtail's. It does the same
(unpublish expired pages and snippets, publish revisions whose ``approved_go_live_at`` has
passed), but each revision is published in its own transaction: a revision the publish guard
refuses (it never completed its review, or the document is no longer 主动公开) loses its
schedule, the refusal is audited, and the job goes on with the next one. ``--dryrun`` is
Wagtail's own.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from wagtail.management.commands.publish_scheduled import Command as WagtailCommand
from wagtail.models import DraftStateMixin, Page, Revision

logger = logging.getLogger("gongkai.publishing.review")


class Command(WagtailCommand):
    help = "Publish scheduled revisions that completed their review; unpublish expired pages."

    def handle(self, *args, **options):
        if options.get("dryrun"):
            return super().handle(*args, **options)
        now = timezone.now()
        models = [Page] + [
            model
            for model in apps.get_models()
            if issubclass(model, DraftStateMixin) and not issubclass(model, Page)
        ]
        for model in models:
            for obj in list(model.objects.filter(live=True, expire_at__lt=now).order_by("expire_at")):
                obj.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")
        published = refused = 0
        for revision in list(
            Revision.objects.filter(approved_go_live_at__lt=now).order_by("approved_go_live_at")
        ):
            try:
                with transaction.atomic():
                    revision.publish(log_action="wagtail.publish.scheduled")
                published += 1
            except PermissionDenied as exc:
                _refuse(revision, exc)
                refused += 1
        if published or refused:
            self.stdout.write(f"published {published}, refused {refused}")
        return None


def _refuse(revision: Revision, exc: Exception) -> None:
    from gongkai.core.audit.services import audit_record

    message = str(getattr(exc, "message", exc))
    logger.warning("scheduled publication refused: revision %s: %s", revision.pk, message)
    with transaction.atomic():
        Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=None)
        audit_record(
            actor=None,
            action="publishing_review.schedule_refused",
            target=revision.content_object,
            note=message[:500],
            new={"revision": revision.pk},
        )
