"""Per-shape tests of the SHACL shapes in ``shapes/``.

Every shape has a stable IRI in the ``ekgsh:`` namespace and an ``sh:message``, and two cases in
``tests/shape_cases.py``: a valid case must conform (validated once when it is the base graph
unchanged) and an invalid case must raise a violation attributable to that shape. Each case is
the small base graph of that module with a few edits, built in memory. A violation is attributable to a shape when its ``sh:sourceShape`` or (for a
SPARQL-based constraint) its ``sh:sourceConstraint`` is the shape, or, for a node shape, when its
``sh:sourceShape`` is one of the node shape's property shapes. Results nested under ``sh:detail``
count too: a shape used only through ``sh:node`` reports its violations there.

Each case is validated as the project validates data: merged with the ontology, with no inference
and with SHACL Advanced Features; a valid case by every shape, an invalid case by its shape and the
shapes that use it or that it uses (what can report a result attributable to it). For the shapes in :data:`FULL_REPORTS` the whole report of the
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
    "Factor-definition", "Factor-defined", "Factor-definitionProvenance", "Factor-definitionLocatedIn",
    "Factor-definitionHasProvenance", "Factor-statedDefinitionWords",
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
#: The shapes whose valid case edits the base graph; the others' valid case is the base graph
#: itself, validated once by test_base_graph_conforms.
EDITED_VALID = [name for name in SHAPE_NAMES if shape_cases.SPECS[name][1]]
#: The SPARQL-based constraints (sh:select or sh:ask): the ones exitkg may run on Oxigraph
#: instead of pySHACL.
SPARQL_CONSTRAINTS = [name for name in SHAPE_NAMES
                      if any((URIRef(EKGSH + name), p, None) in SHAPES for p in (SH.select, SH.ask))]


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


def _validate(text: str, shape: URIRef | None = None) -> tuple[bool, Graph, str]:
    """Validate *text* merged with the ontology; with *shape*, by that shape and the shapes that
    use it only (what can report a result attributable to it), else by every shape."""
    data = Graph()
    data += ONTOLOGY
    data.parse(data=text, format="turtle")
    return pyshacl.validate(
        data,
        shacl_graph=SHAPES,
        inference="none",
        advanced=True,
        allow_warnings=True,
        use_shapes=None if shape is None else [str(s) for s in _carriers(shape)],
    )


_REFERENCES = (SH.property, SH.sparql, SH.node, SH.qualifiedValueShape, SH["not"])


def _carriers(shape: URIRef) -> list:
    """*shape*, every shape that uses it, directly or through others (sh:property, sh:sparql,
    sh:node, sh:not, a qualified value shape, a member of sh:and, sh:or or sh:xone), and every
    shape these use: those pySHACL finds shapes."""
    found, frontier = {shape}, {shape}
    while frontier:
        users = set()
        for node in frontier:
            for ref in _REFERENCES:
                users.update(SHAPES.subjects(ref, node))
            for ref in (SH["and"], SH["or"], SH.xone):
                for user, head in SHAPES.subject_objects(ref):
                    if node in Collection(SHAPES, head):
                        users.add(user)
        frontier = users - found
        found |= users
    # and the shapes these use in turn, which pySHACL needs named too to evaluate them
    frontier = set(found)
    while frontier:
        used = set()
        for node in frontier:
            for ref in _REFERENCES:
                used.update(SHAPES.objects(node, ref))
            for ref in (SH["and"], SH["or"], SH.xone):
                for head in SHAPES.objects(node, ref):
                    used.update(Collection(SHAPES, head))
        frontier = used - found
        found |= used
    return sorted((n for n in found & _PYSHACL_SHAPES if isinstance(n, URIRef)), key=str)


def _pyshacl_shapes() -> set:
    from pyshacl.shapes_graph import ShapesGraph

    return {shape.node for shape in ShapesGraph(SHAPES).shapes}


_PYSHACL_SHAPES = _pyshacl_shapes()


def _results(report: Graph) -> list:
    """All validation results of a report, nested ones included."""
    return list(report.subjects(RDF.type, SH.ValidationResult))


def _severity(shape: URIRef):
    """The severity of a shape's results: its own sh:severity, else (for a SPARQL-based
    constraint) that of the shape carrying it, else sh:Violation."""
    carriers = [shape] + list(SHAPES.subjects(SH.sparql, shape))
    for node in carriers:
        if SHAPES.value(node, SH.severity) is not None:
            return SHAPES.value(node, SH.severity)
    return SH.Violation


def _attributable(shape: URIRef, report: Graph) -> list:
    own = {shape}
    if (shape, RDF.type, SH.NodeShape) in SHAPES:
        own.update(SHAPES.objects(shape, SH.property))
    return [
        r for r in _results(report)
        if (r, SH.resultSeverity, _severity(shape)) in report
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


def test_every_sparql_constraint_declares_its_prefixes():
    """A SPARQL-based constraint may use only the prefixes its ``sh:prefixes`` declare (SHACL 5.2.1);
    pySHACL also accepts rdflib's own bindings, other engines do not. Each query is parsed by
    Oxigraph, which knows no prefix it is not told."""
    import pyoxigraph as ox

    from exitkg.checks.shacl_sparql import _prefixes

    problems = []
    for constraint, text in sorted(SHAPES.subject_objects(SH.select)):
        prefixes = _prefixes(SHAPES, constraint) or ""
        try:
            ox.Store().query(prefixes + str(text))
        except SyntaxError as exc:
            problems.append(f"{constraint}: {exc}")
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

@pytest.mark.parametrize("name", EDITED_VALID)
def test_valid_case_conforms(name):
    conforms, report, text = _validate(shape_cases.build(name, "valid"))
    assert conforms and not _results(report), f"the valid case of ekgsh:{name} does not conform:\n{text}"


@pytest.mark.parametrize("name", SHAPE_NAMES)
def test_invalid_case_violates_its_shape(name):
    conforms, report, text = _validate(shape_cases.build(name, "invalid"), URIRef(EKGSH + name))
    if _severity(URIRef(EKGSH + name)) == SH.Violation:
        assert not conforms, f"the invalid case of ekgsh:{name} conforms"
    else:  # a warning: the graph conforms, with a result of that severity
        assert conforms and _results(report), f"the invalid case of ekgsh:{name} gives no warning:\n{text}"
    assert _attributable(URIRef(EKGSH + name), report), (
        f"the invalid case of ekgsh:{name} raises no violation attributable to it:\n{text}"
    )


@pytest.mark.parametrize("name", FULL_REPORTS)
def test_full_report_of_key_shapes(name, tmp_path, expected):
    """The product's whole report (exitkg validate --only CASE --format json) on the invalid case."""
    import exitkg
    from exitkg.checks.validate import render_json

    case = tmp_path / "case.ttl"
    case.write_text(shape_cases.build(name, "invalid"), encoding="utf-8")
    result = exitkg.validate(exitkg.load(only=[case]))
    document = json.loads(render_json(result))
    assert any(r["shape"] == EKGSH + name for r in document["results"]), document
    expected(EXPECTED / f"{name}.json", render_json(result))


