"""The sources beyond the review: Wilson & Nochajski 2016's own abstract and the later works whose
quotes ``../shared/sources/`` keeps, each its own source folder in ``data/``. What each states, where
it was read and under which licence, and what ``exitkg report`` says of the review's conclusions
once they are in the graph are read from ``tests/expected/sources/beyond-the-review.yaml``."""

from __future__ import annotations

import json

import pytest

import exitkg
from conftest import REPO_ROOT, run_exitkg, source_facts
from exitkg.checks.check_quotes import check_quotes
from exitkg.checks.validate import validate
from exitkg.review.report import build_report, render_markdown, render_text
from exitkg.pages.report import render_html

ID = "https://w3id.org/exitkg/id/"
BEYOND = source_facts("beyond-the-review")
SOURCES = {s["source"]: s for s in BEYOND["sources"]}
TEXTS = REPO_ROOT.parent / "shared" / "sources"
PREFIXES = """PREFIX ekg: <https://w3id.org/exitkg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def graph():
    return exitkg.load()


@pytest.fixture(scope="module")
def report(graph):
    return build_report(graph)


def _slug(iri) -> str:
    return iri.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_is_its_own_named_graph_encoding_its_work(graph, name):
    assert f"{ID}source/{name}" in graph.sources()
    rows = graph.run(PREFIXES + f"SELECT ?doc WHERE {{ <{ID}source/{name}> ekg:encodes ?doc }}").rows
    assert [r["doc"].value for r in rows] == [ID + SOURCES[name]["encodes"]]
    assert (REPO_ROOT / "data" / name / "source.ttl").is_file()


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_names_its_origin_and_its_licence(graph, name):
    rows = graph.run(PREFIXES + f"""SELECT ?origin ?licence ?rights WHERE {{
        <{ID}source/{name}> dcterms:source ?origin .
        OPTIONAL {{ ?origin dcterms:license ?licence }} OPTIONAL {{ ?origin dcterms:rights ?rights }} }}""").rows
    found = {r["origin"].value: r for r in rows}
    assert sorted(found) == sorted(o["address"] for o in SOURCES[name]["origins"])
    for origin in SOURCES[name]["origins"]:
        row = found[origin["address"]]
        if "licence" in origin:
            assert row.get("licence") is not None and row["licence"].value == origin["licence"]
        else:
            assert row.get("rights") is not None and origin["rights"] in row["rights"].value


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_states_what_the_reference_lists(graph, name):
    rows = graph.run(PREFIXES + f"""SELECT ?kind ?factor ?role ?absence ?population WHERE {{
        ?s ekg:inSource <{ID}source/{name}> ; ekg:aboutFactor ?factor .
        {{ ?s a ekg:Finding BIND("finding" AS ?kind) }} UNION {{ ?s a ekg:Remark BIND("remark" AS ?kind) }}
        OPTIONAL {{ ?s ekg:statedRole ?role }} OPTIONAL {{ ?s ekg:aboutAbsence ?absence }}
        OPTIONAL {{ ?s ekg:population ?population }} }}""").rows
    got = sorted([r["kind"].value, _slug(r["factor"]), _slug(r["role"]) if r.get("role") else None,
                  (r["absence"].value == "true") if r.get("absence") else None,
                  _slug(r["population"]) if r.get("population") else None] for r in rows)
    assert got == sorted(SOURCES[name]["statements"])


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_each_source_validates_with_the_review_alone(name):
    graph = exitkg.load(only=[REPO_ROOT / "data" / "common", REPO_ROOT / "data" / "ferrari-2021",
                              REPO_ROOT / "data" / name])
    result = validate(graph)
    assert result.conforms, result


@pytest.mark.parametrize("name", sorted(n for n, s in SOURCES.items() if s["text"]))
def test_each_quote_is_the_wording_of_the_kept_text(graph, name):
    if not TEXTS.is_dir():
        pytest.skip("../shared/sources is absent")
    result = check_quotes(TEXTS / SOURCES[name]["text"], graph, of=name)
    assert result.checked and not result.missing, result.missing


def test_the_reviews_reproductions_still_agree(report):
    assert report.agrees
    assert BEYOND["report"]["reproductions_agree"] in render_text(report)


def test_the_report_lists_the_sources_beyond_the_review(report):
    listed = {s["source"].rsplit("/", 1)[-1] for s in report.graph_sources}
    assert listed == set(SOURCES)
    text, markdown, page = render_text(report), render_markdown(report), render_html(report)
    for name in SOURCES:
        assert name in text and f"`{name}`" in markdown and name in page


def test_the_report_gives_each_conclusion_its_status_in_the_whole_graph(report):
    expected = BEYOND["report"]
    assert len(report.graph_conclusions) == expected["conclusions"]
    not_agreeing = {c["factor"].rsplit("/", 1)[-1]: c["in_graph"] for c in report.graph_conclusions
                    if not c["agrees"]}
    assert not_agreeing == expected["not_agreeing"]
    new = {}
    for c in report.graph_conclusions:
        for ev in c["new_evidence"]:
            by = new.setdefault(c["factor"].rsplit("/", 1)[-1], {})
            by[ev["direction"]] = by.get(ev["direction"], 0) + 1
    assert new == expected["new_evidence"]
    assert {n["factor"].rsplit("/", 1)[-1]: n["what"] for n in report.graph_new} == expected["new_from_other_sources"]


def test_every_rendering_says_how_many_conclusions_agree(report):
    agreeing = expected_agreeing = BEYOND["report"]["conclusions"] - len(BEYOND["report"]["not_agreeing"])
    phrase = f"{agreeing} of {BEYOND['report']['conclusions']}"
    assert expected_agreeing == sum(c["agrees"] for c in report.graph_conclusions)
    for rendering in (render_text(report), render_markdown(report), render_html(report)):
        assert phrase in rendering
        assert "Stigma" in rendering and "contested" in rendering


def test_the_json_report_holds_the_conclusions_and_what_is_new():
    result = run_exitkg("report", "--format", "json")
    assert result.code == 0, result.stderr
    whole = json.loads(result.stdout)["whole_graph"]
    assert len(whole["review_conclusions"]) == BEYOND["report"]["conclusions"]
    assert [n["factor"].rsplit("/", 1)[-1] for n in whole["new_from_other_sources"]] == \
        list(BEYOND["report"]["new_from_other_sources"])
    assert {s["source"].rsplit("/", 1)[-1] for s in whole["other_sources"]} == set(SOURCES)
