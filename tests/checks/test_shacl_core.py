"""Plain property shapes evaluated with their values read from the store give pySHACL's report.

:func:`exitkg.checks.validate.validate` hands the property shapes that
:func:`exitkg.checks.shacl_core.take_over` picks to :func:`exitkg.checks.shacl_core.evaluate`, and
the rest to pySHACL; ``core_on_store=False`` gives every shape to pySHACL. The two are compared on
the same loaded graph, result for result (a list, so a result dropped or given twice shows), with
the report graphs alike: on the invalid case of every property shape taken, on the W3C tests
whose shapes have one taken, on scaled evidence (``benchmarks/scaled.py``) with violations
injected, and on shapes made to reach the edges (blank nodes, inverse paths, classes as shapes,
shapes of their own targets, generic messages, a warning).
"""

from __future__ import annotations

import random
import sys

import pytest
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH

import shape_cases
from conftest import REPO_ROOT

EKGSH = "https://w3id.org/exitkg/shapes#"


def _shapes() -> Graph:
    from exitkg.checks.validate import shapes_graph

    return shapes_graph()


def _taken(shapes: Graph, graph=None) -> list:
    """The property shapes taken over, for the data of *graph* (default: the packaged graph)."""
    from exitkg.checks import shacl_core, shacl_sparql
    from exitkg.graph.local import load

    store = (graph if graph is not None else load()).store
    return shacl_core.take_over(shapes, shapes, shacl_sparql.targeted(store, shapes))[1]


def _compare(graph, **options) -> list:
    """Validate *graph* both ways; assert the reports are the same; the results."""
    from exitkg.checks.validate import validate

    store = validate(graph, **options)
    alone = validate(graph, core_on_store=False, **options)
    rows = [(r.as_dict(), r.display) for r in store.results]
    assert rows == [(r.as_dict(), r.display) for r in alone.results]
    assert (store.conforms, store.focus_nodes, store.idle_shapes, store.notes) == \
           (alone.conforms, alone.focus_nodes, alone.idle_shapes, alone.notes)
    assert _canonical(store.report_graph) == _canonical(alone.report_graph)
    return store.results


def _canonical(report: Graph) -> tuple:
    """The report graph as sorted rows, one per result (its statements, each blank node in them
    written as what the report says of it, recursively), and the graph of the other statements
    (paths, lists, blank nodes of the data), each subject as what the report says of it (the blank
    nodes of the shapes are new at each reading of the shapes)."""
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    results = set(report.objects(node, SH.result))

    def said(term, depth: int = 0):
        if not isinstance(term, BNode):
            return term.n3()
        if depth > 12:
            return "_"
        return repr(sorted((str(p), said(o, depth + 1)) for p, o in report.predicate_objects(term)))

    rows = sorted(tuple(sorted((str(p), said(o)) for p, o in report.predicate_objects(r))) for r in results)
    rest = sorted(repr(("_" if isinstance(s, BNode) else s.n3(), said(s)))
                  for s in set(report.subjects()) - results - {node})
    return report.value(node, SH.conforms), rows, rest


def _name(node) -> str:
    return str(node)[len(EKGSH):]


def test_every_plain_packaged_property_shape_is_taken():
    """Each packaged property shape of a path of one IRI (or its inverse) whose parameters are all
    of :data:`~exitkg.checks.shacl_core.COMPONENTS`, or a qualified cardinality of values of some
    classes, is evaluated on the store; the others are not."""
    from exitkg.checks.shacl_core import _DESCRIPTIVE, _QUALIFIED, COMPONENTS

    shapes = _shapes()
    taken = {s.node for s in _taken(shapes)}
    for shape in set(shapes.objects(None, SH.property)):
        path = shapes.value(shape, SH.path)
        plain = isinstance(path, URIRef) or isinstance(shapes.value(path, SH.inversePath), URIRef)
        parameters = set(shapes.predicates(shape, None)) - _DESCRIPTIVE
        qualified = list(shapes.objects(shape, SH.qualifiedValueShape))
        if qualified and all(set(shapes.predicates(q, None)) <= {RDF.type, SH["class"]} for q in qualified):
            parameters -= _QUALIFIED  # counted by class alone
        assert (shape in taken) == (plain and parameters <= COMPONENTS), _name(shape)
    assert taken, "no packaged property shape is evaluated on the store"


def _invalid_cases() -> list[str]:
    taken = {_name(s.node) for s in _taken(_shapes())}
    return sorted(name for name in shape_cases.SPECS if name in taken)


