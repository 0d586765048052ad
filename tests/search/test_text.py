"""The query sanitiser and snippet maker, without a server."""

# Full-width characters are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from salon.core.errors import SalonError
from salon.search.text import fold, index_terms, parse_query, snippet


def phrases(raw: str) -> list[list[str]]:
    return [list(p) for p in parse_query(raw).phrases]


def test_words_fold_case_accents_and_width() -> None:
    assert fold("Für") == "fur"
    assert fold("STRASSE") == fold("Straße") == "strasse"
    assert fold("Ｃｅｒｔ") == "cert"
    assert fold("が") == "が"  # kana marks carry meaning and are kept
    assert index_terms("Über-Zertifikate, bitte!") == "uber zertifikate bitte"


def test_ideographs_are_single_character_words() -> None:
    assert index_terms("証明書の更新") == "証 明 書 の 更 新"
    assert phrases("証明書") == [["証", "明", "書"]]
    assert index_terms("TLS証明書") == "tls 証 明 書"


def test_fts_syntax_is_never_interpreted() -> None:
    assert phrases('cert AND "key" OR NOT (x*) NEAR/3') == [
        ["cert"],
        ["and"],
        ["key"],
        ["or"],
        ["not"],
        ["x"],
        ["near", "3"],
    ]
    assert parse_query('"blue green" -deploy').match_text() == '"blue green" "deploy"'
    assert phrases('"unterminated quote') == [["unterminated", "quote"]]
    assert phrases("“curly quoted” words") == [["curly", "quoted"], ["words"]]
    assert phrases("what's blue/green?") == [["what", "s"], ["blue", "green"]]
    assert phrases("a'; DROP TABLE x; --") == [["a"], ["drop"], ["table"], ["x"]]


def test_match_text_only_holds_quoted_words() -> None:
    text = parse_query("x OR 1=1 ^ col:val {a b} 🚀 émoji").match_text()
    assert text == '"x" "or" "1 1" "col val" "a" "b" "emoji"'
    # A stray quote opens a phrase that runs to the end, as in web search engines.
    assert parse_query('x" OR y').match_text() == '"x" "or y"'


@pytest.mark.parametrize("raw", ["", "   ", "🚀🔥", "?!.,;:", '""', "-- **"])
def test_queries_without_words_are_rejected(raw: str) -> None:
    with pytest.raises(SalonError) as err:
        parse_query(raw)
    assert err.value.code == "bad_request"


def test_too_many_words_are_rejected() -> None:
    with pytest.raises(SalonError):
        parse_query(" ".join(f"w{i}" for i in range(60)))


def test_snippet_ranges_point_at_matches_in_the_original_text() -> None:
    text = "Prefix " * 40 + "Wir erneuern das Zertifikat für den Server. " + "Suffix " * 40
    words = parse_query("fur zertifikat").words
    cut = snippet(text, words)
    assert cut.text.startswith("…") and cut.text.endswith("…")
    found = [cut.text[s:e] for s, e in cut.highlights]
    assert found == ["Zertifikat", "für"]
    assert "«Zertifikat» «für»" in cut.marked()


def test_snippet_of_japanese_marks_each_character() -> None:
    cut = snippet("証明書の更新方法は？", parse_query("更新").words)
    assert [cut.text[s:e] for s, e in cut.highlights] == ["更", "新"]
    assert cut.marked() == "証明書の«更»«新»方法は？"
