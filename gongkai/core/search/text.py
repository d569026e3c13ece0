"""The one text component: turn Chinese (and mixed) text into index terms and queries into matches.

Every non-space character of the lower-cased text is indexed twice: as a **unigram** and, paired
with the character after it, as a **bigram** at the same position. A query term of one character
is a unigram lookup; a term of n ≥ 2 characters is the phrase of its n−1 bigrams. Both are exact:
a document matches if and only if the term is a substring of its title or body, which is what a
``LIKE '%term%'`` scan answers, at index speed. rjieba **words** are indexed as well, without
positions, and only rank (a document where the term is a whole word comes before one where it is
part of a longer word); they never decide whether a document matches.

Rules and quirks:

* Whitespace separates query terms (all must match) and breaks the character sequence of a
  document, so "路 灯" in a document never matches the term "路灯", as with LIKE.
* Terms are compared case-insensitively; other normalisation (full-width to half-width, simplified
  to traditional) is deliberately not done, because LIKE does not do it either.
* Terms are encoded so that SQLite's ``unicode61`` tokenizer and PostgreSQL's tsvector see each one
  as one opaque token: CJK ideographs, ``a``–``w``, ``y``, ``z`` and digits stand for themselves, any
  other character is ``x<hex>x``, words are ``xw`` + their characters' codes. The code is
  prefix-free, so a unigram, a bigram and a word can never be mistaken for one another.
* On PostgreSQL the tsvector holds the terms without positions and answers one- and
  two-character terms (exact); longer terms go to a ``pg_trgm`` index on the stored text (see
  ``storage``), or, if pg_trgm cannot index them, to their bigrams plus ``strpos`` on the text.
  On SQLite, FTS5 keeps positions and the bigram phrase query is exact by itself.
* A long document is split into chunks of at most 16,383 characters (the tsvector position limit,
  kept as the chunk size so that rows stay small) that overlap by :data:`MAX_QUERY_LENGTH`
  characters, so every term that a query may contain lies wholly inside at least one chunk.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import rjieba

#: Longest query the public accepts (characters). Chunks overlap by this much.
MAX_QUERY_LENGTH = 100
#: Titles are indexed up to this many characters (they are stored in full).
TITLE_INDEX_LIMIT = 1000
#: Highest tsvector position PostgreSQL keeps; later positions collapse onto it.
MAX_POSITION = 16_383
#: Bump when the encoding changes: every index must then be rebuilt (``gongkai search rebuild``).
TOKENIZER_VERSION = 1

_CODES: dict[str, str] = {}


def _is_cjk(code_point: int) -> bool:
    return (
        0x4E00 <= code_point <= 0x9FFF
        or 0x3400 <= code_point <= 0x4DBF
        or 0xF900 <= code_point <= 0xFAFF
        or 0x20000 <= code_point <= 0x3134F
    )


def char_code(char: str) -> str:
    """Return the index code of one (already lower-cased) character."""
    code = _CODES.get(char)
    if code is None:
        point = ord(char)
        if _is_cjk(point) or ("a" <= char <= "z" and char != "x") or "0" <= char <= "9":
            code = char
        else:
            code = f"x{point:x}x"
        if len(_CODES) < 100_000:
            _CODES[char] = code
    return code


def normalize(text: str) -> str:
    """Lower-case ``text`` without changing its length (offsets stay valid for snippets)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)


def word_code(word: str) -> str:
    return "xw" + "".join(char_code(c) for c in word)


def words_of(text: str) -> set[str]:
    """Return the rjieba words (two characters or more, no spaces) of normalized ``text``."""
    return {w for w in rjieba.cut(text, hmm=False) if len(w) >= 2 and not any(c.isspace() for c in w)}


@dataclass
class Chunk:
    """One indexed slice of a document: the title plus ``body[start:end]``."""

    number: int
    start: int
    end: int
    #: distinct unigram and bigram codes (for the tsvector).
    lexemes: list[str] = field(default_factory=list)
    #: unigram codes in document order; bigram codes in order, runs separated by FTS_GAP (for FTS5).
    unigrams: list[str] = field(default_factory=list)
    bigrams: list[str] = field(default_factory=list)
    words: set[str] = field(default_factory=set)

    def tsvector(self) -> str:
        """Return the chunk as a PostgreSQL tsvector literal, without positions.

        PostgreSQL only narrows candidates with the GIN index (every bigram of the term present)
        and then checks the substring on the stored text, which is cheaper than detoasting
        positions for a phrase recheck and is LIKE-exact by construction.
        """
        words = [word_code(w) for w in sorted(self.words)]
        return " ".join(f"'{lexeme}'" for lexeme in [*self.lexemes, *words])

    def fts_columns(self) -> tuple[str, str, str]:
        """Return the ``uni``, ``bi`` and ``w`` column texts for the SQLite FTS5 table."""
        return (
            " ".join(self.unigrams),
            " ".join(self.bigrams),
            " ".join(word_code(w) for w in sorted(self.words)),
        )


#: Token that separates runs in the FTS5 bigram column; no character code can produce it.
FTS_GAP = "xx"