@pytest.mark.parametrize("name", _invalid_cases())
def test_the_invalid_case_of_each_shape_taken_gives_the_same_report(name, tmp_path):
    from exitkg.graph.local import load

    case = tmp_path / "case.ttl"
    case.write_text(shape_cases.build(name, "invalid"), encoding="utf-8")
    results = _compare(load(only=[case]))
    assert any(r.shape == EKGSH + name for r in results), "the invalid case gives no result of its shape"


def _w3c_tests() -> list:
    sys.path.insert(0, str(REPO_ROOT / "tests" / "checks"))
    import test_w3c_shacl
    from exitkg.checks import shacl_core
    from exitkg.checks.validate import shapes_graph
    from exitkg.core.errors import InputError

    found = []
    for name, data, shapes, _, _ in test_w3c_shacl.TESTS:
        try:
            graph = shapes_graph([shapes], base=test_w3c_shacl._iri(shapes))
        except InputError:
            continue
        if shacl_core.take_over(graph, graph)[1]:
            found.append(pytest.param(data, shapes, test_w3c_shacl._iri, id=name))
    return found


@pytest.mark.parametrize("data, shapes, iri", _w3c_tests())
def test_w3c_tests_give_the_same_report(data, shapes, iri):
    from exitkg.graph.local import load

    _compare(load(only=[data], ontology=False, base=iri(data)), shapes=[shapes], base=iri(shapes))


def test_w3c_tests_reach_the_store_path():
    assert len(_w3c_tests()) >= 20


def _injected(path, copies: int, seed: int = 7):
    """Scaled evidence with violations injected on the paths of the shapes taken: a value dropped,
    or one added (a string, a blank node described by a triple, an untyped IRI)."""
    import pyoxigraph as ox

    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import scaled

    predicates = {ox.NamedNode(str(s.predicate)) for s in _taken(_shapes())}
    rng = random.Random(seed)
    out = []
    for n, t in enumerate(scaled.evidence_triples(copies, variants=2)):
        if t.predicate not in predicates or rng.random() >= 0.03:
            out.append(t)
            continue
        action = rng.randrange(4)
        if action:
            out.append(t)
        if action == 1:
            out.append(ox.Triple(t.subject, t.predicate, ox.Literal(f"injected {n}")))
        elif action == 2:
            b = ox.BlankNode(f"injected{n}")
            out.append(ox.Triple(t.subject, t.predicate, b))
            out.append(ox.Triple(b, ox.NamedNode("http://example.org/says"), ox.Literal("x", language="en")))
        elif action == 3:
            out.append(ox.Triple(t.subject, t.predicate, ox.NamedNode(f"http://example.org/untyped/{n}")))
    ox.serialize(out, str(path), format=ox.RdfFormat.N_TRIPLES)
    return path


def test_scaled_evidence_with_violations_gives_the_same_report(tmp_path):
    from exitkg.graph.local import load

    results = _compare(load(only=[_injected(tmp_path / "evidence.nt", 3)]))
    taken = {str(s.node) for s in _taken(_shapes())}
    components = {r.component for r in results if r.shape in taken}
    for kind in ("MinCount", "MaxCount", "Datatype", "Class", "In"):
        assert f"{SH}{kind}ConstraintComponent" in components, f"no {kind} result to compare"
    assert any(r.value and r.value.startswith("_:") for r in results if r.shape in taken), "no blank value"


EDGE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Person a rdfs:Class , sh:NodeShape ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ] ,
                [ sh:path [ sh:inversePath ex:knows ] ; sh:class ex:Person ; sh:severity sh:Warning ] ,
                ex:Person-age .
ex:Person-age sh:path ex:age ; sh:maxInclusive 150 ; sh:nodeKind sh:Literal ; sh:message "an age"@en .
ex:Knower a sh:NodeShape ; sh:targetSubjectsOf ex:knows ;
    sh:property [ sh:path ex:knows ; sh:in ( ex:a ex:b ) ; sh:pattern "^http" ] .
