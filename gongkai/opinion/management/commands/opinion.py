"""`gongkai opinion …`: import posts from a file, add a source, add a data vendor's client (docs/opinion.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongkai.opinion.models import SourceKind

MAX_PRINTED = 200


class Command(BaseCommand):
    help = "舆情监测：导入文件、添加来源、添加数据接入客户端 / opinion: import files, add sources and vendors' clients"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="从 JSONL 或 CSV 文件导入帖子 / import posts from a JSONL or CSV file"
        )
        imp.add_argument("path", help="JSONL 或 CSV 文件 / a JSONL or CSV file")
        imp.add_argument("--source", required=True, help="来源代码 / source code")
        imp.add_argument(
            "--format", choices=["jsonl", "csv"], help="默认按扩展名 / default: from the extension"
        )
        imp.add_argument(
            "--encoding", default="utf-8-sig", help="默认 UTF-8（可带 BOM）/ default UTF-8 (BOM or not)"
        )
        imp.add_argument("--batch-size", type=int, default=2000, help="每批条数 / posts per batch (2000)")
        imp.add_argument("--create-source", action="store_true", help="来源不存在时创建（类型：文件导入）")
        imp.add_argument("--dry-run", action="store_true", help="只校验，不写入 / check only, write nothing")

        src = sub.add_parser("source-add", help="添加来源 / add a source")
        src.add_argument("code")
        src.add_argument("--name", default="")
        src.add_argument("--kind", choices=SourceKind.values, default=SourceKind.FILE)
        src.add_argument("--url", default="")

        cli = sub.add_parser(
            "client-add", help="添加数据接入客户端并显示其密钥 / add a vendor's client, print its key"
        )
        cli.add_argument("name")
        cli.add_argument("--source", required=True, help="来源代码 / source code")
        cli.add_argument("--per-minute", type=int, default=None, help="每分钟配额 / posts per minute")
        cli.add_argument("--per-day", type=int, default=None, help="每日配额 / posts per day")

        retrain = sub.add_parser(
            "sentiment-retrain",
            help="用分析员的情感校正重新训练情感模型 / retrain the sentiment model with analysts' corrections",
        )
        retrain.add_argument(
            "--corrections-only", action="store_true", help="只用校正数据 / train on the corrections alone"
        )

    def handle(self, *args, **options):
        action = options["action"]
        if action == "import":
            return self._import(options)
        if action == "source-add":
            return self._source_add(options)
        if action == "sentiment-retrain":
            return self._retrain(options)
        return self._client_add(options)

    def _source(self, code: str, *, create: bool):
        from gongkai.opinion.models import Source
        from gongkai.opinion.services import source_create

        source = Source.objects.filter(code=code).first()
        if source is None and create:
            source = self._call(source_create, code=code, name=code, kind=SourceKind.FILE)
        if source is None:
            known = ", ".join(Source.objects.values_list("code", flat=True)) or "-"
            raise CommandError(f"没有来源 {code}（可用 --create-source）/ no source {code}; known: {known}")
        return source

    def _call(self, function, **kwargs):
        from django.core.exceptions import ValidationError

        from gongkai.api.errors import ApiError

        try:
            return function(**kwargs)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        except ApiError as exc:
            raise CommandError(str(exc.message)) from exc

    def _import(self, options):
        from gongkai.opinion.importing import ImportRefused, import_file

        if options["batch_size"] < 1:
            raise CommandError("--batch-size 须为正数 / must be positive")
        source = self._source(options["source"], create=options["create_source"] and not options["dry_run"])
        try:
            report = import_file(
                options["path"],
                source=source,
                fmt=options["format"],
                encoding=options["encoding"],
                batch_size=options["batch_size"],
                dry_run=options["dry_run"],
            )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from exc
        for problem in report.problems[:MAX_PRINTED]:
            where = f" [{problem.external_id}]" if problem.external_id else ""
            field = f"{problem.field}: " if problem.field else ""
            self.stderr.write(
                f"第 {problem.index} 行 / line {problem.index}{where}: {field}{problem.message}"
            )
        if len(report.problems) > MAX_PRINTED:
            self.stderr.write(f"… 另有 {len(report.problems) - MAX_PRINTED} 行有误 / more bad lines")
        if options["dry_run"]:
            good = report.lines - len(report.problems)
            self.stdout.write(
                f"校验：{good} 条可导入，{len(report.problems)} 行有误 / check: {good} good, "
                f"{len(report.problems)} bad"
            )
            return
        summary = (
            f"读取 read {report.lines}，新建 created {report.created}，"
            f"已存在 already stored {report.duplicates_skipped}，有误 bad {len(report.problems)}"
        )
        self.stdout.write(self.style.SUCCESS(summary) if not report.problems else self.style.WARNING(summary))

    def _source_add(self, options):
        from gongkai.opinion.services import source_create

        source = self._call(
            source_create,
            code=options["code"],
            name=options["name"],
            kind=options["kind"],
            url=options["url"],
        )
        self.stdout.write(self.style.SUCCESS(f"来源已添加 / source added: {source}"))

    def _client_add(self, options):
        from gongkai.opinion.services import ingest_client_create

        client, key = self._call(
            ingest_client_create,
            name=options["name"],
            source=self._source(options["source"], create=False),
            per_minute_quota=options["per_minute"],
            per_day_quota=options["per_day"],
        )
        self.stdout.write(
            f"客户端 / client: {client.name} (#{client.pk}), "
            f"{client.per_minute_quota}/min, {client.per_day_quota}/day"
        )
        self.stdout.write("密钥只显示这一次，请立即交给数据服务商 / the key is shown only this once:")
        self.stdout.write(key)

    def _retrain(self, options):
        from gongkai.opinion.services import sentiment_retrain

        result = self._call(sentiment_retrain, base=not options["corrections_only"])
        self.stdout.write(
            self.style.SUCCESS(
                f"已用 {result.corrections} 条校正重新训练 / retrained with {result.corrections} corrections: "
                f"{result.path}"
            )
        )
