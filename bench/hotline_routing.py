"""Routing suggestion accuracy on a held-out part of a synthetic dispatched history.

Generates ``BENCH_ROUTING_ORDERS`` (default 20,000) appeals with ``gongkai.hotline.knowledge
.synthetic`` (deterministic seed; 31 categories, 28 departments incl. district governments, Jilin
place names, varied phrasing, label noise), trains the production pipeline
(``gongkai.hotline.knowledge.routing``: TF-IDF rjieba words + character bigrams, SGD log-loss) on
80 % and measures on the other 20 %. No database: the model code is the same one
``services.routing_train`` runs on the real history.

Figures: ``hotline.routing.department.top1`` / ``.top3``, ``hotline.routing.category.top1`` /
``.top3`` (ratio), the baseline of always answering the most frequent department / category
(``.baseline``), ``hotline.routing.train_s`` (fit on 80 %), ``hotline.routing.model_mb`` (stored
bytes) and ``hotline.routing.suggest.p50`` / ``.p99`` (ms, one text through features + both
classifiers + top-k, 1,000 held-out texts).
"""

from __future__ import annotations

import os
import statistics
import time


def run(report) -> None:
    import django

    django.setup()
    from gongkai.hotline.knowledge import routing, synthetic

    n = int(os.environ.get("BENCH_ROUTING_ORDERS", "20000"))
    history = synthetic.generate_history(n, seed=20260601)
    departments = {code: i for i, code in enumerate(sorted({o.department for o in history}))}
    categories = {code: i for i, code in enumerate(sorted({o.category for o in history}))}
    samples = [routing.Sample(o.text, departments[o.department], categories[o.category]) for o in history]
    train, test = routing.split(samples, test_fraction=0.2, seed=1)

    started = time.perf_counter()
    predictor = routing.fit(train, seed=1)
    train_s = time.perf_counter() - started
    metrics = routing.evaluate(predictor, test)
    base = routing.baseline(train, test)

    report("hotline.routing.samples", len(samples), "orders")
    report("hotline.routing.department.top1", metrics["department_top1"], "ratio")
    report("hotline.routing.department.top3", metrics["department_top3"], "ratio")
    report("hotline.routing.department.baseline", base["baseline_department_top1"], "ratio")
    report("hotline.routing.category.top1", metrics["category_top1"], "ratio")
    report("hotline.routing.category.top3", metrics["category_top3"], "ratio")
    report("hotline.routing.category.baseline", base["baseline_category_top1"], "ratio")
    report("hotline.routing.train_s", train_s, "s")
    report("hotline.routing.model_mb", len(routing.dumps(predictor)) / 1e6, "MB")

    texts = [s.text for s in test[:1000]]
    for text in texts[:20]:  # warm up
        predictor.predict(text)
    latencies = []
    for text in texts:
        t0 = time.perf_counter()
        predictor.predict(text, limit=5)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    report("hotline.routing.suggest.p50", statistics.median(latencies), "ms")
    report("hotline.routing.suggest.p99", latencies[int(len(latencies) * 0.99) - 1], "ms")
