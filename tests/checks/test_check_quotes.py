"""Verbatim quote checking against the review text."""

from __future__ import annotations

import json

import pytest

from conftest import REVIEW_TEXT, assert_one_error_line, run_in_process
from exitkg.checks.check_quotes import check_quotes, normalise_whitespace
from exitkg.graph.local import load

SOURCE_TEXT = """The Review
Women described leaving as \u201ca long and
winding road\u201d that took years.   Support from NGOs was
crucial (Smith, 2019).
"""


def _data(tmp_path, quote, cited_as="Smith, 2019"):
    path = tmp_path / "data.ttl"
    escaped = json.dumps(quote, ensure_ascii=False)
    path.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        f"<https://w3id.org/exitkg/id/q1> ekg:quote {escaped} ;\n"
        f"    ekg:citedAs {json.dumps(cited_as)} .\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "review.txt"
    path.write_text(SOURCE_TEXT, encoding="utf-8")
    return path


def test_normalise_whitespace():
    assert normalise_whitespace("  a\n\tb  c \u00a0") == "a b c"


def test_verbatim_quote_passes(tmp_path, source):
    data = _data(tmp_path, "Support from NGOs was crucial")
    code, out, err = run_in_process("check-quotes", "--source", source, "--only", data)
    assert code == 0, out + err
    assert err == ""
    assert "all 2 of 2 quotes found" in out


def test_changed_word_is_listed(tmp_path, source):
    data = _data(tmp_path, "Support from NGOs was essential")
    code, out, err = run_in_process("check-quotes", "--source", source, "--only", data)
    assert code == 1
    assert "Support from NGOs was essential" in out
    assert "NOT FOUND  ekgid:q1  ekg:quote" in out
    code, out, err = run_in_process("check-quotes", "--source", source, "--only", data, "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["ok"] is False and document["checked"] == 2 and document["missing"] == 1
    assert document["not_found"] == [{
        "subject": "https://w3id.org/exitkg/id/q1",
        "property": "https://w3id.org/exitkg/ontology#quote",
        "quote": "Support from NGOs was essential",
    }]


def test_whitespace_differences_pass(tmp_path, source):
    # the source breaks the line inside the quote and has runs of spaces
    data = _data(tmp_path, "\u201ca long and winding road\u201d that took years. Support")
    missing, checked = check_quotes(source, load(only=[data]))
    assert (missing, checked) == ([], 2)


def test_curly_quotes_must_match_exactly(tmp_path, source):
    data = _data(tmp_path, '"a long and winding road"')
    missing, checked = check_quotes(source, load(only=[data]))
    assert checked == 2
    assert [m.quote for m in missing] == ['"a long and winding road"']


def test_missing_source(tmp_path):
    data = _data(tmp_path, "anything")
    missing = tmp_path / "no-such-review.txt"
    code, out, err = run_in_process("check-quotes", "--source", missing, "--only", data)
    assert code == 2
    assert_one_error_line(err, str(missing))
    assert out == ""


def test_empty_source(tmp_path):
    data = _data(tmp_path, "anything")
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n", encoding="utf-8")
    code, _, err = run_in_process("check-quotes", "--source", empty, "--only", data)
    assert code == 2
    assert_one_error_line(err, str(empty), "empty")


def test_graph_without_quotes_does_not_pass(tmp_path, source):
    path = tmp_path / "noquotes.ttl"
    path.write_text('<https://e/a> <https://e/b> "x" .\n', encoding="utf-8")
    result = check_quotes(source, load(only=[path]))
    assert result.checked == 0
    assert result.exit_code == 1


@pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="review text not available")
def test_packaged_quotes_occur_in_the_review():
    code, out, err = run_in_process("check-quotes", "--source", REVIEW_TEXT)
    assert code == 0, out + err


def _definitions(tmp_path, stated: str, curators: str = "Help from organisations outside government."):
    """A factor defined in the review's words (*stated*) and one defined by the curators."""
    path = tmp_path / "definitions.ttl"
    path.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        f"<https://w3id.org/exitkg/id/f1> a ekg:Factor ; skos:definition {json.dumps(stated)}@en ;\n"
        "    ekg:definitionProvenance ekg:StatedInReview .\n"
        f"<https://w3id.org/exitkg/id/f2> a ekg:Factor ; skos:definition {json.dumps(curators)}@en ;\n"
        "    ekg:definitionProvenance ekg:CuratorInference .\n",
        encoding="utf-8",
    )
    return path


def test_a_definition_in_the_reviews_words_is_checked_and_a_curators_is_not(tmp_path, source):
    data = _definitions(tmp_path, "Support from NGOs was\n crucial")
    missing, checked = check_quotes(source, load(only=[data]))
    assert (missing, checked) == ([], 1)


def test_a_changed_definition_in_the_reviews_words_is_listed(tmp_path, source):
    data = _definitions(tmp_path, "Support from NGOs was essential")
    code, out, err = run_in_process("check-quotes", "--source", source, "--only", data)
    assert code == 1, out + err
    assert out.splitlines() == [
        "Quote check: 1 of 1 quotes not found in " + str(source),
        'NOT FOUND  ekgid:f1  skos:definition  "Support from NGOs was essential"',
    ]


def _stated_definitions_expected() -> dict[str, str]:
    """Factor -> definition, for the definitions in the review's words, from the query's expected file."""
    import csv

    from conftest import REPO_ROOT

    with open(REPO_ROOT / "queries" / "factor-definitions.expected.csv", encoding="utf-8", newline="") as f:
        return {row["factor"]: row["definition"] for row in csv.DictReader(f)
                if row["provenance"].endswith("#StatedInReview")}


@pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="review text not available")
def test_the_packaged_definitions_in_the_reviews_words_occur_in_it():
    stated = _stated_definitions_expected()
    # they stand in the named graph of the shared entities: --of common checks them alone
    missing, checked = check_quotes(REVIEW_TEXT, of="common")
    assert stated and (missing, checked) == ([], len(stated))


@pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="review text not available")
def test_a_tampered_packaged_definition_fails():
    import pyoxigraph as ox

    graph = load()
    factor, definition = sorted(_stated_definitions_expected().items())[0]
    old = ox.Quad(ox.NamedNode(factor), ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition"),
                  ox.Literal(definition, language="en"), ox.DefaultGraph())
    assert old in graph.store
    tampered = definition.replace(" ", "  ", 1)[:-1] + "."  # spacing is normalised; the last letter is not
    graph.store.remove(old)
    graph.store.add(ox.Quad(old.subject, old.predicate, ox.Literal(tampered, language="en"), old.graph_name))
    missing, _ = check_quotes(REVIEW_TEXT, graph)
    assert [(m.subject, m.quote) for m in missing] == [(factor, tampered)]
