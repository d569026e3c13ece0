"""The analysis pipeline of one worker process: a batch of :class:`RawPost` in, one :class:`Analysis` each out.

:class:`Pipeline` holds the long-lived stage objects of ``gongkai.opinion.analysis`` and runs them in
order over a batch:

1. **normalize** — traditional → simplified, full-width → half-width, emoji; the 64-bit fingerprint;
2. **dedupe** — exact and near duplicates over a sliding time window (``duplicate_of``);
3. **rules** — monitoring topics (专题, one Aho–Corasick automaton for all of them) and sensitive words;
4. **places** — the district or county a post is about;
5. **sentiment** — positive / neutral / negative with the probability of negative;
6. **rumor** — rumor candidates;
7. **events** — incremental clustering into events (keys kept across batches and processes); a
   near-duplicate joins its original's event without being matched;
8. **hotness** — volume, velocity, reach and decay per event, and spikes.

Stages that depend only on the text (topics, sensitive words, sentiment, rumor) run once per distinct
normalized text of the batch: a reposted text costs one analysis. A stage whose module is not
installed is skipped (the post keeps the :class:`Analysis` defaults); ``Pipeline.stages`` lists those
that run.

One pipeline per worker process (:func:`worker_pipeline`): the stage objects are built once, the
topics and sensitive words are reloaded when they change in the database, and the state of the
clusterer (and of the other stages that can ``dump()``) is saved to ``ClustererState`` so another
process can resume from it. A pipeline is not thread-safe: :func:`worker_pipeline` hands it out with
a lock held (``with worker_pipeline() as pipeline: ...``).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import hashlib
import importlib
import importlib.util
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from gongkai.opinion.analysis.types import SENTIMENTS, Analysis, RawPost

logger = logging.getLogger("gongkai.opinion")

STAGES = ("normalize", "dedupe", "rules", "places", "sentiment", "rumor", "events", "hotness")
#: The stage objects whose state is saved in ``ClustererState`` (attribute → key in the JSON).
STATEFUL = {"clusterer": "events", "dedupe": "dedupe", "hotness": "hotness", "spikes": "spikes"}
STATE_FORMAT = 1
#: Event keys of one pipeline slot: the clusterer's own key plus ``slot << 40`` (see ``worker_pipeline``).
KEY_BITS = 40
KEY_SPAN = 1 << KEY_BITS


def _module(name: str) -> ModuleType | None:
    """``gongkai.opinion.analysis.<name>`` if it exists (an error inside an existing module is raised)."""
    full = f"gongkai.opinion.analysis.{name}"
    if importlib.util.find_spec(full) is None:
        return None
    return importlib.import_module(full)


def _fallback_fingerprint(text: str) -> int:
    """A signed 64-bit hash of ``text`` (used only while ``analysis.normalize`` is missing)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def _fallback_normalize(text: str) -> str:
    return " ".join(text.split())


def post_text(post: RawPost) -> str:
    """The text the pipeline analyses: the title (when the text does not start with it) and the text."""
    title = post.title.strip()
    if title and not post.text.startswith(title):
        return f"{title}\n{post.text}"
    return post.text


