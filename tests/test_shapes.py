"""Per-shape tests of the SHACL shapes in ``shapes/``.

Every shape has a stable IRI in the ``ekgsh:`` namespace and an ``sh:message``, and two cases in
``tests/shape_cases.py``: a valid case must conform and an invalid case must raise a violation
attributable to that shape. Each case is the small base graph of that module with a few edits,
built in memory. A violation is attributable to a shape when its ``sh:sourceShape`` or (for a
SPARQL-based constraint) its ``sh:sourceConstraint`` is the shape, or, for a node shape, when its
``sh:sourceShape`` is one of the node shape's property shapes. Results nested under ``sh:detail``
count too: a shape used only through ``sh:node`` reports its violations there.

Each case is validated as the project validates data: merged with the ontology, with no inference
and with SHACL Advanced Features. For the shapes in :data:`FULL_REPORTS` the whole report of the
invalid case, as ``exitkg validate --format json`` writes it, is compared with an expected file in
``tests/expected/shapes/`` (``pytest --update-expected`` rewrites them).
"""

from __future__ import annotations

import json

import pyshacl
import pytest
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

import shape_cases
from conftest import REPO_ROOT

SHAPES_DIR = REPO_ROOT / "shapes"
ONTOLOGY_DIR = REPO_ROOT / "ontology"
EXPECTED = REPO_ROOT / "tests" / "expected" / "shapes"
EKGSH = "https://w3id.org/exitkg/shapes#"
#: Shapes whose invalid case is checked against a full expected report: one of each kind of rule.
FULL_REPORTS = (
    "RoleAssertion-quoteNamesFactorAndRole", "FactorClassification-agreesWithLocation",
    "FactorClassification-onePerSource", "Study-oneCharacteristicPerSource", "InSource-inSource",
    "Quote-words", "Finding-populationOfStudy", "Study-includedBy", "Provenanced-statedHasQuote",
    "Finding-underResultsHeading", "Study-includedOrEncoded",
)


def _parse_folder(folder) -> Graph:
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


# Parsed once for the whole module.
SHAPES = _parse_folder(SHAPES_DIR)
ONTOLOGY = _parse_folder(ONTOLOGY_DIR)


def _shape_nodes(graph: Graph) -> set:
    """Every node of the shapes graph that is a shape or a SPARQL-based constraint."""
    nodes: set = set()
    for cls in (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint):
        nodes.update(graph.subjects(RDF.type, cls))
    for marker in (SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                   SH.select, SH.ask):
        nodes.update(graph.subjects(marker, None))
    for ref in (SH.property, SH.node, SH.sparql, SH.qualifiedValueShape, SH["not"]):
        nodes.update(graph.objects(None, ref))
    for ref in (SH["and"], SH["or"], SH.xone):
        for head in graph.objects(None, ref):
            nodes.update(Collection(graph, head))
    return nodes


def _is_anonymous_helper(graph: Graph, node) -> bool:
    """Blank nodes allowed without an IRI: qualified value shapes and sh:declare entries."""
    return isinstance(node, BNode) and (
        (None, SH.qualifiedValueShape, node) in graph or (None, SH.declare, node) in graph
    )


SHAPE_NODES = _shape_nodes(SHAPES)
SHAPE_IRIS = sorted(n for n in SHAPE_NODES if isinstance(n, URIRef) and str(n).startswith(EKGSH))
SHAPE_NAMES = [str(iri)[len(EKGSH):] for iri in SHAPE_IRIS]


@pytest.fixture(scope="module", autouse=True)
def _reuse_parsed_sparql():
    """Parse each SPARQL query text once while this module runs.

    pySHACL passes rdflib the text of a SPARQL-based constraint once per focus node, and rdflib
    parses it each time; on graphs this small, parsing is most of the validation time. The text
    is turned into a prepared query (rdflib's reusable form of a query) on first use instead.
    """
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    prepared: dict = {}
    original = SPARQLProcessor.query

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in prepared:
                prepared[key] = prepareQuery(strOrQuery, initNs=initNs, base=base)
            strOrQuery = prepared[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SPARQLProcessor, "query", query)
        yield


