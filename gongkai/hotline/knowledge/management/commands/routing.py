"""`gongkai routing train|evaluate|suggest|status`: the routing suggestion model from the shell."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "派单建议模型：训练、评估、试用 / routing model: train, evaluate, try"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="用历史派单训练新版本 / train a new version")
        train.add_argument("--min-samples", type=int, default=None)
        train.add_argument("--max-samples", type=int, default=200_000)
        train.add_argument("--test-fraction", type=float, default=0.2)
        train.add_argument("--seed", type=int, default=20260601)
        train.add_argument("--classifier", choices=("sgd", "logreg", "cnb"), default=None)
        evaluate = sub.add_parser(
            "evaluate", help="用训练之后派出的工单评估当前模型 / evaluate on orders dispatched since training"
        )
        evaluate.add_argument("--days", type=int, default=None, help="instead: the last N days")
        suggest = sub.add_parser("suggest", help="试用：给出派单建议 / suggest for a text")
        suggest.add_argument("text")
        suggest.add_argument("--limit", type=int, default=3)
        sub.add_parser("status", help="模型版本与指标 / versions and metrics")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "train":
            from gongkai.hotline.knowledge.services import routing_train

            if not 0 < options["test_fraction"] < 1:
                raise CommandError("--test-fraction must be between 0 and 1")
            result = routing_train(
                min_samples=options["min_samples"],
                max_samples=options["max_samples"],
                test_fraction=options["test_fraction"],
                seed=options["seed"],
                classifier=options["classifier"],
            )
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        elif action == "evaluate":
            self._evaluate(options["days"])
        elif action == "suggest":
            from gongkai.hotline.knowledge.suggest import suggest_routing

            for s in suggest_routing(options["text"], limit=options["limit"]):
                category = s.category.full_name if s.category else "—"
                department = s.department.name if s.department else "—"
                self.stdout.write(f"{s.score:.3f}  {category}  →  {department}  ({s.reason})")
        else:
            from gongkai.hotline.knowledge.selectors import routing_model_list

            for row in routing_model_list()[:10]:
                metrics = json.dumps(row.metrics, ensure_ascii=False, default=str)
                self.stdout.write(
                    f"v{row.version} {row.trained_at:%Y-%m-%d %H:%M} n={row.sample_count} {metrics}"
                )

    def _evaluate(self, days: int | None) -> None:
        import datetime

        from django.utils import timezone

        from gongkai.hotline.knowledge import routing, selectors

        current = selectors.routing_model_current()
        if current is None:
            raise CommandError("no routing model yet: run `gongkai routing train`")
        row, predictor = current
        since = timezone.now() - datetime.timedelta(days=days) if days else row.trained_at
        samples = selectors.routing_training_samples(since=since)
        metrics = routing.evaluate(predictor, samples)
        self.stdout.write(
            json.dumps(
                {"version": row.version, "since": since.isoformat(), **metrics}, ensure_ascii=False, indent=2
            )
        )
