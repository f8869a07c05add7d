"""Fidelity of the packaged graph to the review (the numbers here are the review's, or the
reference transcription of its figures and studies)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, Namespace, URIRef

from conftest import REPO_ROOT

EKG = Namespace("https://w3id.org/exitkg/ontology#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
ID = "https://w3id.org/exitkg/id/"

TTL_FILES = sorted(
    p for folder in ("ontology", "data", "shapes") for p in (REPO_ROOT / folder).glob("*.ttl")
) + sorted(  # valid test fixtures too; the deliberately malformed or invalid ones are left out
    p for p in (REPO_ROOT / "tests" / "fixtures").rglob("*.ttl")
    if ".invalid." not in p.name and p.parent.name != "io"
)


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    from exitkg.rdfio import load_packaged_graph

    return load_packaged_graph()


def local(term) -> str:
    return str(term).rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_turtle_file_parses_with_two_parsers(path: Path):
    strict = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    lenient = rdflib.Graph().parse(path, format="turtle")
    assert strict and len(lenient) == len({(t.subject, t.predicate, t.object) for t in strict})


def test_thirteen_studies_all_included(graph):
    studies = set(graph.subjects(RDF.type, EKG.Study))
    assert len(studies) == 13
    included = set(graph.objects(URIRef(ID + "review/ferrari-2021"), EKG.includesStudy))
    assert included == studies


def test_figure_2_has_32_items_in_the_right_boxes(graph):
    boxes = Counter()
    for factor in graph.subjects(EKG.figureLabel, None):
        boxes[(local(graph.value(factor, EKG.reviewClassification)), local(graph.value(factor, EKG.level)))] += 1
    assert sum(boxes.values()) == 32
    assert boxes == {
        ("facilitating", "individualLevel"): 7, ("facilitating", "relationalLevel"): 7,
        ("facilitating", "structuralLevel"): 7,
        ("hindering", "individualLevel"): 2, ("hindering", "relationalLevel"): 4,
        ("hindering", "structuralLevel"): 1,
        ("controversial", "individualLevel"): 1, ("controversial", "relationalLevel"): 2,
        ("controversial", "structuralLevel"): 1,
    }


def test_figure_labels_kept_as_printed(graph):
    labels = {str(o) for o in graph.objects(None, EKG.figureLabel)}
    for printed in ("Effectiveness", "Microagression", "Ong", "Client, Kidnapper", "Current involvement in CSE"):
        assert printed in labels
    # the two labels the curators had to interpret are marked as inferences
    for slug in ("self-efficacy", "ngos"):
        assert graph.value(URIRef(ID + "factor/" + slug), EKG.labelProvenance) == EKG.CuratorInference


def test_six_models_with_components(graph):
    models = set(graph.subjects(RDF.type, EKG.TheoreticalModel))
    assert {local(m) for m in models} == {
        "stages-of-change", "role-exit", "breaking-the-matthew-effect", "becoming-an-ex-sex-worker",
        "integrated-model", "traumagenic-social-ecological-framework",
    }
    integrated = URIRef(ID + "model/integrated-model")
    assert len(set(graph.objects(integrated, EKG.integrates))) == 4
    stages = sorted(
        (int(graph.value(c, EKG.order)), str(graph.value(c, rdflib.RDFS.label)))
        for c in graph.objects(URIRef(ID + "model/stages-of-change"), EKG.hasComponent)
    )
    assert [s for _, s in stages] == ["precontemplation", "contemplation", "preparation", "action", "maintenance"]


def test_every_listed_doi_present(graph):
    dois = {local(s): str(o) for s, o in graph.subject_objects(BIBO.doi) if (s, RDF.type, EKG.Study) in graph}
    assert dois == {
        "cordisco-tsai-2017": "10.1080/10911359.2017.1288193",
        "dalla-kreimer-2017": "10.1007/s12119-016-9388-4",
        "gonzalez-2017": "10.1080/23322705.2017.1413856",
        "obrien-2018": "10.1016/j.chiabu.2018.04.010",
        "sukach-2018": "10.46743/2160-3715/2018.3242",
        "wilson-nochajski-2018": "10.1007/s12147-017-9201-1",
    }


# Every study-factor statement of the Results section: (study, factor, stated role, about absence).
RESULTS_STATEMENTS = {
    ("hickle-2017", "spirituality", "facilitating", False),
    ("gonzalez-2017", "work-planning", "facilitating", False),
    ("hickle-2017", "self-esteem", "facilitating", False),
    ("hickle-2017", "self-efficacy", "facilitating", False),
    ("sukach-2018", "desire-to-help", "facilitating", False),
    ("wilson-nochajski-2016", "type-of-exploitation", "facilitating", False),
    ("sukach-2018", "shame", "hindering", False), ("sukach-2018", "uselessness", "hindering", False),
    ("dalla-kreimer-2017", "shame", "hindering", False), ("dalla-kreimer-2017", "uselessness", "hindering", False),
    ("gonzalez-2017", "substance-abuse", "hindering", False),
    ("wilson-nochajski-2016", "substance-abuse", "facilitating", False),
    ("wilson-nochajski-2016", "social-support", "facilitating", False),
    ("dalla-kreimer-2017", "colleagues", "facilitating", False),
    ("dahal-2015", "client-kidnapper", "facilitating", False),
    ("gonzalez-2017", "helping-professionals", "facilitating", False),
    ("gonzalez-2017", "other-service-users", "facilitating", False),
    ("gonzalez-2017", "friends", "facilitating", False),
    ("obrien-2018", "helping-professionals", "facilitating", False),
    ("obrien-2018", "survivors", "facilitating", False),
    ("hickle-2017", "colleagues", "facilitating", False), ("hickle-2017", "survivors", "facilitating", False),
    ("sukach-2018", "social-support", "facilitating", False),
    ("gonzalez-2017", "reunification-of-children", "facilitating", False),
    ("hickle-2017", "reunification-of-children", "facilitating", False),
    ("crawford-kaufman-2008", "stigma", "hindering", False), ("crawford-kaufman-2008", "labels", "hindering", False),
    ("dalla-kreimer-2017", "stigma", "hindering", False), ("dalla-kreimer-2017", "labels", "hindering", False),
    ("dahal-2015", "stigma", "hindering", False),
    ("wilson-nochajski-2016", "stigma", "facilitating", False),
    ("dhungel-2017", "microaggression", "hindering", False),
    ("williams-2010", "lack-of-support-from-professionals", "hindering", False),
    ("dalla-kreimer-2017", "family", "hindering", False), ("hickle-2017", "family", "facilitating", False),
    ("obrien-2018", "religious-organizations", "facilitating", False),
    ("obrien-2018", "religious-organizations", "hindering", False),
    ("crawford-kaufman-2008", "awareness-education-programs", "facilitating", False),
    ("hickle-2017", "rehabilitation-paths", "facilitating", False),
    ("hickle-2017", "social-agencies", "facilitating", False),
    ("wilson-nochajski-2018", "social-agencies", "facilitating", False),
    ("sukach-2018", "new-job", "facilitating", False),
    ("cordisco-tsai-2017", "new-job", "hindering", True),
    ("dahal-2015", "ngos", "facilitating", False), ("dahal-2015", "ngos", "hindering", False),
    ("dahal-2015", "law-enforcement", "facilitating", False),
    ("wilson-nochajski-2016", "cultural-orientation", "facilitating", False),
    ("wilson-nochajski-2018", "financial-barriers", "hindering", False),
    ("gonzalez-2017", "financial-barriers", "hindering", False),
    ("dalla-kreimer-2017", "cultural-capital", "hindering", True),
}


def test_a_finding_for_every_results_statement(graph):
    found = {
        (local(graph.value(f, EKG.fromStudy)), local(graph.value(f, EKG.aboutFactor)),
         local(graph.value(f, EKG.statedRole)), graph.value(f, EKG.aboutAbsence).toPython())
        for f in graph.subjects(RDF.type, EKG.Finding)
    }
    assert found == RESULTS_STATEMENTS
    cited = {s for s, *_ in RESULTS_STATEMENTS}
    studies = {local(s) for s in graph.subjects(RDF.type, EKG.Study)}
    assert studies - cited == {"vindhya-dev-2011"}  # contradiction 8: included, cited for no factor


def test_populations_named_by_the_text(graph):
    stigma_india = URIRef(ID + "finding/wilson-nochajski-2016-stigma")
    assert local(graph.value(stigma_india, EKG.population)) == "wilson-nochajski-2016-india"
    indoor = URIRef(ID + "finding/wilson-nochajski-2016-type-of-exploitation")
    assert local(graph.value(indoor, EKG.population)) == "wilson-nochajski-2016-us"


def test_figure_item_without_finding_is_kept_and_flagged(graph):
    cse = URIRef(ID + "factor/current-involvement-in-cse")
    assert (None, EKG.aboutFactor, cse) not in graph
    contradiction = URIRef(ID + "contradiction/current-involvement-without-study")
    assert (contradiction, EKG.involves, cse) in graph
    assert graph.value(contradiction, EKG.provenance) == EKG.CuratorInference


def test_every_contradiction_of_the_reference_is_encoded(graph):
    contradictions = set(graph.subjects(RDF.type, EKG.Contradiction))
    assert len(contradictions) == 10
    for c in contradictions:
        assert len(set(graph.objects(c, EKG.involves))) >= 1
    # both counts of controversial factors are kept
    values = {int(graph.value(URIRef(ID + "count/" + s), EKG.countValue))
              for s in ("abstract-controversial", "discussion-controversial")}
    assert values == {4, 3}


def test_characteristic_provenance_counts(graph):
    provs = Counter(
        local(graph.value(c, EKG.provenance))
        for s in graph.subjects(RDF.type, EKG.Study) for c in graph.objects(s, EKG.hasCharacteristic)
    )
    # every characteristic carries exactly one provenance and all three kinds occur
    assert set(provs) == {"StatedInReview", "ExternalSource", "CuratorInference"}
    total = sum(1 for s in graph.subjects(RDF.type, EKG.Study) for _ in graph.objects(s, EKG.hasCharacteristic))
    assert sum(provs.values()) == total


def test_quotes_are_short(graph):
    for prop in (EKG.quote,):
        for s, o in graph.subject_objects(prop):
            assert len(str(o).split()) <= 25, (s, o)
