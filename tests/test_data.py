"""Fidelity of the packaged graph to the review. What the review says is read from the reference
files ``tests/expected/sources/*.yaml``; the graph is read with the product's loader."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

import exitkg
from conftest import REPO_ROOT, source_facts

EKG = "https://w3id.org/exitkg/ontology#"
ID = "https://w3id.org/exitkg/id/"
FERRARI = source_facts("ferrari-2021")
DISCUSSION = source_facts("ferrari-2021-discussion")

TTL_FILES = sorted(
    p for folder in ("ontology", "data", "shapes") for p in (REPO_ROOT / folder).rglob("*.ttl")
) + sorted(p for p in (REPO_ROOT / "tests" / "fixtures").rglob("*.ttl")
           if p.parent.name not in ("io",) and "bad" not in p.name)


@pytest.fixture(scope="module")
def graph():
    return exitkg.load()


def rows(graph, text: str) -> list[dict]:
    prefixes = "PREFIX ekg: <https://w3id.org/exitkg/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    return graph.run(prefixes + text).dicts()


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_turtle_file_parses_with_two_parsers(path: Path):
    strict = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    lenient = rdflib.Graph().parse(path, format="turtle")
    assert strict and len(lenient) == len({(t.subject, t.predicate, t.object) for t in strict})


def test_one_folder_per_source_each_its_named_graph(graph):
    folders = sorted(p.name for p in (REPO_ROOT / "data").iterdir() if p.is_dir())
    assert [ID + "source/" + f for f in folders] == sorted(graph.sources())
    for folder in folders:
        assert ID + "source/" + folder in graph.named_graphs()


def test_every_member_of_a_source_is_in_its_named_graph(graph):
    misplaced = graph.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#>
        SELECT ?s ?source WHERE { ?s ekg:inSource ?source FILTER NOT EXISTS { GRAPH ?source { ?s ekg:inSource ?source } } }""")
    assert not misplaced.rows, misplaced.dicts()


def test_studies_all_included(graph):
    """Every study is one the review includes, or one a source beyond the review encodes."""
    studies = {slug(r["s"]) for r in rows(graph, "SELECT ?s WHERE { ?s a ekg:Study }")}
    beyond = {s["encodes"].split("/")[1] for s in source_facts("beyond-the-review")["sources"]
              if s["encodes"].startswith("study/")}
    assert studies == set(FERRARI["studies"]) | beyond
    included = {slug(r["s"]) for r in rows(graph, f"SELECT ?s WHERE {{ <{ID}review/ferrari-2021> ekg:includesStudy ?s }}")}
    assert included == set(FERRARI["studies"])


def test_figure_2_items_in_their_boxes(graph):
    boxes = Counter()
    for r in rows(graph, """SELECT ?role ?level ?box WHERE {
            ?c ekg:figureLabel ?l ; ekg:role ?role ; ekg:level ?level ; ekg:locatedIn ?box ;
               ekg:inSource <https://w3id.org/exitkg/id/source/ferrari-2021> }"""):
        boxes[(slug(r["role"]), slug(r["level"]).replace("Level", ""))] += 1
        assert slug(r["box"]) == f"figure-2-{slug(r['level']).replace('Level', '')}-{slug(r['role'])}"
    assert boxes == Counter({(role, level): n for role, levels in FERRARI["figure_2"].items() for level, n in levels.items()})


def test_figure_labels_kept_as_printed(graph):
    labels = {r["l"] for r in rows(graph, "SELECT ?l WHERE { ?c ekg:figureLabel ?l }")}
    assert set(FERRARI["figure_labels_as_printed"]) <= labels
    read = {slug(r["f"]) for r in rows(graph, """SELECT ?f WHERE { ?c ekg:classifies ?f ; ekg:figureLabel ?l ;
            ekg:factorLinkProvenance ekg:CuratorInference }""")}
    assert read == set(FERRARI["labels_read_by_curators"])
    by_heading = {slug(r["f"]) for r in rows(graph, """SELECT ?f WHERE { ?c ekg:classifies ?f
            FILTER NOT EXISTS { ?c ekg:figureLabel ?l } }""")}
    assert by_heading == set(FERRARI["classified_by_heading"])


