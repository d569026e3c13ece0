"""Types of the compiled scoring step of ``sentiment.SentimentModel`` (``_sentiment_core.c``)."""

from typing import Any

def sums(
    texts: list[str], weight: Any, idf2: Any, bits: int, ngram_max: int, numerator: Any, norm2: Any
) -> None: ...
