"""Query parsing, stemming, stop words and snippets, without a server."""

# Full-width characters are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salon.core.errors import SalonError
from salon.search.postgres import expression as ts_expression
from salon.search.repository import Match
from salon.search.sqlite import expression as fts_expression
from salon.search.text import (
    Analyzer,
    analyzer,
    best_part,
    fold,
    index_terms,
    parse_query,
    snippet,
    use_language,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    use_language("english")
    yield
    use_language("english")


def units(raw: str) -> list[list[str]]:
    return [list(u) for u in parse_query(raw).any]


def test_words_fold_case_accents_and_width() -> None:
    assert fold("Für") == "fur"
    assert fold("STRASSE") == fold("Straße") == "strasse"
    assert fold("Ｃｅｒｔ") == "cert"
    assert fold("が") == "が"  # kana marks carry meaning and are kept
    assert fold("Team’s") == "team's"  # typographic apostrophes straighten


def test_word_forms_share_one_stem() -> None:
    assert index_terms("rotating certificates") == index_terms("rotate certificate")
    same = ["rotate", "rotating", "rotated", "rotates"]
    assert len({index_terms(w) for w in same}) == 1
    assert index_terms("upgrading upgrades") == index_terms("upgrade upgrade")
    assert index_terms("pods") == index_terms("pod")


def test_the_language_is_the_deployments() -> None:
    use_language("german")
    assert index_terms("Zertifikate Zertifikat") == "zertifikat zertifikat"
    use_language("none")
    assert index_terms("rotating certificates") == "rotating certificates"
    with pytest.raises(ValueError, match="search language"):
        Analyzer("klingon")


def test_stop_words_leave_queries_but_stay_in_the_index() -> None:
    assert units("how do I renew the TLS cert for staging?") == [
        ["renew"],
        ["tls"],
        ["cert"],
        ["stage"],
    ]
    assert index_terms("how do I") == "how do i"  # phrases may still hold them
    assert units("how do I") == [["how"], ["do"], ["i"]]  # nothing else to search for
    assert parse_query('"how do I" renew').required == (("how", "do", "i"),)


def test_negations_are_searched_not_dropped() -> None:
    # "why is X not working" is another question than "why is X working".
    assert units("why is the build not working?") == [["build"], ["not"], ["work"]]
    assert units("why doesn't the deploy start, no logs") == [
        ["doesnt"],
        ["deploy"],
        ["start"],
        ["no"],
        ["log"],
    ]
    assert units("nor cannot") == [["nor"], ["cannot"]]
    use_language("german")
    assert units("startet es nicht") == [["start"], ["nicht"]]


def test_apostrophes_and_hyphens_make_words_not_phrases() -> None:
    assert units("the team's no-blame review") == [["team"], ["no"], ["blame"], ["review"]]
    assert units("isn't") == [["isnt"]]
    assert index_terms("Isn’t the team's") == "isnt the team"
    assert units("cert-rotation") == [["cert"], ["rotat"]]


def test_ideographs_are_single_character_words_searched_as_runs() -> None:
    assert index_terms("証明書の更新") == "証 明 書 の 更 新"
    assert units("証明書") == [["証", "明", "書"]]
    assert units("TLS証明書 更新") == [["tls"], ["証", "明", "書"], ["更", "新"]]


def test_fts_syntax_is_never_interpreted() -> None:
    assert units('cert AND "key" OR NOT (x*) NEAR/3') == [
        ["cert"],
        ["not"],
        ["x"],
        ["near"],
        ["3"],
    ]  # "and", "or" are stop words here, "not" a plain word, as in the index
    parsed = parse_query('"blue green" -deploy')
    assert parsed.required == (("blue", "green"),) and parsed.any == (("deploy",),)
    assert parse_query('"unterminated quote').required == (("untermin", "quot"),)
    assert parse_query("“curly quoted” words").required == parse_query('"curly quoted"').required
    assert units("a'; DROP TABLE x; --") == [["drop"], ["tabl"], ["x"]]


def test_backends_get_every_term_quoted() -> None:
    parsed = parse_query('x OR 1=1 "col:val" émoji')
    match = Match(parsed.any, parsed.required)
    assert fts_expression(match) == '("x" OR "1" OR "emoji") AND "col val"'
    assert ts_expression(match) == "(('x') | ('1') | ('emoji')) & ('col' <-> 'val')"
    prefix = Match((("cert",),), prefix=True)
    assert fts_expression(prefix) == '("cert"*)'
    assert ts_expression(prefix) == "(('cert':*))"


@pytest.mark.parametrize("raw", ["", "   ", "🚀🔥", "?!.,;:", '""', "-- **"])
def test_queries_without_words_are_rejected(raw: str) -> None:
    with pytest.raises(SalonError) as err:
        parse_query(raw)
    assert err.value.code == "bad_request"


def test_too_many_words_are_rejected() -> None:
    with pytest.raises(SalonError):
        parse_query(" ".join(f"w{i}" for i in range(60)))


def test_snippet_ranges_point_at_matches_in_the_original_text() -> None:
    text = "Prefix " * 40 + "We are rotating the certificates for the server. " + "Suffix " * 40
    words = parse_query("certificate rotation").words
    cut = snippet(text, words)
    assert cut.text.startswith("…") and cut.text.endswith("…")
    assert [cut.text[s:e] for s, e in cut.highlights] == ["rotating", "certificates"]
    assert "«rotating» the «certificates»" in cut.marked()


def test_the_best_part_holds_the_most_query_words() -> None:
    words = parse_query("rotate staging certs").words
    parts = ["How do we do it?", "Rotate the certs on staging with certctl.", "Ask Sam."]
    assert best_part(parts, words) == parts[1]
    assert analyzer().language == "english"


def test_snippet_of_japanese_marks_each_character() -> None:
    cut = snippet("証明書の更新方法は？", parse_query("更新").words)
    assert [cut.text[s:e] for s, e in cut.highlights] == ["更", "新"]
    assert cut.marked() == "証明書の«更»«新»方法は？"


def test_title_only_matches_name_the_title_column() -> None:
    match = Match((("cert",),), prefix=True, titles=True)
    assert fts_expression(match) == 'title_terms : (("cert"*))'
    assert ts_expression(match) == "(('cert':*A))"
    assert ts_expression(Match((("cert",),), titles=True)) == "(('cert':A))"