def _build_chunk(number: int, title: str, body: str, start: int, end: int) -> Chunk:
    chunk = Chunk(number=number, start=start, end=end)
    unigrams = chunk.unigrams
    bigrams = chunk.bigrams
    codes_of = _CODES.get
    for part in (title, body[start:end]):
        # str.split() breaks on exactly the characters str.isspace() knows: no bigram spans them.
        for run in part.split():
            codes = [codes_of(c) or char_code(c) for c in run]
            unigrams.extend(codes)
            if len(codes) > 1:
                bigrams.extend([a + b for a, b in zip(codes, codes[1:], strict=False)])
                bigrams.append(FTS_GAP)
    lexemes = dict.fromkeys(unigrams)
    lexemes.update(dict.fromkeys(bigrams))
    lexemes.pop(FTS_GAP, None)
    chunk.lexemes = list(lexemes)
    chunk.words = words_of(title) | words_of(body[start:end])
    return chunk


def chunk_document(title: str, body: str) -> list[Chunk]:
    """Split a document into index chunks (usually exactly one).

    ``title`` and ``body`` must already be :func:`normalize`-d. The title is repeated in every
    chunk; consecutive chunks overlap by :data:`MAX_QUERY_LENGTH` characters.
    """
    title = title[:TITLE_INDEX_LIMIT]
    budget = MAX_POSITION - len(title) - 2
    if len(body) <= budget:
        return [_build_chunk(0, title, body, 0, len(body))]
    chunks: list[Chunk] = []
    start = 0
    while True:
        end = min(len(body), start + budget)
        chunks.append(_build_chunk(len(chunks), title, body, start, end))
        if end >= len(body):
            return chunks
        start = end - MAX_QUERY_LENGTH


@dataclass(frozen=True)
class Term:
    """One whitespace-separated part of a query, normalized."""

    text: str
    codes: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def bigrams(self) -> list[str]:
        return [self.codes[i] + self.codes[i + 1] for i in range(len(self.codes) - 1)]

    @property
    def caseless(self) -> bool:
        """True when no character of the term has a case, so the stored text needs no lower().

        Letters of caseless scripts (CJK, kana, …), digits and punctuation: nothing lower-cases to
        them, so ``term in text.lower()`` is ``term in text``.
        """
        return all(_caseless_char(c) for c in self.text)

    @property
    def trigram_indexable(self) -> bool:
        """True when ``pg_trgm`` can extract a trigram from the term (3 word characters in a row).

        CJK ideographs and ASCII letters and digits are word characters for ``pg_trgm`` in any
        UTF-8 locale; a term without such a run would make its GIN index scan everything.
        """
        run = 0
        for char in self.text:
            run = run + 1 if _is_cjk(ord(char)) or (char.isascii() and char.isalnum()) else 0
            if run >= 3:
                return True
        return False


def _caseless_char(char: str) -> bool:
    if _is_cjk(ord(char)) or "0" <= char <= "9":
        return True
    category = unicodedata.category(char)
    return category in ("Lo", "Nd") or category.startswith("P")


def parse_query(query: str) -> list[Term]:
    """Split ``query`` into distinct normalized terms (empty list if there is nothing to search)."""
    terms: list[Term] = []
    seen: set[str] = set()
    for part in normalize(query).split():
        if part in seen:
            continue
        seen.add(part)
        words = tuple(sorted(words_of(part))) if len(part) >= 2 else ()
        terms.append(Term(text=part, codes=tuple(char_code(c) for c in part), words=words))
    return terms


def pg_tsquery(terms: list[Term]) -> str | None:
    """Return the tsquery for the terms the tsvector answers, or None if there are none.

    A one-character term is its unigram, a two-character term its bigram: exact. A longer term
    that ``pg_trgm`` cannot index (:attr:`Term.trigram_indexable` false) is the AND of its
    bigrams, a necessary condition (the caller confirms the substring); other longer terms are
    left to the trigram index.
    """
    lexemes: list[str] = []
    for term in terms:
        if len(term.codes) > 2 and term.trigram_indexable:
            continue
        for lexeme in [term.codes[0]] if len(term.codes) == 1 else term.bigrams:
            if lexeme not in lexemes:
                lexemes.append(lexeme)
    return " & ".join(f"'{lexeme}'" for lexeme in lexemes) if lexemes else None


def like_pattern(term: Term) -> str:
    """Return ``%term%`` with LIKE's wildcards and escape character escaped."""
    escaped = term.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def pg_word_tsquery(terms: list[Term]) -> str | None:
    """Return the tsquery of the terms' words (for ranking), or None when no term has a word."""
    words = [word_code(w) for term in terms for w in term.words]
    return " & ".join(f"'{w}'" for w in words) if words else None


def fts_match(terms: list[Term]) -> str:
    """Return the FTS5 MATCH expression that matches documents containing every term."""
    parts = []
    for term in terms:
        if len(term.codes) == 1:
            parts.append(f'uni : "{term.codes[0]}"')
        else:
            parts.append(f'bi : "{" ".join(term.bigrams)}"')
    return " AND ".join(parts)


def fts_word_match(terms: list[Term]) -> str | None:
    words = [word_code(w) for term in terms for w in term.words]
    return " AND ".join(f'w : "{w}"' for w in words) if words else None