# --------------------------------------------------------------------------- #
# SPARQL-based constraints run on the store give pySHACL's report
# --------------------------------------------------------------------------- #

def _pyshacl_results(graph, shapes: Graph) -> list:
    """The results pySHACL alone gives for *graph* (an exitkg graph), as exitkg renders them."""
    from exitkg.rdf.namespaces import PREFIXES
    from exitkg.checks.validate import _results_from_report

    data = graph.to_rdflib()
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                    advanced=True, allow_warnings=True)
    return _comparable(_results_from_report(report, shapes, dict(PREFIXES), data))


def _comparable(results) -> list:
    import re

    def unlabel(text):
        return re.sub(r"_:\w+", "_:b", text) if isinstance(text, str) else text

    return sorted(tuple((k, unlabel(v) if not isinstance(v, list) else tuple(map(unlabel, v)))
                        for k, v in sorted(r.as_dict().items())) for r in results)


def test_the_comparison_with_pyshacl_covers_every_sparql_constraint():
    from exitkg.checks.shacl_sparql import take_over

    _, taken = take_over(SHAPES)
    assert SPARQL_CONSTRAINTS
    assert {str(c.node)[len(EKGSH):] for c in taken if str(c.node).startswith(EKGSH)} <= set(SPARQL_CONSTRAINTS)


@pytest.mark.parametrize("name", SPARQL_CONSTRAINTS)
def test_product_report_equals_pyshacl_alone(name, tmp_path):
    """exitkg runs plain SPARQL-based constraints on Oxigraph and the rest through pySHACL; on the
    invalid case of every SPARQL-based constraint its results are those of pySHACL alone, field for
    field (the SHACL Core shapes are pySHACL's own in both)."""
    import exitkg

    case = tmp_path / "case.ttl"
    case.write_text(shape_cases.build(name, "invalid"), encoding="utf-8")
    graph = exitkg.load(only=[case])
    result = exitkg.validate(graph)
    assert _comparable(result.results) == _pyshacl_results(graph, SHAPES)
    assert result.results, "the invalid case gives no result at all"


