"""Per-shape tests of the SHACL shapes in ``shapes/``.

Every shape has a stable IRI in the ``ekgsh:`` namespace and an ``sh:message``, and two fixtures in
``tests/fixtures/shapes/``: ``<LocalName>.valid.ttl`` must conform and ``<LocalName>.invalid.ttl``
must raise a violation attributable to that shape. A violation is attributable to a shape when its
``sh:sourceShape`` or (for a SPARQL-based constraint) its ``sh:sourceConstraint`` is the shape, or,
for a node shape, when its ``sh:sourceShape`` is one of the node shape's property shapes. Results
nested under ``sh:detail`` count too: a shape used only through ``sh:node`` (ekgsh:ResultsHeading)
reports its violations there.

Each fixture is validated as the project validates data: the fixture merged with the ontology, with
no inference and with SHACL Advanced Features. The fixtures are plain test data; they are written by
``tests/fixtures/shapes/make_fixtures.py``, which these tests never run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

REPO_ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = REPO_ROOT / "shapes"
ONTOLOGY_DIR = REPO_ROOT / "ontology"
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "shapes"
BASE = FIXTURES / "base.ttl"
EKGSH = "https://w3id.org/exitkg/shapes#"
KINDS = ("valid", "invalid")


def _parse_folder(folder: Path) -> Graph:
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


def _fixture(name: str, kind: str) -> Path:
    return FIXTURES / f"{name}.{kind}.ttl"


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


def _validate(path: Path) -> tuple[bool, Graph, str]:
    data = Graph()
    data += ONTOLOGY
    data.parse(path, format="turtle")
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


def _check_header(path: Path, name: str) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# "), f"{path.name} does not start with a comment line"
    assert re.search(rf"ekgsh:{re.escape(name)}(?![\w-])", first), (
        f"the first line of {path.name} does not name ekgsh:{name}: {first!r}"
    )


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
# Fixture coverage
# --------------------------------------------------------------------------- #

def test_every_shape_has_both_fixtures():
    missing = [_fixture(name, kind).name for name in SHAPE_NAMES for kind in KINDS
               if not _fixture(name, kind).is_file()]
    assert not missing, f"shapes without fixtures in {FIXTURES.relative_to(REPO_ROOT)}: {missing}"


def test_every_fixture_belongs_to_a_shape():
    names = set(SHAPE_NAMES)
    stray = []
    for path in sorted(FIXTURES.glob("*.ttl")):
        if path == BASE:
            continue
        match = re.fullmatch(r"(.+)\.(valid|invalid)\.ttl", path.name)
        if match is None or match.group(1) not in names:
            stray.append(path.name)
    assert not stray, f"fixtures for no shape: {stray}"


def test_base_graph_conforms():
    conforms, report, text = _validate(BASE)
    assert conforms and not _results(report), text


# --------------------------------------------------------------------------- #
# One valid and one invalid fixture per shape
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_valid_fixture_conforms(name):
    path = _fixture(name, "valid")
    if not path.is_file():
        pytest.fail(f"missing fixture {path.name}")
    _check_header(path, name)
    conforms, report, text = _validate(path)
    assert conforms and not _results(report), f"{path.name} does not conform:\n{text}"


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_invalid_fixture_violates_its_shape(name):
    path = _fixture(name, "invalid")
    if not path.is_file():
        pytest.fail(f"missing fixture {path.name}")
    _check_header(path, name)
    conforms, report, text = _validate(path)
    assert not conforms, f"{path.name} conforms"
    assert _attributable(URIRef(EKGSH + name), report), (
        f"{path.name} raises no violation attributable to ekgsh:{name}:\n{text}"
    )
