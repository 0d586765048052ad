"""Text preparation shared by both search backends: folding, stemming, query parsing, snippets.

Both SQLite FTS5 and PostgreSQL index the same prepared word list, so a query behaves the same
on either backend: case and accents fold ("Für" finds "fur"), "ß" matches "ss", words are cut
to their Snowball stem in the deployment's language ("rotating certs" finds "cert rotation"),
apostrophes stay inside their word ("isn't", "team's"), and Chinese/Japanese text, which has
no spaces between words, is indexed one character per token and searched as a phrase of
characters. User queries never reach the FTS syntax: the backends quote every term they are
given, so operators, quotes and punctuation are plain text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from salon.core.errors import SalonError
from salon.search.stopwords import STOP_WORDS

# A word may hold apostrophes between its letters: "isn't" is one word, not a phrase.
WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Quoted phrases (straight or typographic quotes) or runs of anything else but space.
QUERY_PART = re.compile(r'"([^"]*)"?|([^\s"]+)')
TYPOGRAPHIC_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»「」『』"})
MAX_PHRASES = 16
MAX_WORDS = 48
MARK_OPEN, MARK_CLOSE = "«", "»"
# PostgreSQL refuses tsvectors over 1 MB; long documents are indexed by their first words.
MAX_INDEXED_CHARS = 400_000
# Separates the parts of an entry's body (a question's answers) so snippets pick one.
PART_BREAK = "\u2029"
NO_STEMMING = "none"


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


# Words repeat: most of a text's tokens were folded before.
@lru_cache(maxsize=65_536)
def fold(word: str) -> str:
    """One token compatibility-normalised, accent-free, case-folded, with straight apostrophes."""
    if any(_is_ideograph(ch) for ch in word):
        # Kana marks (が vs か) carry meaning, so only width and compatibility forms fold.
        return unicodedata.normalize("NFKC", word)
    decomposed = unicodedata.normalize("NFKD", word.replace("\u2019", "'"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.casefold()


class Analyzer:
    """Folded words to index terms in one language: the Snowball stem, apostrophes dropped
    (both full-text engines would split a word there), and that language's stop words."""

    def __init__(self, language: str) -> None:
        if language != NO_STEMMING and language not in Stemmer.algorithms():
            choices = ", ".join([NO_STEMMING, *sorted(Stemmer.algorithms())])
            raise ValueError(f"search language must be one of {choices}")
        self.language = language
        self._stemmer = None if language == NO_STEMMING else Stemmer.Stemmer(language)
        self.stop_words = STOP_WORDS.get(language, frozenset())
        self.term = lru_cache(maxsize=65_536)(self._term)

    def _term(self, folded: str) -> str:
        stem = self._stemmer.stemWord(folded) if self._stemmer else folded
        return stem.replace("'", "") or folded.replace("'", "")

    def is_stop_word(self, folded: str) -> bool:
        return folded in self.stop_words


# One language per deployment: the index holds stems of that language, so every writer and
# reader of one archive must agree on it. The composition root sets it from the settings.
_current = Analyzer("english")


def use_language(language: str) -> Analyzer:
    global _current
    if language != _current.language:
        _current = Analyzer(language)
    return _current


def analyzer() -> Analyzer:
    return _current


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
        if run.isascii():  # no ideographs: one word (most text; skips a test per character)
            found.append(_token(text, begin, begin + len(run)))
            continue
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
    return Token(start, end, fold(text[start:end].strip("'\u2019")))


def index_terms(text: str) -> str:
    """What the FTS column stores: index terms separated by single spaces. Stop words are
    kept, so quoted phrases holding them still match."""
    text = unicodedata.normalize("NFC", text[:MAX_INDEXED_CHARS])
    term = _current.term
    return " ".join(term(t.folded) for t in tokens(text) if t.folded)


def folded_words(text: str) -> str:
    """The words of ``text`` folded but not stemmed, as typed: what spelling is compared on."""
    return " ".join(t.folded for t in tokens(unicodedata.normalize("NFC", text)) if t.folded)


Unit = tuple[str, ...]  # one term, or a phrase of terms in order


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """``any``: the words (and CJK runs) of the query, of which an entry should hold as many
    as it can; ``required``: quoted phrases, which every hit holds; ``spelled``: the folded
    words as typed, for the spelling rescue."""

    any: tuple[Unit, ...]
    required: tuple[Unit, ...] = ()
    spelled: tuple[str, ...] = ()

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.any + self.required

    @property
    def words(self) -> frozenset[str]:
        return frozenset(word for unit in self.units for word in unit)


def parse_query(raw: str) -> ParsedQuery:
    """Bare words are matched each on its own (``cert-rotation`` is two words), stop words
    dropped unless the query has nothing else; quoted phrases must match as written. Operators
    and stray punctuation are dropped, never interpreted."""
    text = unicodedata.normalize("NFC", raw).translate(TYPOGRAPHIC_QUOTES)
    bare: list[Unit] = []
    stops: list[Unit] = []
    required: list[Unit] = []
    spelled: list[str] = []
    for match in QUERY_PART.finditer(text):
        if match.group(1) is not None:
            phrase = tuple(_current.term(t.folded) for t in tokens(match.group(1)))
            _add(required, phrase)
            continue
        for unit, folded in _bare_units(match.group(2)):
            _add(stops if _current.is_stop_word(folded) else bare, unit)
            spelled.append(folded)
    units = bare or ([] if required else stops)
    if not units and not required:
        raise SalonError("bad_request", "q has no searchable words")
    if len(required) > MAX_PHRASES or sum(len(u) for u in units + required) > MAX_WORDS:
        raise SalonError("bad_request", "q has too many words")
    return ParsedQuery(tuple(units), tuple(required), tuple(dict.fromkeys(spelled)))


def _add(units: list[Unit], unit: Unit) -> None:
    if unit and unit not in units:
        units.append(unit)


def _bare_units(chunk: str) -> list[tuple[Unit, str]]:
    """Each word of a bare chunk, except that adjacent ideographs stay one phrase: they are
    one word written without spaces."""
    found: list[tuple[Unit, str]] = []
    run: list[Token] = []
    for token in [*tokens(chunk), None]:
        ideograph = token is not None and _is_ideograph(token.folded[0])
        if run and (not ideograph or token is None or token.start != run[-1].end):
            found.append((tuple(t.folded for t in run), "".join(t.folded for t in run)))
            run = []
        if token is None or not token.folded:
            continue
        if ideograph:
            run.append(token)
        else:
            found.append(((_current.term(token.folded),), token.folded))
    return found


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


def matches(text: str, words: frozenset[str]) -> list[tuple[int, int]]:
    """Where the words (index terms) occur in ``text`` (already NFC), as code point ranges."""
    term = _current.term
    return [(t.start, t.end) for t in tokens(text) if t.folded and term(t.folded) in words]


def best_part(parts: list[str], words: frozenset[str]) -> str:
    """The part holding the most different query words; the first one on a tie."""

    def held(part: str) -> int:
        terms = {_current.term(t.folded) for t in tokens(unicodedata.normalize("NFC", part))}
        return len(terms & words)

    return max(parts, key=held) if parts else ""


def snippet(text: str, words: frozenset[str], width: int = 200) -> Snippet:
    """A window of ``text`` around its first match, with match ranges (code point offsets)."""
    text = unicodedata.normalize("NFC", text)
    hits = matches(text, words)
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
