"""Text preparation shared by both search backends: folding, tokens, query parsing, snippets.

Both SQLite FTS5 and PostgreSQL index the same pre-folded word list, so a query behaves the
same on either backend: case and accents fold ("Für" finds "fur"), "ß" matches "ss", and
Chinese/Japanese text, which has no spaces between words, is indexed one character per token
and searched as a phrase of characters. User queries never reach the FTS syntax: every word
is quoted by ``match_text``, so operators, quotes and punctuation are plain text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from salon.core.errors import SalonError

WORD = re.compile(r"[^\W_]+")
# Quoted phrases (straight or typographic quotes) or runs of anything else but space.
QUERY_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
TYPOGRAPHIC_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»「」『』"})
MAX_PHRASES = 16
MAX_WORDS = 48
MARK_OPEN, MARK_CLOSE = "«", "»"
# PostgreSQL refuses tsvectors over 1 MB; long documents are indexed by their first words.
MAX_INDEXED_CHARS = 400_000


def _is_ideograph(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF66 <= code <= 0xFF9F  # half-width katakana
        or 0x20000 <= code <= 0x2FA1F  # CJK extensions B and later
    )


def fold(word: str) -> str:
    """The indexed form of one token: compatibility-normalised, accent-free, case-folded."""
    if any(_is_ideograph(ch) for ch in word):
        # Kana marks (が vs か) carry meaning, so only width and compatibility forms fold.
        return unicodedata.normalize("NFKC", word)
    decomposed = unicodedata.normalize("NFKD", word)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold()


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    folded: str


def tokens(text: str) -> list[Token]:
    """Words of ``text`` (already NFC) with their positions; each ideograph is its own word."""
    found: list[Token] = []
    for match in WORD.finditer(text):
        begin = match.start()
        run = match.group()
        piece_start = None
        for i, ch in enumerate(run):
            if _is_ideograph(ch):
                if piece_start is not None:
                    found.append(_token(text, begin + piece_start, begin + i))
                    piece_start = None
                found.append(_token(text, begin + i, begin + i + 1))
            elif piece_start is None:
                piece_start = i
        if piece_start is not None:
            found.append(_token(text, begin + piece_start, begin + len(run)))
    return found


def _token(text: str, start: int, end: int) -> Token:
    return Token(start, end, fold(text[start:end]))


def index_terms(text: str) -> str:
    """What the FTS column stores: folded words separated by single spaces."""
    text = unicodedata.normalize("NFC", text[:MAX_INDEXED_CHARS])
    return " ".join(t.folded for t in tokens(text))


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    phrases: tuple[tuple[str, ...], ...]

    @property
    def words(self) -> frozenset[str]:
        return frozenset(word for phrase in self.phrases for word in phrase)

    def match_text(self) -> str:
        """Every phrase double-quoted: valid FTS5 MATCH syntax and websearch_to_tsquery input."""
        return " ".join('"' + " ".join(phrase) + '"' for phrase in self.phrases)


def parse_query(raw: str) -> ParsedQuery:
    """Phrases to match (all of them). Bare chunks like ``cert-rotation`` or ``証明書`` are
    phrases of their words; operators and stray punctuation are dropped, never interpreted."""
    text = unicodedata.normalize("NFC", raw).translate(TYPOGRAPHIC_QUOTES)
    phrases: list[tuple[str, ...]] = []
    for match in QUERY_PART.finditer(text):
        part = match.group(1) if match.group(1) is not None else match.group(2)
        words = tuple(t.folded for t in tokens(part or ""))
        if words and words not in phrases:
            phrases.append(words)
    if not phrases:
        raise SalonError("bad_request", "q has no searchable words")
    if len(phrases) > MAX_PHRASES or sum(len(p) for p in phrases) > MAX_WORDS:
        raise SalonError("bad_request", "q has too many words")
    return ParsedQuery(tuple(phrases))


@dataclass(frozen=True, slots=True)
class Snippet:
    text: str
    highlights: list[tuple[int, int]]

    def marked(self) -> str:
        """The snippet with each match wrapped in « »; still plain text, never HTML."""
        out, last = [], 0
        for start, end in self.highlights:
            out += [self.text[last:start], MARK_OPEN, self.text[start:end], MARK_CLOSE]
            last = end
        out.append(self.text[last:])
        return "".join(out)


def snippet(text: str, words: frozenset[str], width: int = 200) -> Snippet:
    """A window of ``text`` around its first match, with match ranges (code point offsets)."""
    text = unicodedata.normalize("NFC", text)
    hits = [(t.start, t.end) for t in tokens(text) if t.folded in words]
    start = 0
    if hits and hits[0][0] > width // 3:
        start = _word_start(text, hits[0][0] - width // 4)
    end = min(len(text), start + width)
    if end < len(text):
        end = _word_end(text, end)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    ranges = [(s + shift, e + shift) for s, e in hits if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, ranges)


def _word_start(text: str, pos: int) -> int:
    space = text.rfind(" ", 0, pos)
    return pos if space < 0 or pos - space > 20 else space + 1


def _word_end(text: str, pos: int) -> int:
    space = text.find(" ", pos)
    return pos if space < 0 or space - pos > 20 else space