class Pipeline:
    """The stage objects of one process, and ``process(batch)``; see the module docstring.

    ``topics`` maps topic id → rule text (the enabled topics), ``sensitive_words`` is the word list.
    ``options`` go to the stage constructors: ``dedupe`` (kwargs of ``NearDuplicateIndex``),
    ``events`` (of ``EventClusterer``), ``hotness`` (of ``HotnessTracker``), ``spikes`` (of
    ``SpikeDetector``). ``sentiment_model`` replaces the shipped model (tests, retraining).
    """

    def __init__(
        self,
        *,
        topics: Mapping[int, str] | None = None,
        sensitive_words: Iterable[str] = (),
        options: Mapping[str, Mapping[str, Any]] | None = None,
        sentiment_model: Any = None,
        dedupe_index: Any = None,
        key_offset: int = 0,
    ) -> None:
        options = options or {}
        self.key_offset = key_offset
        self.slot: int | None = None  # the ClustererState row this pipeline saves to (worker_pipeline)
        self.rules_signature: Any = None  # what the rules were loaded from (see pipeline_refresh_rules)
        self.modules: dict[str, ModuleType | None] = {name: _module(name) for name in STAGES}
        normalize = self.modules["normalize"]
        self.normalize: Callable[[str], str] = normalize.normalize if normalize else _fallback_normalize
        self.fingerprint: Callable[[str], int] = normalize.fingerprint if normalize else _fallback_fingerprint

        dedupe = self.modules["dedupe"]
        if dedupe_index is None and dedupe is not None:
            dedupe_index = dedupe.NearDuplicateIndex(**options.get("dedupe", {}))
        self.dedupe: Any = dedupe_index

        self.topic_matcher: Any = None
        self.keyword_finder: Any = None
        self.topic_rules: dict[int, str] = {}
        self.set_topics(topics or {})
        self.set_sensitive_words(sensitive_words)

        places = self.modules["places"]
        self.tagger: Any = places.PlaceTagger(normalize=self._term_normalizer()) if places else None

        self.sentiment: Any = sentiment_model
        self.sentiment_version: Any = None  # the retrained model file's mtime, when it is the one loaded
        if sentiment_model is None and self.modules["sentiment"] is not None:
            self.load_sentiment_model()

        rumor = self.modules["rumor"]
        self.is_rumor_candidate: Callable[[str], bool] | None = rumor.is_rumor_candidate if rumor else None

        events = self.modules["events"]
        self.clusterer: Any = events.EventClusterer(**options.get("events", {})) if events else None

        hotness = self.modules["hotness"]
        self.hotness: Any = hotness.HotnessTracker(**options.get("hotness", {})) if hotness else None
        self.spikes: Any = hotness.SpikeDetector(**options.get("spikes", {})) if hotness else None

    # --- configuration ----------------------------------------------------------------------------

    def load_sentiment_model(self, path: Path | None = None) -> None:
        """Load the model retrained from analysts' corrections (``path``, by default the file of
        ``sentiment_model_path()``) if there is one, else the shipped model. A file that does not
        load is skipped with an error in the log (the shipped model, or no sentiment, instead)."""
        sentiment = self.modules["sentiment"]
        assert sentiment is not None
        path = path or sentiment_model_path()
        if path is not None and path.exists():
            try:
                version = path.stat().st_mtime_ns
                self.sentiment = sentiment.SentimentModel.load(path)
                self.sentiment_version = version
                return
            except (OSError, ValueError, KeyError) as exc:
                logger.error(
                    "opinion pipeline: the retrained sentiment model %s does not load (%s)", path, exc
                )
        try:
            self.sentiment = sentiment.SentimentModel.load_default()
        except (OSError, ValueError) as exc:  # the shipped model file missing or unreadable
            logger.error("opinion pipeline: the sentiment model does not load (%s); sentiment skipped", exc)
            self.sentiment = None
        self.sentiment_version = None

    @property
    def stages(self) -> list[str]:
        """The stages that run (their module is installed, and for sentiment its model loaded)."""
        return [
            name
            for name in STAGES
            if self.modules[name] is not None and (name != "sentiment" or self.sentiment is not None)
        ]

    def set_topics(self, topics: Mapping[int, str]) -> None:
        """Rebuild the topic matcher for these ``{topic id: rule}`` (raises ``RuleSyntaxError``)."""
        rules = self.modules["rules"]
        topics = dict(topics)
        if rules is None or not topics:
            self.topic_matcher = None
        else:
            self.topic_matcher = rules.TopicMatcher(topics, normalize=self._term_normalizer())
        self.topic_rules = topics

    def set_sensitive_words(self, words: Iterable[str]) -> None:
        """Rebuild the sensitive-word finder (words are normalized like the texts; found as given)."""
        rules = self.modules["rules"]
        words = [word for word in words if word.strip()]
        if rules is None or not words:
            self.keyword_finder = None
        else:
            self.keyword_finder = rules.KeywordFinder(words, normalize=self._term_normalizer())

    def _term_normalizer(self) -> Callable[[str], str]:
        rules = self.modules["rules"]
        assert rules is not None
        return self.term_normalizer_for(self.modules["normalize"], rules)

    @staticmethod
    def term_normalizer_for(normalize: ModuleType | None, rules: ModuleType) -> Callable[[str], str]:
        """Rule terms are normalized like the texts they are matched against."""
        if normalize is None:
            return rules.normalize_term
        function = normalize.normalize
        return lambda term: function(term).strip()

    # --- the batch --------------------------------------------------------------------------------

    def process(self, posts: Sequence[RawPost]) -> list[Analysis]:
        """Analyse ``posts`` in order (the order matters for duplicates and events)."""
        if not posts:
            return []
        normalize, fingerprint = self.normalize, self.fingerprint
        texts = [normalize(post_text(post)) for post in posts]
        results = [Analysis(text=text, fingerprint=fingerprint(text)) for text in texts]
        stamps = [post.published_at.timestamp() for post in posts]

        if self.dedupe is not None:
            originals = self.dedupe.check_and_add_many(
                [(post.key, text, stamp) for post, text, stamp in zip(posts, texts, stamps, strict=True)]
            )
            for result, original in zip(results, originals, strict=True):
                result.duplicate_of = original

        # Stages that depend on the text alone run once per distinct text.
        distinct = list(dict.fromkeys(texts))
        if len(distinct) == len(texts):
            slot = None
        else:
            position = {text: index for index, text in enumerate(distinct)}
            slot = [position[text] for text in texts]

        def per_post(values: list[Any]) -> list[Any]:
            return values if slot is None else [values[index] for index in slot]

        if self.topic_matcher is not None:
            for result, topics in zip(
                results, per_post(self.topic_matcher.match_many(distinct)), strict=True
            ):
                result.topics = list(topics)
        if self.keyword_finder is not None:
            find = self.keyword_finder.find
            for result, words in zip(results, per_post([find(text) for text in distinct]), strict=True):
                result.sensitive = list(words)
        if self.tagger is not None:
            tag = self.tagger.tag
            for result, post, text in zip(results, posts, texts, strict=True):
                result.district = tag(text, place=post.place) or ""
        if self.sentiment is not None:
            predictions = per_post(self.sentiment.predict_many(distinct))
            for result, (label, negative) in zip(results, predictions, strict=True):
                result.sentiment = label if label in SENTIMENTS else result.sentiment
                result.negative_probability = float(negative)
        if self.is_rumor_candidate is not None:
            check = self.is_rumor_candidate
            for result, flag in zip(results, per_post([check(text) for text in distinct]), strict=True):
                result.rumor_candidate = bool(flag)
        if self.clusterer is not None:
            keys = self.clusterer.assign_many(
                [
                    (post.key, result.text, stamp, result.topics, result.duplicate_of)
                    for post, result, stamp in zip(posts, results, stamps, strict=True)
                ]
            )
            offset = self.key_offset
            for result, key in zip(results, keys, strict=True):
                result.event_key = None if key is None else key + offset
        if self.hotness is not None:
            self._count_for_hotness(posts, results, stamps)
        return results

    def _count_for_hotness(
        self, posts: Sequence[RawPost], results: list[Analysis], stamps: list[float]
    ) -> None:
        """Each post counts for its event's hotness (with its reach) and spike buckets."""
        hotness = self.modules["hotness"]
        assert hotness is not None
        reach, add, count = hotness.post_reach, self.hotness.add, self.spikes.add
        for post, result, stamp in zip(posts, results, stamps, strict=True):
            if result.event_key is None:
                continue
            add(
                result.event_key,
                stamp,
                reach(
                    followers=post.followers,
                    verified=post.verified,
                    reposts=post.reposts,
                    comments=post.comments,
                    likes=post.likes,
                ),
            )
            count(result.event_key, stamp)

    # --- events -----------------------------------------------------------------------------------

    def event_states(self, keys: Iterable[int]) -> dict[int, Any]:
        """The clusterer's ``EventState`` of each live event among ``keys``."""
        if self.clusterer is None:
            return {}
        offset = self.key_offset
        wanted = {key - offset for key in keys if offset <= key < offset + KEY_SPAN}
        if not wanted:
            return {}
        states = getattr(self.clusterer, "states", None)
        found = states(wanted) if callable(states) else self.clusterer.snapshot()
        return {state.key + offset: state for state in found if state.key in wanted}

    def event_hotness(self, keys: Iterable[int], now: float | None = None) -> dict[int, float]:
        """The hotness of each event among ``keys`` at ``now`` (seconds; default: the wall clock)."""
        if self.hotness is None:
            return {}
        now = time.time() if now is None else now
        score = self.hotness.score
        return {key: float(score(key, now)) for key in keys}

    # --- state ------------------------------------------------------------------------------------

    def dump_state(self) -> dict[str, Any]:
        """The state of every stage that can ``dump()``, as one JSON-compatible dict."""
        state: dict[str, Any] = {"format": STATE_FORMAT}
        for attribute, key in STATEFUL.items():
            stage = getattr(self, attribute)
            if stage is not None and callable(getattr(stage, "dump", None)):
                state[key] = stage.dump()
        return state

    def load_state(self, state: Mapping[str, Any]) -> list[str]:
        """Resume from a :meth:`dump_state`; returns the stages restored. A part that does not load
        (another version of a stage) is skipped with a warning and that stage starts afresh."""
        restored: list[str] = []
        if not isinstance(state, Mapping) or state.get("format") != STATE_FORMAT:
            return restored
        for attribute, key in STATEFUL.items():
            stage = getattr(self, attribute)
            if stage is None or key not in state or not callable(getattr(stage, "load", None)):
                continue
            try:
                stage.load(state[key])
            except (ValueError, KeyError, TypeError) as exc:
                logger.warning(
                    "opinion pipeline: the saved %s state does not load (%s); starting afresh", key, exc
                )
                continue
            restored.append(key)
        return restored


