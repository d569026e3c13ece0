"""`gongkai search rebuild | query <text>`: maintain and try the Chinese search index."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongkai.core.search import selectors, services


class Command(BaseCommand):
    help = "中文检索索引：重建、试查 / Chinese search index: rebuild, try a query"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="重建全部索引 / re-index everything")
        rebuild.add_argument("--batch-size", type=int, default=500)
        query = sub.add_parser("query", help="试查 / run a query")
        query.add_argument("text", nargs="+")
        query.add_argument("--all", action="store_true", help="包括不公开的条目 / include non-public entries")
        query.add_argument("--limit", type=int, default=10)

    def handle(self, *args, **options):
        if options["action"] == "rebuild":
            started = time.perf_counter()

            def progress(label: str, number: int) -> None:
                self.stdout.write(_("%(model)s：已索引 %(number)s 条") % {"model": label, "number": number})

            counts = services.rebuild(progress=progress, batch_size=options["batch_size"])
            self.stdout.write(
                self.style.SUCCESS(
                    _("索引重建完成：%(number)s 条，用时 %(seconds).1f 秒。")
                    % {"number": sum(counts.values()), "seconds": time.perf_counter() - started}
                )
            )
            return
        query = " ".join(options["text"])
        try:
            results = selectors.search(query, public_only=not options["all"], limit=options["limit"])
        except selectors.InvalidQuery as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(_("共 %(total)s 条结果。") % {"total": results.total})
        for hit in results.hits:
            self.stdout.write(f"[{hit.score:.0f}] {hit.doc_type} #{hit.object_id} {hit.title_html}")
            self.stdout.write(f"    {hit.snippet}")
