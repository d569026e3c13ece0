"""The routing model's machine-learning core: features, classifiers, evaluation, (de)serialisation.

No database here: ``fit`` takes texts and labels, ``RoutingPredictor.predict`` takes a text. The
Django side (reading the dispatched history, storing ``RoutingModel`` rows, the per-process cache)
is in ``services.py`` and ``selectors.py``; the benchmark uses this module directly.

Features: TF-IDF over rjieba words (``text.words``) + TF-IDF over character bigrams, both
sublinear, concatenated. Classifier: ``SGDClassifier(loss="log_loss")``, one for the lead
department and one for the category (chosen on held-out data, see docs/adr/0010-routing-model.md).
scikit-learn is imported lazily so that a server without it still runs (rule fallback).
"""

from __future__ import annotations

import io
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gongkai.hotline.knowledge import text as ktext

#: Classifier names accepted by ``fit`` (the default is the one measured best).
CLASSIFIERS = ("sgd", "logreg", "cnb")
DEFAULT_CLASSIFIER = "sgd"
#: Labels seen fewer times than this in the training part are left out (too rare to learn).
MIN_CLASS_SAMPLES = 2


def build_features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(analyzer=ktext.words, sublinear_tf=True, min_df=2, dtype=_float32()),
            ),
            (
                "bigrams",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(2, 2),
                    preprocessor=ktext.normalize,
                    sublinear_tf=True,
                    min_df=2,
                    dtype=_float32(),
                ),
            ),
        ]
    )


def _float32() -> Any:
    import numpy

    return numpy.float32


def build_classifier(name: str, *, seed: int) -> Any:
    if name == "sgd":
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(loss="log_loss", alpha=2e-5, max_iter=50, tol=1e-3, random_state=seed)
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=10.0, max_iter=300)
    if name == "cnb":
        from sklearn.naive_bayes import ComplementNB

        return ComplementNB(alpha=0.3)
    raise ValueError(f"unknown classifier {name!r}; known: {', '.join(CLASSIFIERS)}")


@dataclass
class Sample:
    text: str
    department: int
    category: int


