"""Exports round-trip, are deterministic and atomic; the VoID/DCAT description is computed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib import Namespace

DCAT = Namespace("http://www.w3.org/ns/dcat#")
VOID = Namespace("http://rdfs.org/ns/void#")

from conftest import assert_one_error_line, run_exitkg
from exitkg.describe import DATASET, describe, described_graph
from exitkg.rdfio import load_graph, load_packaged_graph

EXT = {"turtle": "ttl", "ntriples": "nt", "jsonld": "jsonld", "rdfxml": "rdf"}


@pytest.fixture(scope="module")
def source():
    return described_graph()


@pytest.mark.parametrize("fmt", sorted(EXT))
def test_rdf_export_round_trips_and_is_deterministic(tmp_path, source, fmt):
    first, second = tmp_path / f"a.{EXT[fmt]}", tmp_path / f"b.{EXT[fmt]}"
    for target in (first, second):
        code, out, err = run_exitkg("export", "--format", fmt, "--out", target)
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    back = load_graph([first])  # the strict parser
    assert len(back) == len(source)
    assert isomorphic(back, source)


def test_jsonld_embeds_the_shipped_context(tmp_path):
    target = tmp_path / "graph.jsonld"
    assert run_exitkg("export", "--format", "jsonld", "--out", target).code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict)  # embedded, never a URL to fetch
    assert document["@context"]["ekg"] == "https://w3id.org/exitkg/ontology#"
    ids = [node["@id"] for node in document["@graph"]]
    assert "factor:stigma" in ids


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_tables(tmp_path):
    code, out, err = run_exitkg("export", "--format", "csv", "--table", "all", "--out", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["factors.csv", "findings.csv", "studies.csv"]
    findings = _rows((tmp_path / "findings.csv").read_text(encoding="utf-8"))
    assert len(findings) == 52
    assert set(findings[0]) >= {"study", "factor", "level", "stated_role", "effective_role", "population", "quote", "locator"}
    absence = [r for r in findings if r["about_absence"] == "true"]
    assert {(r["factor"], r["stated_role"], r["effective_role"]) for r in absence} == {
        ("new-job", "hindering", "facilitating"), ("cultural-capital", "hindering", "facilitating")}
    assert len(_rows((tmp_path / "studies.csv").read_text(encoding="utf-8"))) == 13
    factors = _rows((tmp_path / "factors.csv").read_text(encoding="utf-8"))
    assert sum(1 for r in factors if r["figure_label"]) == 32


def test_csv_neutralises_formula_cells(tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "<https://example.org/f> a ekg:Finding ; ekg:fromStudy <https://w3id.org/exitkg/id/study/hickle-2017> ;\n"
        "  ekg:aboutFactor <https://w3id.org/exitkg/id/factor/family> ; ekg:statedRole ekg:facilitating ;\n"
        "  ekg:aboutAbsence false ; ekg:quote \"=HYPERLINK(\\\"http://x\\\")\" ;\n"
        "  ekg:locatedIn <https://w3id.org/exitkg/id/section/discussion> ; ekg:factorLinkProvenance ekg:CuratorInference .\n",
        encoding="utf-8")
    code, out, err = run_exitkg("export", "--format", "csv", "--data", extra)
    assert code == 0, err
    quotes = [r["quote"] for r in _rows(out)]
    assert "'=HYPERLINK(\"http://x\")" in quotes and not any(q.startswith("=") for q in quotes)


def test_failed_export_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_text("old\n")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    code, out, err = run_exitkg("export", "--format", "turtle", "--out", target, "--data", bad)
    assert code == 2
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ttl", "graph.ttl"]
    code, out, err = run_exitkg("export", "--format", "turtle", "--out", tmp_path / "missing" / "graph.ttl")
    assert code == 8
    assert_one_error_line(err)


def test_csv_all_needs_a_folder():
    code, out, err = run_exitkg("export", "--format", "csv", "--table", "all")
    assert code == 3
    assert_one_error_line(err, "--out")


def test_description_counts_are_computed_from_the_graph():
    graph = load_packaged_graph()
    description = describe(graph)
    ds = URIRef(DATASET)
    assert description.value(ds, VOID.triples) == Literal(len(graph))
    entities = {s for s in graph.subjects() if str(s).startswith("https://w3id.org/exitkg/id/")}
    assert int(description.value(ds, VOID.entities)) == len(entities)
    studies = URIRef(DATASET + "/class/Study")
    assert int(description.value(studies, VOID.entities)) == 13
    assert (ds, VOID.vocabulary, URIRef("http://www.w3.org/2004/02/skos/core#")) in description
    assert (ds, VOID.sparqlEndpoint, None) not in description
    served = describe(graph, "http://127.0.0.1:7878/query")
    assert (ds, VOID.sparqlEndpoint, URIRef("http://127.0.0.1:7878/query")) in served
    assert (None, RDF.type, DCAT.DataService) in served
    # adding data changes the counts
    graph.add((URIRef("https://w3id.org/exitkg/id/study/extra"), RDF.type, URIRef("https://w3id.org/exitkg/ontology#Study")))
    assert int(describe(graph).value(ds, VOID.triples)) == len(graph)


def test_description_is_queryable(run_cli):
    code, out, err = run_cli("query", "dataset-description", "--format", "json")
    assert code == 0, err
    row = json.loads(out)["results"]["bindings"][0]
    assert int(row["triples"]["value"]) == len(load_packaged_graph())


def test_links_out_are_well_formed():
    graph = load_packaged_graph()
    owl_same = URIRef("http://www.w3.org/2002/07/owl#sameAs")
    bibo_doi = URIRef("http://purl.org/ontology/bibo/doi")
    for study, doi in graph.subject_objects(bibo_doi):
        if str(study).startswith("https://w3id.org/exitkg/id/study/"):
            assert (study, owl_same, URIRef("https://doi.org/" + str(doi))) in graph
    countries = set(graph.subjects(RDF.type, URIRef("https://w3id.org/exitkg/ontology#Country")))
    for country in countries:
        links = [o for o in graph.objects(country, owl_same) if str(o).startswith("http://www.wikidata.org/entity/Q")]
        assert len(links) == 1, country