def test_every_factor_is_one_concept_classified_once_by_the_review(graph):
    counts = rows(graph, """SELECT ?f (COUNT(?c) AS ?n) WHERE { ?f a ekg:Factor .
        OPTIONAL { ?c ekg:classifies ?f ; ekg:inSource <https://w3id.org/exitkg/id/source/ferrari-2021> } } GROUP BY ?f""")
    assert counts and all(r["n"] == 1 for r in counts), counts
    # no level or role on the concept itself
    assert not rows(graph, "SELECT ?f WHERE { ?f a ekg:Factor ; ekg:level|ekg:role ?x }")


def test_models_with_components(graph):
    models = {slug(r["m"]) for r in rows(graph, "SELECT ?m WHERE { ?m a ekg:TheoreticalModel }")}
    assert models == set(FERRARI["models"])
    integrated = rows(graph, f"SELECT ?m WHERE {{ <{ID}model/integrated-model> ekg:integrates ?m }}")
    assert {slug(r["m"]) for r in integrated} == models - {"integrated-model", "traumagenic-social-ecological-framework"}
    stages = rows(graph, f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?label WHERE {{ <{ID}model/stages-of-change> ekg:hasComponent ?c . ?c ekg:order ?o ; rdfs:label ?label }} ORDER BY ?o""")
    assert [r["label"] for r in stages] == FERRARI["stages_of_change"]


def test_every_listed_doi_present(graph):
    dois = {slug(r["s"]): r["d"] for r in rows(graph, """PREFIX bibo: <http://purl.org/ontology/bibo/>
        SELECT ?s ?d WHERE { ?s a ekg:Study ; bibo:doi ?d }""")}
    assert dois == FERRARI["dois"]


def _statements(graph, cls: str, via: str, source: str | None = None) -> set:
    only = f"?x ekg:inSource <{ID}source/{source}> ." if source else ""
    found = rows(graph, f"""SELECT ?w ?f ?r ?a WHERE {{ ?x a ekg:{cls} ; ekg:{via} ?w ; ekg:aboutFactor ?f ;
        ekg:statedRole ?r ; ekg:aboutAbsence ?a . {only} }}""")
    return {(slug(r["w"]), slug(r["f"]), slug(r["r"]), r["a"]) for r in found}


def test_a_finding_for_every_results_statement(graph):
    expected = {(s, f, r, a) for s, f, r, a in FERRARI["results_statements"]}
    assert _statements(graph, "Finding", "fromStudy", FERRARI["source"]) == expected
    cited = {s for s, *_ in expected}
    assert set(FERRARI["studies"]) - cited == set(FERRARI["studies_without_findings"])


def test_cited_evidence_of_the_discussion_is_a_layer_of_its_own(graph):
    expected = {(w, f, r, a) for w, f, r, a in DISCUSSION["cited_statements"]}
    assert _statements(graph, "CitedEvidence", "fromWork") == expected
    # cited works are not included studies, and cited evidence is never a finding
    assert not rows(graph, "SELECT ?x WHERE { ?x a ekg:CitedEvidence ; ekg:fromStudy ?s }")
    assert not rows(graph, "SELECT ?w WHERE { ?x ekg:fromWork ?w . ?w a ekg:Study }")
    sources = {slug(r["s"]) for r in rows(graph, "SELECT DISTINCT ?s WHERE { ?x a ekg:CitedEvidence ; ekg:inSource ?s }")}
    assert sources == {DISCUSSION["source"]}


def test_populations_named_by_the_text(graph):
    restricted = {slug(r["f"]): slug(r["p"]) for r in rows(
        graph, f"SELECT ?f ?p WHERE {{ ?f ekg:population ?p ; ekg:inSource <{ID}source/{FERRARI['source']}> }}")}
    assert restricted == FERRARI["populations"]


def test_figure_item_without_finding_is_kept_and_flagged(graph):
    without = {slug(r["f"]) for r in rows(graph, """SELECT ?f WHERE { ?c ekg:classifies ?f
        FILTER NOT EXISTS { ?x a ekg:Finding ; ekg:aboutFactor ?f } }""")}
    assert without == set(FERRARI["factors_without_findings"])
    flagged = rows(graph, f"""SELECT ?c ?p WHERE {{ ?c ekg:involves <{ID}classification/ferrari-2021/current-involvement-in-cse> ;
        ekg:provenance ?p }}""")
    assert [slug(r["p"]) for r in flagged] == ["CuratorInference"]


def test_every_contradiction_keeps_both_sides(graph):
    contradictions = rows(graph, "SELECT ?c (COUNT(?x) AS ?n) WHERE { ?c a ekg:Contradiction ; ekg:involves ?x } GROUP BY ?c")
    assert len(contradictions) == len(FERRARI["contradictions"])
    values = {r["v"] for r in rows(graph, f"""SELECT ?v WHERE {{ ?c ekg:countValue ?v
        FILTER(?c IN (<{ID}count/ferrari-2021/abstract-controversial>, <{ID}count/ferrari-2021/discussion-controversial>)) }}""")}
    assert len(values) == 2  # both counts of the controversial factors are kept


def test_the_misprint_of_our_copy_is_not_a_citation(graph):
    cited = {r["c"] for r in rows(graph, f"SELECT ?c WHERE {{ <{ID}study/dhungel-2017> ekg:citedAs ?c }}")}
    assert cited == {"Dhungel, 2017"}


def test_characteristic_provenance(graph):
    provs = Counter(slug(r["p"]) for r in rows(graph, "SELECT ?c ?p WHERE { ?s ekg:hasCharacteristic ?c . ?c ekg:provenance ?p }"))
    assert set(provs) == {"StatedInReview", "ExternalSource", "CuratorInference"}
    total = rows(graph, "SELECT (COUNT(?c) AS ?n) WHERE { ?s ekg:hasCharacteristic ?c }")[0]["n"]
    assert sum(provs.values()) == total
    # an external source is named: the article's title, its abstract, a record by DOI, PMID or
    # library number, a conference abstract, a publication by author and year, or at least the
    # article by journal and issue
    notes = [r["n"] for r in rows(graph, "SELECT ?n WHERE { ?x ekg:provenance ekg:ExternalSource ; ekg:sourceNote ?n }")]
    named = re.compile(r"title|abstract|doi:|PMID|NCJ|publisher|Global Health Action 8\(1\)|\(\d{4}\)")
    assert notes and [n for n in notes if not named.search(n)] == []


def test_no_ferrari_individual_in_the_ontology():
    text = (REPO_ROOT / "ontology" / "exit-factors.ttl").read_text(encoding="utf-8")
    for term in ("ekg:byDesign", "ekg:figureBoxUnit", "ekg:asia", "ekg:multinationalSample", "ekg:studyUnit",
                 "ekg:reviewClassification", "ekg:labelProvenance"):
        assert term not in text, term


def _factor_definitions_expected() -> list[dict]:
    """The rows of the factor-definitions query's expected file: the one place the split between the
    review's words and the curators' is kept."""
    import csv

    with open(REPO_ROOT / "queries" / "factor-definitions.expected.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_factor_has_one_definition_with_its_provenance(graph):
    found = rows(graph, """SELECT ?f (COUNT(DISTINCT ?d) AS ?n) (SAMPLE(LANG(?d)) AS ?lang) (COUNT(DISTINCT ?p) AS ?np)
        (COUNT(DISTINCT ?s) AS ?ns) (SAMPLE(?p) AS ?provenance) WHERE { ?f a ekg:Factor .
        OPTIONAL { ?f skos:definition ?d } OPTIONAL { ?f ekg:definitionProvenance ?p }
        OPTIONAL { ?f ekg:definitionLocatedIn ?s } } GROUP BY ?f""")
    assert found and [r for r in found if (r["n"], r["lang"], r["np"]) != (1, "en", 1)] == []
    # a definition in the review's words names the section it stands in; the curators' name none
    assert [r for r in found if r["ns"] != (1 if slug(r["provenance"]) == "StatedInReview" else 0)] == []
    expected = _factor_definitions_expected()
    assert {r["f"] for r in found} == {row["factor"] for row in expected}
    assert (Counter(slug(r["provenance"]) for r in found)
            == Counter(slug(row["provenance"]) for row in expected))
    assert {slug(row["provenance"]) for row in expected} == {"StatedInReview", "CuratorInference"}


def test_the_curators_definitions_are_one_sentence_each(graph):
    curators = [r["d"] for r in rows(graph, """SELECT ?d WHERE { ?f a ekg:Factor ; skos:definition ?d ;
        ekg:definitionProvenance ekg:CuratorInference }""")]
    assert curators and [d for d in curators if not re.fullmatch(r"[A-Z][^.]*\.", d)] == []
