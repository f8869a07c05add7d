"""The review beyond its Results: its limitations, suggestions for future research, eligibility
criteria, method and quality, claims without a citation and recommendations, as statements of the
ferrari-2021 source; and the factors any source ties to a stage of a model (none in the review).

How many entries of each kind the review has is read from the reference of what the review says
(``review_content`` in ``tests/expected/sources/ferrari-2021.yaml``); what each query returns is
pinned by its expected CSV (``tests/test_queries.py``)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import exitkg
from conftest import REVIEW_TEXT, run_exitkg, source_facts
from exitkg.sparql import queries as Q
from exitkg.pages.report import render_html
from exitkg.review.report import REVIEW_CONTENT, STAGE_QUERY, build_report, render_json, render_markdown, render_text

FERRARI = source_facts("ferrari-2021")
EXPECTED = FERRARI["review_content"]
ID = "https://w3id.org/exitkg/id/"
STATEMENTS = ID + "review-statement/ferrari-2021/"
CATALOGUE = Q.catalogue()


@pytest.fixture(scope="module")
def graph():
    return exitkg.load()


def _count(rows: list[dict], expected):
    """The rows counted as the reference counts them: all, or by their ``kind`` column."""
    if isinstance(expected, dict):
        return dict(Counter(r["kind"] for r in rows))
    return len(rows)


def test_the_reference_names_every_kind_the_report_lists():
    assert list(EXPECTED) == [qid for qid, _ in REVIEW_CONTENT]


@pytest.mark.parametrize("qid", list(EXPECTED))
def test_each_kind_has_as_many_entries_as_the_review(graph, qid):
    rows = Q.run(CATALOGUE[qid], graph).dicts()
    assert _count(rows, EXPECTED[qid]) == EXPECTED[qid]
    assert {r["source"] for r in rows} == {ID + "source/ferrari-2021"}
    assert {r["review"] for r in rows} == {ID + "review/ferrari-2021"}
    for r in rows:
        assert r["quote"] and r["label"] and r["located_in"], r
        assert r["statement"].startswith(STATEMENTS), r


@pytest.mark.parametrize("qid", list(EXPECTED))
def test_the_entries_of_a_kind_are_numbered_in_the_reviews_order(graph, qid):
    """Positions run 1, 2, ... without a gap or a repeat within a kind (the quality statement,
    alone, has none)."""
    rows = Q.run(CATALOGUE[qid], graph).dicts()
    by_kind: dict[str, list[int]] = {}
    for r in rows:
        if r.get("order") is not None:
            by_kind.setdefault(r["kind"] if qid in ("review-method",) else "", []).append(r["order"])
    assert by_kind
    for orders in by_kind.values():
        assert orders == list(range(1, len(orders) + 1)), orders


def test_the_statements_are_typed_once_and_disjoint_from_findings(graph):
    rows = graph.run(f"""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        SELECT ?s (COUNT(?t) AS ?n) WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{STATEMENTS}")) }} GROUP BY ?s""").dicts()
    total = sum(v if isinstance(v, int) else sum(v.values()) for v in EXPECTED.values())
    assert len(rows) == total and {r["n"] for r in rows} == {1}


@pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="review text not available")
def test_every_quote_is_found_in_the_review(graph):
    """check-quotes, the one rule of verbatim quotes, finds every quote of these statements."""
    result = exitkg.check_quotes(REVIEW_TEXT, graph)
    missing = [m for m in result.missing if m.subject.startswith(STATEMENTS)]
    assert missing == []
    quoted = graph.run(f"""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        SELECT (COUNT(?q) AS ?n) WHERE {{ ?s ekg:quote ?q FILTER(STRSTARTS(STR(?s), "{STATEMENTS}")) }}""").dicts()[0]["n"]
    assert quoted == sum(v if isinstance(v, int) else sum(v.values()) for v in EXPECTED.values())


@pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="review text not available")
def test_a_changed_quote_is_not_found(graph, tmp_path):
    """The check is not vacuous: one word changed in a limitation's quote is reported."""
    bad = tmp_path / "bad.ttl"
    bad.write_text(f"<{STATEMENTS}limitation-english-only> <https://w3id.org/exitkg/ontology#quote> "
                   "\"this review was restricted to articles written in French\" .\n", encoding="utf-8")
    result = exitkg.check_quotes(REVIEW_TEXT, exitkg.load(data=[bad]))
    assert [m.quote for m in result.missing] == ["this review was restricted to articles written in French"]