# --- One pipeline per worker process --------------------------------------------------------------

_LOCK = threading.RLock()
_PIPELINE: Pipeline | None = None
_LAST_SAVE = 0.0


def _options() -> dict[str, dict[str, Any]]:
    from django.conf import settings

    return {key: dict(value) for key, value in getattr(settings, "GONGKAI_OPINION_STAGE_OPTIONS", {}).items()}


def _rules_signature() -> tuple[Any, ...]:
    """Changes whenever a topic or a sensitive word is added, edited, enabled, disabled or deleted."""
    from django.db.models import Count, Max

    from gongkai.opinion.models import SensitiveWord, Topic

    topics = Topic.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    words = SensitiveWord.objects.aggregate(n=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    return (topics["n"], topics["last"], topics["top"], words["n"], words["last"], words["top"])


def _load_rules(pipeline: Pipeline) -> None:
    from gongkai.opinion.models import SensitiveWord, Topic

    rules_module = pipeline.modules["rules"]
    topics = dict(Topic.objects.filter(enabled=True).values_list("pk", "rule"))
    try:
        pipeline.set_topics(topics)
    except Exception as exc:  # a rule saved around the services (admin shell, old data)
        if rules_module is None or not isinstance(exc, rules_module.RuleSyntaxError):
            raise
        bad = getattr(exc, "topic_id", None)
        logger.error("opinion pipeline: topic %s has a bad rule (%s); it is skipped", bad, exc)
        pipeline.set_topics(_valid_rules(pipeline, topics))
    pipeline.set_sensitive_words(SensitiveWord.objects.filter(enabled=True).values_list("word", flat=True))


def _valid_rules(pipeline: Pipeline, topics: dict[int, str]) -> dict[int, str]:
    rules = pipeline.modules["rules"]
    assert rules is not None
    valid = {}
    for topic_id, rule in topics.items():
        try:
            rules.parse_rule(rule)
        except rules.RuleSyntaxError:
            continue
        valid[topic_id] = rule
    return valid


def sentiment_model_path() -> Path | None:
    """Where the model retrained from analysts' corrections is kept (``GONGKAI_OPINION_SENTIMENT_MODEL``,
    default ``<data dir>/opinion/sentiment-model.npz``)."""
    from django.conf import settings

    configured = getattr(settings, "GONGKAI_OPINION_SENTIMENT_MODEL", None)
    if configured:
        return Path(configured)
    data_dir = getattr(settings, "DATA_DIR", None)
    return Path(data_dir) / "opinion" / "sentiment-model.npz" if data_dir else None


def pipeline_refresh_sentiment(pipeline: Pipeline) -> bool:
    """Load the retrained sentiment model if it appeared or changed since loaded; True if reloaded."""
    if pipeline.modules["sentiment"] is None:
        return False
    path = sentiment_model_path()
    try:
        version = path.stat().st_mtime_ns if path is not None else None
    except OSError:
        version = None
    if version == pipeline.sentiment_version:
        return False
    pipeline.load_sentiment_model(path)
    return True


def pipeline_refresh_rules(pipeline: Pipeline, *, force: bool = False) -> bool:
    """Reload topics and sensitive words into ``pipeline`` if they changed; True if reloaded."""
    signature = _rules_signature()
    if not force and signature == pipeline.rules_signature:
        return False
    _load_rules(pipeline)
    pipeline.rules_signature = signature
    return True


def _lease() -> datetime.timedelta:
    from django.conf import settings

    return datetime.timedelta(seconds=float(getattr(settings, "GONGKAI_OPINION_SLOT_LEASE_SECONDS", 600)))


_OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _claim_slot() -> Any:
    """Claim a free ``ClustererState`` row (none claimed, or its lease run out), or add one.

    Each live pipeline has its own row, so two processes never save over each other's state, and
    its own range of event keys (``row.pk << 40``), so their events never share a key. A process
    that stops releases its row (``pipeline_release``); the next process to start takes it over and
    resumes its events. A process that died holds its row until the lease runs out (10 minutes).
    """
    from django.db import transaction
    from django.db.models import Q
    from django.utils import timezone

    from gongkai.opinion.models import ClustererState

    now = timezone.now()
    with transaction.atomic():
        row = (
            ClustererState.objects.select_for_update(skip_locked=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("pk")
            .first()
        )
        if row is None:
            row = ClustererState.objects.create(name=f"slot-{uuid.uuid4().hex[:12]}")
        row.claimed_by = _OWNER
        row.claimed_until = now + _lease()
        row.save(update_fields=["claimed_by", "claimed_until"])
    return row


def pipeline_save_state(pipeline: Pipeline, *, release: bool = False) -> int | None:
    """Save the pipeline's state to its ``ClustererState`` row and renew the claim on it (or give
    it up with ``release``); returns the row's new version, ``None`` if another process took the
    row over (this one stalled past its lease: its state is then not saved, with an error logged)."""
    global _LAST_SAVE
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from gongkai.opinion.models import ClustererState

    if pipeline.slot is None:
        pipeline.slot = _claim_slot().pk
        pipeline.key_offset = pipeline.slot << KEY_BITS
    state = pipeline.dump_state()
    with transaction.atomic():
        updated = ClustererState.objects.filter(pk=pipeline.slot, claimed_by=_OWNER).update(
            state=state,
            version=F("version") + 1,
            claimed_until=None if release else timezone.now() + _lease(),
            claimed_by="" if release else _OWNER,
            updated_at=timezone.now(),
        )
        if not updated:
            logger.error(
                "opinion pipeline: slot %s was taken over by another process; state not saved", pipeline.slot
            )
            return None
        version = ClustererState.objects.filter(pk=pipeline.slot).values_list("version", flat=True).get()
    _LAST_SAVE = time.monotonic()
    return int(version)


def pipeline_save_state_if_due(pipeline: Pipeline) -> bool:
    """Save the state when ``GONGKAI_OPINION_STATE_SAVE_SECONDS`` (60) passed since the last save."""
    from django.conf import settings

    interval = float(getattr(settings, "GONGKAI_OPINION_STATE_SAVE_SECONDS", 60))
    if time.monotonic() - _LAST_SAVE < interval:
        return False
    pipeline_save_state(pipeline)
    return True


def _shared_dedupe(options: Mapping[str, Any]) -> Any:
    """The near-duplicate index in Redis, shared by every process, when Redis is configured."""
    from django.conf import settings

    dedupe = _module("dedupe")
    url = getattr(settings, "REDIS_URL", None)
    if dedupe is None or not url or not getattr(settings, "GONGKAI_OPINION_SHARED_DEDUPE", True):
        return None
    if not hasattr(dedupe, "RedisNearDuplicateIndex"):
        return None
    import redis

    prefix = str(getattr(settings, "GONGKAI_OPINION_DEDUPE_PREFIX", "gk:opinion:dedupe"))
    kwargs = {key: options[key] for key in ("window_seconds", "threshold") if key in options}
    return dedupe.RedisNearDuplicateIndex(redis.Redis.from_url(url), prefix=prefix, **kwargs)


def _build() -> Pipeline:
    global _LAST_SAVE
    options = _options()
    row = _claim_slot()
    pipeline = Pipeline(
        options=options, dedupe_index=_shared_dedupe(options.get("dedupe", {})), key_offset=row.pk << KEY_BITS
    )
    pipeline.slot = row.pk
    if row.state:
        restored = pipeline.load_state(row.state)
        logger.info("opinion pipeline: slot %s resumed %s", row.pk, ", ".join(restored) or "nothing")
    _skip_used_event_keys(pipeline)
    _LAST_SAVE = time.monotonic()
    return pipeline


def _skip_used_event_keys(pipeline: Pipeline) -> None:
    """Start the clusterer's new keys after every key of the slot already stored.

    The saved state is up to a minute old: a worker that died after handing out more keys left
    posts and events with keys the state does not know. Handing them out again would put a new
    event's posts into an old event's row.
    """
    from django.db.models import Max

    from gongkai.opinion.models import Event, Post

    clusterer = pipeline.clusterer
    if clusterer is None or not callable(getattr(clusterer, "dump", None)):
        return
    low, high = pipeline.key_offset, pipeline.key_offset + KEY_SPAN
    used = [
        Event.objects.filter(key__gte=low, key__lt=high).aggregate(top=Max("key"))["top"],
        # Posts of events still too small for a row (the partial index of such posts).
        Post.objects.filter(event__isnull=True, event_key__gte=low, event_key__lt=high).aggregate(
            top=Max("event_key")
        )["top"],
    ]
    top = max((key for key in used if key is not None), default=None)
    if top is None:
        return
    state = clusterer.dump()
    if int(state.get("next_key", 1)) > top - low:
        return
    logger.warning(
        "opinion pipeline: slot %s skips event keys up to %s (used after its last save)", pipeline.slot, top
    )
    state["next_key"] = top - low + 1
    clusterer.load(state)


def pipeline_release(pipeline: Pipeline) -> None:
    """Save the state and give the slot up for the next process (at exit; best effort)."""
    if pipeline.slot is None:
        return
    try:
        pipeline_save_state(pipeline, release=True)
    except Exception:  # the database may be gone at exit: the lease then runs out by itself
        logger.exception("opinion pipeline: could not release slot %s", pipeline.slot)


def _release_at_exit() -> None:
    with _LOCK:
        if _PIPELINE is not None:
            pipeline_release(_PIPELINE)


atexit.register(_release_at_exit)


@contextlib.contextmanager
def worker_pipeline() -> Iterator[Pipeline]:
    """This process's pipeline, with its rules current, held under a lock for the ``with`` block."""
    global _PIPELINE
    with _LOCK:
        if _PIPELINE is None:
            _PIPELINE = _build()
        pipeline_refresh_rules(_PIPELINE)
        pipeline_refresh_sentiment(_PIPELINE)
        yield _PIPELINE


def worker_pipeline_reset(*, release: bool = False) -> None:
    """Forget this process's pipeline (tests); with ``release``, save it and give its slot up first."""
    global _PIPELINE
    with _LOCK:
        if release and _PIPELINE is not None:
            pipeline_release(_PIPELINE)
        _PIPELINE = None