def _validate(text: str) -> tuple[bool, Graph, str]:
    data = Graph()
    data += ONTOLOGY
    data.parse(data=text, format="turtle")
    return pyshacl.validate(
        data,
        shacl_graph=SHAPES,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )


def _results(report: Graph) -> list:
    """All validation results of a report, nested ones included."""
    return list(report.subjects(RDF.type, SH.ValidationResult))


def _attributable(shape: URIRef, report: Graph) -> list:
    own = {shape}
    if (shape, RDF.type, SH.NodeShape) in SHAPES:
        own.update(SHAPES.objects(shape, SH.property))
    return [
        r for r in _results(report)
        if (r, SH.resultSeverity, SH.Violation) in report
        and (report.value(r, SH.sourceShape) in own or report.value(r, SH.sourceConstraint) == shape)
    ]


# --------------------------------------------------------------------------- #
# The shapes file
# --------------------------------------------------------------------------- #

def test_shapes_were_found():
    assert len(SHAPE_IRIS) > 0
    assert any((iri, RDF.type, SH.NodeShape) in SHAPES for iri in SHAPE_IRIS)


def test_every_shape_has_a_stable_iri_and_a_message():
    problems = []
    for node in sorted(SHAPE_NODES, key=str):
        if _is_anonymous_helper(SHAPES, node):
            continue
        if not (isinstance(node, URIRef) and str(node).startswith(EKGSH)):
            described = sorted(f"{p.n3(SHAPES.namespace_manager)} {o.n3(SHAPES.namespace_manager)}"
                               for p, o in SHAPES.predicate_objects(node))
            problems.append(f"shape without an ekgsh: IRI: {node.n3()} {described}")
            continue
        if SHAPES.value(node, SH.message) is None:
            problems.append(f"ekgsh:{str(node)[len(EKGSH):]} has no sh:message")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- #
# Case coverage
# --------------------------------------------------------------------------- #

def test_every_shape_has_cases_and_every_case_a_shape():
    assert sorted(shape_cases.SPECS) == sorted(SHAPE_NAMES), (
        f"shapes without cases: {sorted(set(SHAPE_NAMES) - set(shape_cases.SPECS))}; "
        f"cases without a shape: {sorted(set(shape_cases.SPECS) - set(SHAPE_NAMES))}")


def test_base_graph_conforms():
    conforms, report, text = _validate(shape_cases.build())
    assert conforms and not _results(report), text


# --------------------------------------------------------------------------- #
# One valid and one invalid case per shape
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_valid_case_conforms(name):
    conforms, report, text = _validate(shape_cases.build(name, "valid"))
    assert conforms and not _results(report), f"the valid case of ekgsh:{name} does not conform:\n{text}"


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_invalid_case_violates_its_shape(name):
    conforms, report, text = _validate(shape_cases.build(name, "invalid"))
    assert not conforms, f"the invalid case of ekgsh:{name} conforms"
    assert _attributable(URIRef(EKGSH + name), report), (
        f"the invalid case of ekgsh:{name} raises no violation attributable to it:\n{text}"
    )


@pytest.mark.parametrize("name", FULL_REPORTS)
def test_full_report_of_key_shapes(name, tmp_path, expected):
    """The product's whole report (exitkg validate --only CASE --format json) on the invalid case."""
    import exitkg
    from exitkg.shacl import render_json

    case = tmp_path / "case.ttl"
    case.write_text(shape_cases.build(name, "invalid"), encoding="utf-8")
    result = exitkg.validate(exitkg.load(only=[case]))
    document = json.loads(render_json(result))
    assert any(r["shape"] == EKGSH + name for r in document["results"]), document
    expected(EXPECTED / f"{name}.json", render_json(result))
