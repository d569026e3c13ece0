"""`gongkai publishing import <folder-or-csv>`: import existing documents (docs/publishing.md)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "信息发布：导入已有文件 / publishing: import existing documents"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="从 CSV 文件或含 metadata.csv 的文件夹导入 / import from a CSV or a folder"
        )
        imp.add_argument("path", help="CSV 文件或文件夹 / CSV file or folder")
        imp.add_argument(
            "--publish",
            action="store_true",
            help="直接发布主动公开的文件（已在别处发布过的历史文件）/ publish proactive documents at once",
        )
        imp.add_argument(
            "--reason",
            default="",
            help="发布时必填：这些文件在哪里审核通过 / with --publish: where the documents were approved",
        )
        imp.add_argument(
            "--release-channels",
            action="store_true",
            help=(
                "与 --publish 同用：同时推送到微博、微信公众号（默认只记入网站发布）"
                " / with --publish: also post to Weibo and WeChat (default: website only)"
            ),
        )
        imp.add_argument("--dry-run", action="store_true", help="只校验，不写入 / validate only")
        imp.add_argument("--user", default="", help="记为操作人的用户名 / username recorded as the actor")

    def handle(self, *args, **options):
        from gongkai.publishing import importer

        if options["publish"] and not options["reason"].strip():
            raise CommandError("--publish 须同时写明 --reason / --publish needs --reason")
        if options["release_channels"] and not options["publish"]:
            raise CommandError("--release-channels 须与 --publish 同用 / --release-channels needs --publish")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"找不到用户 / no such user: {options['user']}")
        try:
            result = importer.import_path(
                options["path"],
                actor=actor,
                publish=options["publish"],
                dry_run=options["dry_run"],
                reason=options["reason"],
                release_channels=options["release_channels"],
            )
        except importer.ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"导入失败，未写入任何文件 / import failed, nothing was written ({len(exc.errors)})"
            ) from exc
        if options["dry_run"]:
            self.stdout.write(self.style.SUCCESS("校验通过 / all rows are valid"))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"新建 created {len(result.created)}，更新 updated {len(result.updated)}，"
                f"未变 unchanged {len(result.unchanged)}，草稿 drafts {len(result.drafts)}"
            )
        )