def test_the_report_shows_what_the_review_says_beyond_its_results(graph):
    report = build_report(graph)
    assert report.agrees
    got = {k["query"]: _count(k["entries"], EXPECTED[k["query"]]) for k in report.review_content}
    assert got == EXPECTED
    text, markdown, html = render_text(report), render_markdown(report), render_html(report)
    for qid, heading in REVIEW_CONTENT:
        n = len(next(k for k in report.review_content if k["query"] == qid)["entries"])
        assert f"{heading} ({n}; query {qid})" in text
        assert f"### {heading} ({n})" in markdown
        assert f"<h3>{heading} ({n})</h3>" in html
    assert "None of the studies employed doubtful methodologies" in text
    as_json = json.loads(render_json(report))["beyond_results"]
    assert [k["query"] for k in as_json["kinds"]] == list(EXPECTED)


def test_no_source_ties_a_factor_to_a_stage_and_the_command_says_so(graph):
    empty = CATALOGUE[STAGE_QUERY].empty
    assert empty and "no source ties a factor to a stage" in empty
    assert Q.run(CATALOGUE[STAGE_QUERY], graph).rows == []
    code, out, err = run_exitkg("query", STAGE_QUERY)
    assert code == 0 and "(0 rows)" in out
    assert err == f"exitkg: note: {empty}\n"
    report = build_report(graph)
    assert report.stage_ties == [] and report.stage_note == empty
    assert f"Factors by stage of change (query {STAGE_QUERY}): {empty}" in render_text(report)
    assert json.loads(render_json(report))["beyond_results"]["factors_by_stage_note"] == empty
    # a query that finds rows prints no note
    code, out, err = run_exitkg("query", "review-recommendations")
    assert (code, err) == (0, "")


TIE = """@prefix ekg:     <https://w3id.org/exitkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix bibo:    <http://purl.org/ontology/bibo/> .

<https://w3id.org/exitkg/id/source/stage-paper> a ekg:Source ;
    dcterms:title "A paper on stages, as a source"@en ;
    ekg:encodes <https://example.org/stage-paper> .

<https://example.org/stage-paper> a bibo:AcademicArticle ;
    dcterms:title "Families and the contemplation of leaving"@en .

<https://example.org/stage-paper/discussion> a ekg:ReviewSection ;
    rdfs:label "Discussion"@en ;
    ekg:order 1 ;
    dcterms:isPartOf <https://example.org/stage-paper> .

<https://w3id.org/exitkg/id/remark/stage-paper/family-contemplation> a ekg:Remark ;
    ekg:inSource <https://w3id.org/exitkg/id/source/stage-paper> ;
    rdfs:label "The family comes into play in contemplation"@en ;
    ekg:aboutFactor <https://w3id.org/exitkg/id/factor/family> ;
    ekg:factorLinkProvenance ekg:StatedInReview ;
    ekg:concernsStage <https://w3id.org/exitkg/id/model-component/stages-of-change-contemplation> ;
    ekg:quote "the family matters most while women contemplate leaving" ;
    ekg:locatedIn <https://example.org/stage-paper/discussion> ;
    prov:wasDerivedFrom <https://example.org/stage-paper> .
"""


def test_a_source_that_ties_a_factor_to_a_stage_is_answered(tmp_path):
    """A tiny source ties the family to the contemplation stage: the shapes accept it, the query
    answers it (and prints no note), and the report lists the tie instead of the note."""
    folder = tmp_path / "stage-paper"
    folder.mkdir()
    (folder / "source.ttl").write_text(TIE, encoding="utf-8")
    graph = exitkg.load(data=[folder])
    assert exitkg.validate(graph).conforms
    rows = Q.run(CATALOGUE[STAGE_QUERY], graph).dicts()
    assert [(r["model_label"], r["stage_order"], r["stage_label"], r["factor_label"], r["source"]) for r in rows] == [
        ("Stages of Change model", 2, "contemplation", "Family", ID + "source/stage-paper")]
    code, out, err = run_exitkg("query", STAGE_QUERY, "--data", str(folder))
    assert (code, err) == (0, "") and "(1 row)" in out
    report = build_report(graph)
    assert [t["stage_label"] for t in report.stage_ties] == ["contemplation"]
    text = render_text(report)
    assert f"Factors by stage of change (query {STAGE_QUERY}): 1 tie" in text
    assert "<code>factors-by-stage</code>): 1 tie.</p>" in render_html(report)
    assert "Stages of Change model, contemplation: Family (stage-paper)" in text
    assert CATALOGUE[STAGE_QUERY].empty not in text


def test_a_tie_to_something_other_than_a_stage_is_refused(tmp_path):
    folder = tmp_path / "stage-paper"
    folder.mkdir()
    (folder / "source.ttl").write_text(TIE.replace(
        "model-component/stages-of-change-contemplation", "model/stages-of-change"), encoding="utf-8")
    result = exitkg.validate(exitkg.load(data=[folder]))
    assert not result.conforms
    assert {r.shape for r in result.results} == {"https://w3id.org/exitkg/shapes#StageTie-concernsStage"}
