"""Exports round-trip, are deterministic and atomic, keep one named graph per source in the
dataset formats; the VoID/DCAT description is computed."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

import exitkg
from conftest import assert_one_error_line, run_exitkg, run_in_process
from exitkg.graph.describe import DATASET
from exitkg.publish.export import canonical_triples
from exitkg.graph.local import ONTOLOGY_GRAPH, load

EXT = {"turtle": "ttl", "ntriples": "nt", "jsonld": "jsonld", "rdfxml": "rdf", "trig": "trig", "nquads": "nq"}
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"


@pytest.fixture(scope="module")
def source():
    return load(describe=True)


@pytest.mark.parametrize("fmt", sorted(EXT))
def test_rdf_export_round_trips_and_is_deterministic(tmp_path, source, fmt):
    first, second = tmp_path / f"a.{EXT[fmt]}", tmp_path / f"b.{EXT[fmt]}"
    for target in (first, second):
        code, out, err = run_in_process("export", "--format", fmt, "--out", target)
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    back = load(only=[first], ontology=False)  # the strict parser
    assert len(back) == len(source)
    assert isomorphic(back.to_rdflib(), source.to_rdflib())


@pytest.mark.parametrize("fmt", ["trig", "nquads"])
def test_dataset_exports_keep_one_named_graph_per_source(tmp_path, source, fmt):
    target = tmp_path / f"graph.{EXT[fmt]}"
    assert run_in_process("export", "--format", fmt, "--out", target).code == 0
    graphs = {q.graph_name.value for q in ox.parse(path=str(target)) if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert graphs == set(source.sources()) | {ONTOLOGY_GRAPH, DATASET}
    for name in source.sources():
        exported = sum(1 for q in ox.parse(path=str(target)) if q.graph_name == ox.NamedNode(name))
        assert exported == sum(1 for _ in source.graph_quads(name))


def test_jsonld_embeds_the_shipped_context(tmp_path):
    target = tmp_path / "graph.jsonld"
    assert run_in_process("export", "--format", "jsonld", "--out", target).code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict)  # embedded, never a URL to fetch
    assert document["@context"]["ekg"] == "https://w3id.org/exitkg/ontology#"
    ids = [node["@id"] for node in document["@graph"]]
    assert "factor:stigma" in ids


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def _iris(graph, text: str) -> set[str]:
    rows = graph.run("PREFIX ekg: <https://w3id.org/exitkg/ontology#>\nSELECT DISTINCT ?x WHERE { " + text + " }").rows
    return {row["x"].value for row in rows}


def _count(graph, text: str) -> int:
    return graph.run("PREFIX ekg: <https://w3id.org/exitkg/ontology#>\nSELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { "
                     + text + " }").dicts()[0]["n"]


def test_csv_tables(tmp_path, source):
    code, out, err = run_in_process("export", "--format", "csv", "--table", "all", "--out", tmp_path)
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["factors.csv", "findings.csv", "studies.csv"]
    findings = _rows((tmp_path / "findings.csv").read_text(encoding="utf-8"))
    assert len(findings) == _count(source, "{ ?x a ekg:Finding } UNION { ?x a ekg:CitedEvidence }")
    assert {r["kind"] for r in findings} == {"finding", "cited"}
    assert set(findings[0]) >= {"source", "study", "factor", "level", "stated_role", "effective_role",
                                "population", "quote", "locator"}
    absence = [r for r in findings if r["about_absence"] == "true"]
    assert absence and all(r["stated_role"] != r["effective_role"] for r in absence)
    # one row per study and source that gives it a full record (every study a review includes has
    # one; a study known from a fragment of its own text may not)
    studies = _rows((tmp_path / "studies.csv").read_text(encoding="utf-8"))
    assert {r["study"] for r in studies} >= {s.rsplit("/", 1)[1] for s in _iris(source, "?r ekg:includesStudy ?x")}
    assert len(studies) == len(source.query("table-studies").rows)
    factors = _rows((tmp_path / "factors.csv").read_text(encoding="utf-8"))
    assert len(factors) == _count(source, "?x a ekg:FactorClassification")
    assert sum(1 for r in factors if r["figure_label"]) == _count(source, "?x ekg:figureLabel ?l")


def test_csv_neutralises_formula_cells(tmp_path):
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "<https://example.org/f> a ekg:Finding ; ekg:fromStudy <https://w3id.org/exitkg/id/study/hickle-2017> ;\n"
        "  ekg:inSource <https://w3id.org/exitkg/id/source/ferrari-2021> ;\n"
        "  ekg:aboutFactor <https://w3id.org/exitkg/id/factor/family> ; ekg:statedRole ekg:facilitating ;\n"
        "  ekg:aboutAbsence false ; ekg:quote \"=HYPERLINK(\\\"http://x\\\")\" ;\n"
        "  ekg:locatedIn <https://w3id.org/exitkg/id/section/ferrari-2021/discussion> ; ekg:factorLinkProvenance ekg:CuratorInference .\n",
        encoding="utf-8")
    code, out, err = run_in_process("export", "--format", "csv", "--data", extra)
    assert code == 0, err
    quotes = [r["quote"] for r in _rows(out)]
    assert "'=HYPERLINK(\"http://x\")" in quotes and not any(q.startswith("=") for q in quotes)


def test_failed_export_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "graph.ttl"
    target.write_text("old\n")
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    code, out, err = run_in_process("export", "--format", "turtle", "--out", target, "--data", bad)
    assert code == 2
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.ttl", "graph.ttl"]
    code, out, err = run_in_process("export", "--format", "turtle", "--out", tmp_path / "missing" / "graph.ttl")
    assert code == 8
    assert_one_error_line(err)


def test_csv_all_needs_a_folder():
    code, out, err = run_in_process("export", "--format", "csv", "--table", "all")
    assert code == 3
    assert_one_error_line(err, "--out")


def _value(triples, subject: str, predicate: str):
    found = [o for s, p, o in triples if s.value == subject and p.value == predicate]
    return found[0] if found else None


def test_description_counts_are_computed_from_the_graph():
    from exitkg.graph.describe import describe

    graph = load()
    description = describe(graph)
    assert int(_value(description, DATASET, VOID + "triples").value) == len(graph)
    entities = {q.subject for q in graph.triples()
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith("https://w3id.org/exitkg/id/")}
    assert int(_value(description, DATASET, VOID + "entities").value) == len(entities)
    studies = _count(graph, "?x a ekg:Study")
    assert int(_value(description, DATASET + "/class/Study", VOID + "entities").value) == studies
    vocabularies = {o.value for s, p, o in description if p.value == VOID + "vocabulary"}
    assert "http://www.w3.org/2004/02/skos/core#" in vocabularies
    assert _value(description, DATASET, VOID + "sparqlEndpoint") is None
    subsets = {o.value for s, p, o in description if p.value == VOID + "subset"}
    assert subsets == set(graph.sources())
    for source in subsets:
        assert int(_value(description, source, VOID + "triples").value) == sum(1 for _ in graph.graph_quads(source))
    served = describe(graph, "http://127.0.0.1:7878/query")
    assert _value(served, DATASET, VOID + "sparqlEndpoint") == ox.NamedNode("http://127.0.0.1:7878/query")
    assert any(p.value.endswith("#type") and o.value == DCAT + "DataService" for s, p, o in served)
    # adding data changes the counts
    graph.store.add(ox.Quad(ox.NamedNode("https://w3id.org/exitkg/id/study/extra"),
                            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                            ox.NamedNode("https://w3id.org/exitkg/ontology#Study")))
    assert int(_value(describe(graph), DATASET, VOID + "triples").value) == len(graph)


def test_description_is_queryable():
    code, out, err = run_in_process("query", "dataset-description", "--format", "json")
    assert code == 0, err
    row = json.loads(out)["results"]["bindings"][0]
    assert int(row["triples"]["value"]) == len(load())


def test_links_out_are_well_formed():
    graph = exitkg.load()
    dois = graph.run("""PREFIX bibo: <http://purl.org/ontology/bibo/>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?s ?d ?same WHERE { ?s bibo:doi ?d OPTIONAL { ?s owl:sameAs ?same } }""").dicts()
    assert dois
    for row in dois:
        if row["s"].startswith("https://w3id.org/exitkg/id/study/"):
            assert row["same"] == "https://doi.org/" + row["d"]
    countries = graph.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?c (COUNT(?w) AS ?n) WHERE { ?c a ekg:Country OPTIONAL { ?c owl:sameAs ?w
            FILTER(STRSTARTS(STR(?w), "http://www.wikidata.org/entity/Q")) } } GROUP BY ?c""").dicts()
    assert countries and all(r["n"] == 1 for r in countries)


#: literal values that line-based formats and XML are apt to break: a form feed, a line or paragraph
#: separator, NEL, a vertical tab, a carriage return, NUL and another C0 control character
AWKWARD = {"ff": "a\fb", "ls": "a\u2028b", "ps": "a\u2029b", "nel": "a\u0085b", "vt": "a\vb", "cr": "a\rb",
           "nul": "a\x00b", "bell": "a\x07b", "tab": "a\tb", "quote": 'a"b\\c'}


def _escaped(text: str) -> str:
    """*text* as the body of a Turtle string, every character as a \\u escape."""
    return "".join(f"\\u{ord(c):04X}" for c in text)


def _awkward_file(folder, *, depth: int = 0, items: int = 0, characters: bool = True):
    lines = ["@prefix ex: <http://example.org/> ."]
    if characters:
        lines += [f'ex:s ex:{key} "{_escaped(value)}" .' for key, value in AWKWARD.items()]
    if depth:
        lines.append("ex:s ex:deep " + "[ ex:p " * depth + '"end"' + " ]" * depth + " .")
    if items:
        lines.append("ex:s ex:list (" + " ".join(f'"{i}"' for i in range(items)) + ") .")
    path = folder / "awkward.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "trig", "nquads"])
def test_every_character_survives_an_export(tmp_path, fmt):
    """A form feed, U+2028, NEL or NUL inside a literal comes back as it went in (no line is
    split), and a 2,000-item list is written in every format."""
    data = _awkward_file(tmp_path, items=2000)
    target = tmp_path / f"out.{EXT[fmt]}"
    code, out, err = run_in_process("export", "--only", data, "--format", fmt, "--out", target)
    assert code == 0, err
    back = load(only=[target], ontology=False)
    assert canonical_triples(back.triples()) == canonical_triples(load(only=[data], describe=True).triples())
    values = {q.predicate.value.rsplit("/", 1)[1]: q.object.value for q in back.triples()
              if q.subject.value == "http://example.org/s" and q.predicate.value.rsplit("/", 1)[1] in AWKWARD}
    assert values == AWKWARD


def test_rdfxml_refuses_what_xml_cannot_hold_before_writing(tmp_path):
    data = _awkward_file(tmp_path)
    target = tmp_path / "out.rdf"
    target.write_text("old\n")
    code, out, err = run_in_process("export", "--only", data, "--format", "rdfxml", "--out", target)
    assert code == 8
    assert_one_error_line(err, "U+0007", "RDF/XML cannot represent")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["awkward.ttl", "out.rdf"]


def test_rdfxml_writes_the_characters_xml_can_hold(tmp_path):
    import xml.dom.minidom

    kept = {k: v for k, v in AWKWARD.items() if k in ("ls", "ps", "nel", "cr", "tab", "quote")}
    data = tmp_path / "ok.ttl"
    data.write_text("@prefix ex: <http://example.org/> .\n" + "".join(
        f'ex:s ex:{k} "{_escaped(v)}" .\n' for k, v in kept.items()), encoding="utf-8")
    target = tmp_path / "out.rdf"
    assert run_in_process("export", "--only", data, "--format", "rdfxml", "--out", target).code == 0
    xml.dom.minidom.parse(str(target))  # well-formed XML
    back = {q.predicate.value.rsplit("/", 1)[1]: q.object.value for q in load(only=[target], ontology=False).triples()
            if q.subject.value == "http://example.org/s"}
    assert {k: back[k] for k in kept} == kept


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "trig", "nquads", "jsonld", "rdfxml"])
@pytest.mark.slow
def test_deep_nesting_and_long_lists_export_quickly_and_the_same_each_time(tmp_path, fmt):
    """Blank nodes nested 10,000 deep and a 20,000-item list (rdflib's Turtle writer recursed per
    level; RDFC-1.0 takes minutes on such chains and Oxigraph's ends the process): written in
    every format, twice alike, and read back whole. Two empty blank nodes stay two. (RDF/XML
    gets no control characters, which XML cannot hold.)"""
    data = _awkward_file(tmp_path, depth=10_000, items=20_000, characters=fmt != "rdfxml")
    with data.open("a", encoding="utf-8") as handle:
        handle.write("ex:s ex:empty [] , [] .\n")
    first, second = tmp_path / f"a.{EXT[fmt]}", tmp_path / f"b.{EXT[fmt]}"
    for target in (first, second):  # each its own process, which a writer recursing too deep would end
        code, out, err = run_exitkg("export", "--only", data, "--format", fmt, "--out", target)
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    back = load(only=[first], ontology=False)
    assert len(back) == len(load(only=[data], describe=True))
    assert sum(1 for q in back.triples() if q.predicate.value == "http://example.org/empty") == 2


def test_tree_labels_do_not_depend_on_the_input_labels():
    import pyoxigraph as ox

    from exitkg.publish.export import tree_labels

    text = ('<http://e/s> <http://e/p> [ <http://e/q> ( "a" "b" ) ; <http://e/r> [ <http://e/t> "x" ] ] .\n'
            '<http://e/s> <http://e/p> [ <http://e/q> "y" ] .\n')
    one = canonical_triples(ox.parse(text, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))
    two = canonical_triples(ox.parse(text, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True))
    assert one == two and tree_labels(one) is not None
    shared = ox.parse('_:a <http://e/p> _:b .\n_:c <http://e/p> _:b .\n', format=ox.RdfFormat.N_TRIPLES)
    assert tree_labels(list(shared)) is None  # a blank node two triples point to: RDFC-1.0 decides


def test_a_long_list_is_queried_whole(tmp_path):
    """Scenario 16: a property path over a 20,000-item list gives every item."""
    data = _awkward_file(tmp_path, items=20_000, characters=False)
    graph = load(only=[data], ontology=False)
    rows = graph.run("SELECT (COUNT(?item) AS ?n) WHERE { <http://example.org/s> <http://example.org/list>/"
                     "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*/<http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?item }").rows
    assert int(rows[0]["n"].value) == 20_000