EDGE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex: a owl:Ontology ; sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
ex:Subjects a sh:NodeShape ; sh:targetSubjectsOf ex:knows ; sh:severity sh:Warning ;
    sh:message "subject {$this} knows {?other}" ;
    sh:sparql ex:KnowsSelf , ex:Failure , ex:Unprojected , [ a sh:SPARQLConstraint ; sh:prefixes ex: ;
        sh:message "anonymous constraint on {$this}" ;
        sh:select "SELECT $this WHERE { $this ex:knows $this }" ] .
ex:KnowsSelf a sh:SPARQLConstraint ; sh:prefixes ex: ; sh:message "{$this} knows itself, value {?value}" ;
    sh:select "SELECT $this ?value ?other WHERE { $this ex:knows ?value . OPTIONAL { ?value ex:knows ?other } FILTER(?value = $this) }" .
ex:Failure a sh:SPARQLConstraint ; sh:prefixes ex: ; sh:message "failure for {$this} age {?age}" ;
    sh:select "SELECT $this ?failure ?age WHERE { $this ex:age ?age . BIND(?age < 0 AS ?failure) FILTER(?failure) }" .
ex:Unprojected a sh:SPARQLConstraint ; sh:prefixes ex: ; sh:message "no name" ;
    sh:select "SELECT ?x WHERE { $this ex:knows ?x FILTER NOT EXISTS { ?x ex:name ?n } }" .
ex:Objects a sh:NodeShape ; sh:targetObjectsOf ex:knows ; sh:targetNode ex:nobody ;
    sh:sparql ex:HasName .
ex:HasName a sh:SPARQLConstraint ; sh:prefixes ex: ; sh:message "{$this} has no name" ;
    sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this ex:name ?n } }" .
ex:Typed a sh:NodeShape ; sh:targetClass ex:Person ; sh:sparql ex:OldEnough .
ex:OldEnough a sh:SPARQLConstraint ; sh:prefixes ex: ; sh:message "{$this} is {?value}" ;
    sh:select "SELECT $this ?value WHERE { $this ex:age ?value FILTER(?value < 18) }" .
ex:Paths a sh:PropertyShape ; sh:targetClass ex:Person ; sh:path ex:knows ; sh:sparql ex:PathKnows .
ex:PathKnows a sh:SPARQLConstraint ; sh:prefixes ex: ; sh:message "path value {?value}" ;
    sh:select "SELECT $this ?value WHERE { $this $PATH ?value FILTER(isBlank(?value)) }" .
"""

EDGE_DATA = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Child rdfs:subClassOf ex:Person .
ex:a a ex:Person ; ex:knows ex:a , ex:b , [ ex:name "anon" ] ; ex:age -3 ; ex:name "a" .
ex:b a ex:Child ; ex:age 12 ; ex:knows ex:c .
ex:c a ex:Person ; ex:age "01"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""


def test_edge_cases_of_sparql_constraints_equal_pyshacl(tmp_path):
    """Targets of every kind (a subclass instance included), ``?failure`` rows, messages filled in
    from the solution, a node shape's own message and severity, and the constraints left to
    pySHACL (anonymous, ``$this`` not projected, ``$PATH``): the same results as pySHACL alone."""
    import exitkg
    from exitkg.checks.validate import shapes_graph
    from exitkg.checks.shacl_sparql import take_over

    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(EDGE_SHAPES, encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text(EDGE_DATA, encoding="utf-8")
    from exitkg.graph.local import load

    graph = load(only=[data], ontology=False)
    shapes = shapes_graph([shapes_file])
    _, taken = take_over(shapes)
    assert sorted(str(c.node).rsplit("/", 1)[-1] for c in taken) == ["Failure", "HasName", "KnowsSelf", "OldEnough"]
    result = exitkg.validate(graph, shapes=[shapes_file])
    assert _comparable(result.results) == _pyshacl_results(graph, shapes)
    by_message = {r.message: r for r in result.results}
    assert by_message["failure for http://example.org/a age -3; subject http://example.org/a knows {?other}"].severity == "Warning"
    assert by_message["http://example.org/b is 12"].severity == "Violation"  # a subclass instance
    assert by_message["http://example.org/c is 01"].value == '"01"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert "http://example.org/nobody has no name" in by_message
    assert any(m.startswith("path value ") for m in by_message)  # left to pySHACL
    assert any(m.startswith("anonymous constraint on ") for m in by_message)  # left to pySHACL
    assert not result.conforms