@dataclass
class RoutingPredictor:
    """Two fitted classifiers over shared features, plus the category × department co-occurrences."""

    features: Any
    department_model: Any
    category_model: Any
    #: (category, department) → count in the training data, to pair a department with a category.
    pairs: dict[tuple[int, int], int] = field(default_factory=dict)
    classifier: str = DEFAULT_CLASSIFIER

    def transform(self, text: str) -> Any:
        return self.features.transform([text])

    def predict(
        self, text: str, *, limit: int = 3
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Top ``limit`` (department, probability) and (category, probability), best first.

        Both lists are empty when the text has no feature the model knows (nothing to go on).
        """
        vector = self.transform(text)
        if vector.nnz == 0:
            return [], []
        return (
            _top(self.department_model, vector, limit),
            _top(self.category_model, vector, limit),
        )

    def predict_many(self, texts: list[str], *, limit: int = 3) -> tuple[list[list[int]], list[list[int]]]:
        """Top ``limit`` department and category labels for many texts at once (evaluation)."""
        matrix = self.features.transform(texts)
        return _top_many(self.department_model, matrix, limit), _top_many(self.category_model, matrix, limit)

    def category_for(self, department: int, categories: list[tuple[int, float]]) -> tuple[int, float] | None:
        """The category that best goes with ``department``: the model's probability × how often the
        pair occurred in the history (add-one smoothed); ``None`` if there are no categories."""
        best = None
        for category, probability in categories:
            weight = probability * (self.pairs.get((category, department), 0) + 1)
            if best is None or weight > best[2]:
                best = (category, probability, weight)
        return (best[0], best[1]) if best else None


def _scores(model: Any, matrix: Any) -> Any:
    if hasattr(model, "predict_proba"):
        return model.predict_proba(matrix)
    return model.decision_function(matrix)


def _top(model: Any, vector: Any, limit: int) -> list[tuple[int, float]]:
    scores = _scores(model, vector)[0]
    order = scores.argsort()[::-1][:limit]
    return [(int(model.classes_[i]), float(scores[i])) for i in order]


def _top_many(model: Any, matrix: Any, limit: int) -> list[list[int]]:
    scores = _scores(model, matrix)
    order = scores.argsort(axis=1)[:, ::-1][:, :limit]
    classes = model.classes_
    return [[int(classes[i]) for i in row] for row in order]


def split(samples: list[Sample], *, test_fraction: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """A seeded shuffle split (not stratified: rare labels would break stratification)."""
    shuffled = list(samples)
    random.Random(seed).shuffle(shuffled)
    cut = int(round(len(shuffled) * (1 - test_fraction)))
    return shuffled[:cut], shuffled[cut:]


def fit(samples: list[Sample], *, classifier: str = DEFAULT_CLASSIFIER, seed: int = 0) -> RoutingPredictor:
    """Fit the features and both classifiers on ``samples`` (labels seen < MIN_CLASS_SAMPLES dropped)."""
    if not samples:
        raise ValueError("no samples")
    department_counts = Counter(s.department for s in samples)
    category_counts = Counter(s.category for s in samples)
    features = build_features()
    matrix = features.fit_transform([s.text for s in samples])

    def fit_one(labels: list[int], counts: Counter) -> Any:
        keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_CLASS_SAMPLES]
        if len({labels[i] for i in keep}) < 2:
            keep = list(range(len(labels)))
        model = build_classifier(classifier, seed=seed)
        if len(set(labels)) < 2:
            return _Constant(labels[0])
        model.fit(matrix[keep], [labels[i] for i in keep])
        return model

    department_model = fit_one([s.department for s in samples], department_counts)
    category_model = fit_one([s.category for s in samples], category_counts)
    pairs = Counter((s.category, s.department) for s in samples)
    return RoutingPredictor(
        features=features,
        department_model=department_model,
        category_model=category_model,
        pairs=dict(pairs),
        classifier=classifier,
    )


class _Constant:
    """A "classifier" for a history with a single label (fresh installs, tests)."""

    def __init__(self, label: int) -> None:
        import numpy

        self.classes_ = numpy.array([label])

    def predict_proba(self, matrix: Any) -> Any:
        import numpy

        return numpy.ones((matrix.shape[0], 1))


def evaluate(predictor: RoutingPredictor, samples: list[Sample]) -> dict[str, float | int]:
    """Top-1 / top-3 accuracy for department and category, and the most-frequent-department baseline."""
    if not samples:
        return {"test_samples": 0}
    departments, categories = predictor.predict_many([s.text for s in samples], limit=3)
    n = len(samples)

    def accuracy(tops: list[list[int]], truth: list[int], k: int) -> float:
        return sum(1 for top, label in zip(tops, truth, strict=True) if label in top[:k]) / n

    dept_truth = [s.department for s in samples]
    cat_truth = [s.category for s in samples]
    return {
        "test_samples": n,
        "department_top1": accuracy(departments, dept_truth, 1),
        "department_top3": accuracy(departments, dept_truth, 3),
        "category_top1": accuracy(categories, cat_truth, 1),
        "category_top3": accuracy(categories, cat_truth, 3),
    }


def baseline(train: list[Sample], test: list[Sample]) -> dict[str, float]:
    """Accuracy of always answering the most frequent department / category of ``train``."""
    if not train or not test:
        return {"baseline_department_top1": 0.0, "baseline_category_top1": 0.0}
    top_department = Counter(s.department for s in train).most_common(1)[0][0]
    top_category = Counter(s.category for s in train).most_common(1)[0][0]
    return {
        "baseline_department_top1": sum(s.department == top_department for s in test) / len(test),
        "baseline_category_top1": sum(s.category == top_category for s in test) / len(test),
    }


def train_and_evaluate(
    samples: list[Sample],
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    classifier: str = DEFAULT_CLASSIFIER,
    refit_on_all: bool = True,
) -> tuple[RoutingPredictor, dict[str, Any]]:
    """Fit on ``1 - test_fraction``, measure on the rest, then (by default) refit on everything.

    The metrics are those of the held-out part; the returned predictor is the refitted one (it has
    seen all the history, so it is at least as good as what was measured).
    """
    train, test = split(samples, test_fraction=test_fraction, seed=seed)
    started = time.perf_counter()
    predictor = fit(train, classifier=classifier, seed=seed)
    fit_seconds = time.perf_counter() - started
    metrics: dict[str, Any] = {
        "classifier": classifier,
        "train_samples": len(train),
        "fit_seconds": round(fit_seconds, 3),
        "departments": len({s.department for s in samples}),
        "categories": len({s.category for s in samples}),
        **evaluate(predictor, test),
        **baseline(train, test),
    }
    if refit_on_all and test:
        predictor = fit(samples, classifier=classifier, seed=seed)
    return predictor, metrics


def dumps(predictor: RoutingPredictor) -> bytes:
    """Serialise with joblib (zlib level 3). Only ever load bytes this function wrote."""
    import joblib

    buffer = io.BytesIO()
    joblib.dump(predictor, buffer, compress=3)
    return buffer.getvalue()


def loads(data: bytes | memoryview) -> RoutingPredictor:
    import joblib

    # The bytes come only from our own RoutingModel rows, written by routing_train (see the ADR).
    return joblib.load(io.BytesIO(bytes(data)))  # noqa: S301