ex:Named sh:path ex:name ; sh:targetNode ex:a , ex:z ; sh:minLength 2 ; sh:hasValue "Ann" .
ex:Nested a sh:NodeShape ; sh:targetNode ex:a ; sh:node ex:Inner .
ex:Inner a sh:NodeShape ; sh:property ex:Inner-age .
ex:Inner-age sh:path ex:age ; sh:minCount 3 .
ex:Shared1 a sh:NodeShape ; sh:targetNode ex:a ; sh:property ex:Twice .
ex:Shared2 a sh:NodeShape ; sh:targetNode ex:a ; sh:property ex:Twice .
ex:Twice sh:path ex:age ; sh:maxCount 0 .
"""

EDGE_DATA = """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a a ex:Person ; ex:name "A" , "Ann"@en ; ex:age 200 , ex:old ; ex:knows ex:b , _:n .
ex:b a ex:Student ; ex:knows ex:a .
ex:Student <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:Person .
_:n a ex:Person ; ex:name 7 ; ex:knows ex:c .
_:m ex:knows ex:a ; ex:note [ ex:deep "x" ] .
"""


def test_edges_give_the_same_report(tmp_path):
    """Blank property shapes and focus nodes, an inverse path, a node shape that is its class (its
    subclasses' instances too), a property shape of its own targets, generic messages and a
    warning are evaluated on the store; a shape used through ``sh:node`` and one held by two node
    shapes are left to pySHACL. The reports agree."""
    from exitkg.checks.validate import shapes_graph
    from exitkg.graph.local import load

    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(EDGE_SHAPES, encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text(EDGE_DATA, encoding="utf-8")
    shapes = shapes_graph([shapes_file])
    graph = load(only=[data], ontology=False)
    taken = _taken(shapes, graph)
    named = {str(s.node).rsplit("/", 1)[-1] for s in taken if not isinstance(s.node, BNode)}
    assert named == {"Person-age", "Named"}
    assert len(taken) == 5
    assert any(s.inverse for s in taken)
    results = _compare(graph, shapes=[shapes_file])
    components = {r.component.rsplit("#", 1)[1] for r in results}
    assert {"MinCountConstraintComponent", "MaxCountConstraintComponent", "DatatypeConstraintComponent",
            "ClassConstraintComponent", "MaxInclusiveConstraintComponent", "NodeKindConstraintComponent",
            "InConstraintComponent", "MinLengthConstraintComponent", "HasValueConstraintComponent",
            "NodeConstraintComponent"} <= components
    assert any(r.focus.startswith("_:") for r in results), "no blank focus node"
    assert any(r.severity == "Warning" for r in results)


def test_a_result_dropped_or_given_twice_is_seen(tmp_path, monkeypatch):
    """The comparison above fails when the store's path loses a result or repeats one."""
    from exitkg.checks import shacl_core
    from exitkg.graph.local import load

    case = tmp_path / "case.ttl"
    case.write_text(shape_cases.build(_invalid_cases()[0], "invalid"), encoding="utf-8")
    graph = load(only=[case])
    original = shacl_core.evaluate

    def again(found):  # the first result once more, as a result of its own
        if not found:
            return found
        severity, triples = found[0]
        node = BNode()
        return found + [(severity, [(node if s == triples[0][0] else s, p, o) for s, p, o in triples])]

    for change in (lambda found: found[1:], again):
        monkeypatch.setattr(shacl_core, "evaluate", lambda *args, change=change: change(original(*args)))
        with pytest.raises(AssertionError):
            _compare(graph)
    monkeypatch.setattr(shacl_core, "evaluate", original)
    _compare(graph)


def test_the_switch_leaves_every_shape_to_pyshacl(monkeypatch):
    import exitkg
    from exitkg.checks import shacl_core
    from exitkg.checks.validate import validate

    given = []
    original = shacl_core.evaluate
    monkeypatch.setattr(shacl_core, "evaluate", lambda graph, taken, *args: given.append(len(taken)) or
                        original(graph, taken, *args))
    graph = exitkg.load()
    validate(graph)
    validate(graph, core_on_store=False)
    validate(graph, abort_on_first=True)
    assert given[0] > 0 and given[1:] == [0, 0]


def test_pyshacl_is_given_only_what_the_shapes_left_to_it_can_read(tmp_path):
    """With every packaged property shape on the store, the copy for pySHACL holds the statements of
    the predicates its shapes can read, not those of others (a linked case's); a shape left to it
    that could read any statement (``sh:closed``, a SPARQL-based constraint) has it given them all."""
    from exitkg.checks import shacl_core, shacl_sparql
    from exitkg.checks.validate import _rdflib_copy, shapes_graph
    from exitkg.graph.local import load

    shapes = _shapes()
    rest, _ = shacl_sparql.take_over(shapes)
    rest, taken = shacl_core.take_over(shapes, rest, shacl_sparql.targeted(load().store, shapes))
    predicates = shacl_core.reach(rest, taken, shapes)
    assert predicates is not None and URIRef("https://w3id.org/exitkg/ontology#inSource") in predicates
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/c> <http://example.org/age> 3 ; a <http://example.org/Case> .\n"
                    "_:b <http://example.org/age> 4 .\n", encoding="utf-8")
    copy = _rdflib_copy(load(only=[data], ontology=False), predicates)
    assert len(copy) == 2  # the type, and the blank node's statement
    for extra in ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:closed true .",
                  'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "SELECT $this WHERE {}" ] .'):
        file = tmp_path / "shapes.ttl"
        file.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
                        + extra + "\n", encoding="utf-8")
        other = shapes_graph([file])
        assert shacl_core.reach(other, [], other) is None
