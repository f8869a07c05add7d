"""``exitkg report``: the review's numbers, field by field, against the reference of what it states
(``tests/expected/sources/ferrari-2021.yaml``)."""

from __future__ import annotations

import json

import pytest

from conftest import run_exitkg, source_facts

FERRARI = source_facts("ferrari-2021")
REVIEW = "https://w3id.org/exitkg/id/review/ferrari-2021"


@pytest.fixture(scope="module")
def report():
    code, out, err = run_exitkg("report", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_every_review_number_is_reproduced(report):
    assert report["agrees"] is True
    got = {}
    for r in report["reproductions"]:
        assert r["agrees"] is True and r["stated"] == r["computed"], r
        assert r["review"] == REVIEW
        got.setdefault(r["what"], set()).add(r["stated"])
    for what, value in FERRARI["stated_counts"].items():
        assert got.get(what) == {value}, what
    assert set(got) == set(FERRARI["stated_counts"])  # nothing reproduced that the reference does not know


def test_figure_2_rebuilt(report):
    figure = report["figure_2"][REVIEW]
    sizes = {role: {level: len(items) for level, items in levels.items()} for role, levels in figure.items()}
    assert sizes == FERRARI["figure_2"]
    assert figure["controversial"]["structural"] == ["Ong"]


def test_controversial_factors_with_both_sides(report):
    by_factor = {c["factor"].rsplit("/", 1)[-1]: c for c in report["controversial_by_evidence"]}
    assert set(by_factor) == set(FERRARI["controversial_by_evidence"])
    assert {f for f, c in by_factor.items() if c["status"] == "population-specific"} == set(FERRARI["population_specific"])
    assert {f for f, c in by_factor.items() if c["status"] == "contested"} == set(FERRARI["contested"])
    stigma = by_factor["stigma"]
    assert stigma["reviews"] == [{"review": REVIEW, "classification": "hindering", "status": "evidence-only"}]
    india = [e for e in stigma["evidence"] if e["direction"] == "facilitating"]
    assert india and india[0]["population"] == "wilson-nochajski-2016-india"
    for factor in set(FERRARI["contested"]) - {"stigma"}:  # the review classifies stigma hindering
        assert by_factor[factor]["reviews"][0]["status"] == "confirmed"
        assert {e["direction"] for e in by_factor[factor]["evidence"]} == {"facilitating", "hindering"}


def test_the_cited_layer_can_be_left_out(report):
    code, out, err = run_exitkg("report", "--format", "json", "--exclude-cited")
    assert code == 0, err
    without = json.loads(out)
    kinds = {e["kind"] for c in without["controversial_by_evidence"] for e in c["evidence"]}
    assert kinds == {"finding"}
    assert {e["kind"] for c in report["controversial_by_evidence"] for e in c["evidence"]} == {"finding", "cited"}
    # the reproductions do not depend on it
    assert without["reproductions"] == report["reproductions"]


def test_contradictions_are_listed(report):
    assert len(report["contradictions"]) == len(FERRARI["contradictions"])
    assert {c["review"] for c in report["contradictions"]} == {REVIEW}


def test_report_fails_when_a_reproduction_disagrees(tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        f"<{REVIEW}> <https://w3id.org/exitkg/ontology#includesStudy> <https://example.org/s14> .\n",
        encoding="utf-8",
    )
    studies = FERRARI["stated_counts"]["included studies: all (studies)"]
    code, out, err = run_exitkg("report", "--data", str(extra))
    assert code == 1
    assert "DISAGREES" in out and f"stated {studies}, computed {studies + 1}" in out


@pytest.mark.parametrize("fmt, marker", [("text", "reproductions agree"), ("markdown", "| what | stated |")])
def test_report_formats(fmt, marker):
    code, out, err = run_exitkg("report", "--format", fmt)
    assert code == 0, err
    assert marker in out
    assert "Ferrari (2021)" in out


def test_a_factor_controversial_in_the_review_only_is_reported_as_review_only():
    """When the evidence no longer points both ways for a factor the review calls controversial
    (here: the hindering findings on NGOs removed), the report lists it as review-only."""
    from exitkg.graph.local import load
    from exitkg.review.report import build_report

    graph = load()
    graph.store.update("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        DELETE { ?a ?p ?o } WHERE {
          ?a ekg:aboutFactor <https://w3id.org/exitkg/id/factor/ngos> ; ekg:statedRole ekg:hindering ;
             ekg:aboutAbsence false ; ?p ?o }""")
    report = build_report(graph)
    entry = next(e for e in report.controversial if e["factor"].endswith("/factor/ngos"))
    assert entry["status"] == "review-only" and entry["label"] == "NGOs" and not entry["evidence"]
