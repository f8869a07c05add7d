"""`--only PATH ... --without-ontology` (and `load(only=[...], ontology=False)`) reads exactly the
files given: a query sees their triples and nothing else, neither the ontology nor a description."""

from __future__ import annotations

import json

import pytest
import rdflib

import exitkg
from conftest import IO_FIXTURES, assert_one_error_line, run_exitkg
from exitkg.graph.local import ONTOLOGY_GRAPH
from exitkg.rdf.namespaces import DATASET
from exitkg.core.resources import ontology_path

DATA = IO_FIXTURES / "valid.ttl"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n"
PREDICATES = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }\n"


def triples_in(*paths) -> rdflib.Graph:
    """The files' triples as rdflib reads them (a reader other than the one under test)."""
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path)
    return graph


def query_json(tmp_path, text: str, *options) -> dict:
    rq = tmp_path / "q.rq"
    rq.write_text(text, encoding="utf-8")
    code, out, err = run_exitkg("query", rq, "--format", "json", *options)
    assert code == 0, err
    return json.loads(out)


def count(answer: dict) -> int:
    [row] = answer["results"]["bindings"]
    return int(row["n"]["value"])


def test_a_query_over_a_file_counts_only_its_triples(tmp_path):
    expected = len(triples_in(DATA))
    assert count(query_json(tmp_path, COUNT, "--only", DATA, "--without-ontology")) == expected


def test_a_query_over_a_file_sees_only_its_predicates(tmp_path):
    answer = query_json(tmp_path, PREDICATES, "--only", DATA, "--without-ontology")
    found = {row["p"]["value"] for row in answer["results"]["bindings"]}
    assert found == {str(p) for p in triples_in(DATA).predicates()}


def test_only_alone_still_reads_the_ontology(tmp_path):
    """The rule is unchanged for --only alone (validate and reason rely on it)."""
    assert count(query_json(tmp_path, COUNT, "--only", DATA)) > len(triples_in(DATA))


def test_the_ontology_comes_back_by_naming_its_file(tmp_path):
    expected = len(triples_in(ontology_path(), DATA))
    assert count(query_json(tmp_path, COUNT, "--only", ontology_path(), DATA, "--without-ontology")) == expected


def test_a_kept_store_holds_only_the_files_too(tmp_path):
    store = tmp_path / "store"
    expected = len(triples_in(DATA))
    for _ in range(2):  # built, then opened
        assert count(query_json(tmp_path, COUNT, "--only", DATA, "--without-ontology", "--store", store)) == expected
    # the same files with the ontology are another graph: the store is loaded again, with it
    assert count(query_json(tmp_path, COUNT, "--only", DATA, "--store", store)) > expected


def test_export_writes_exactly_the_file():
    code, out, err = run_exitkg("export", "--format", "ntriples", "--only", DATA, "--without-ontology")
    assert code == 0, err
    assert triples_in(DATA).isomorphic(rdflib.Graph().parse(data=out, format="nt"))


def test_the_library_reads_exactly_the_files():
    graph = exitkg.load(only=[DATA], ontology=False)
    expected = len(triples_in(DATA))
    assert len(graph) == expected
    assert ONTOLOGY_GRAPH not in graph.named_graphs()
    assert len(graph.described()) == expected  # no description is added to the files
    assert DATASET not in graph.named_graphs()
    [row] = graph.run(COUNT).rows
    assert int(row["n"].value) == expected
    assert len(exitkg.load(only=[DATA], ontology=False, describe=True)) == expected


@pytest.mark.parametrize("args, fragment", [
    (["query", "included-studies", "--data", DATA, "--without-ontology"], "goes with --only"),
    (["query", "included-studies", "--without-ontology"], "goes with --only"),
    (["query", "included-studies", "--without-ontology", "--endpoint", "http://127.0.0.1:9/query"], "--endpoint"),
    (["reason", "--only", DATA, "--without-ontology"], "classifies with the ontology"),
    (["site", "--out", "{tmp}/site", "--only", DATA, "--without-ontology"], "documents the ontology"),
    (["release", "--out", "{tmp}/release", "--only", DATA, "--without-ontology"], "holds the ontology"),
])
def test_commands_that_cannot_read_the_files_alone_say_so(tmp_path, args, fragment):
    args = [str(a).replace("{tmp}", str(tmp_path)) for a in args]
    code, out, err = run_exitkg(*args)
    assert code == exitkg.core.errors.USAGE
    assert out == ""
    assert_one_error_line(err, "--without-ontology", fragment)
    assert not (tmp_path / "site").exists() and not (tmp_path / "release").exists()
