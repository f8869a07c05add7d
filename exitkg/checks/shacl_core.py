"""SHACL Core constraints of plain property shapes, evaluated with their value nodes read from the store.

pySHACL evaluates a property shape one focus node at a time: it walks the path in the rdflib
copy of the data for each node, then runs each constraint component on that node's values; at a
million triples this was most of a validation. :func:`take_over` picks the property shapes whose
meaning is plain: an IRI or blank node with one ``sh:path`` that is an IRI or the inverse of one,
held by ``sh:property`` of exactly one node shape and referenced nowhere else, that node shape with
explicit class, subject or IRI node targets, not deactivated, not closed and referenced nowhere
else; the property shape with no targets of its own, at most one severity, and no parameter but
those of the components listed in :data:`COMPONENTS` (each reads nothing of the data but the
values, and ``sh:class`` the types of the values). Those shapes are unlinked from pySHACL's shapes
graph. :func:`evaluate` reads the values of each path for all the focus nodes at once from the
Oxigraph store (one index scan of the predicate), the types of the values and the ``rdfs:subClassOf``
statements, and runs pySHACL's own constraint components on them: the results, their messages
(the shape's ``sh:message``, else pySHACL's generic one) and the report's copies of blank nodes are
pySHACL's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from exitkg.core.errors import InputError

#: the parameters of the components evaluated here: each reads the value nodes alone (``sh:class``
#: also their types and the subclasses)
COMPONENTS = frozenset({
    SH.minCount, SH.maxCount, SH.datatype, SH["class"], SH["in"], SH.pattern, SH.flags, SH.nodeKind,
    SH.hasValue, SH.minLength, SH.maxLength, SH.minInclusive, SH.maxInclusive, SH.minExclusive,
    SH.maxExclusive, SH.languageIn, SH.uniqueLang,
})
#: what else a property shape taken over may state (none of it changes what is checked)
_DESCRIPTIVE = frozenset({
    RDF.type, SH.path, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group,
    SH.defaultValue, RDFS.label, RDFS.comment,
})
#: a qualified cardinality, taken when each qualified value shape is plain (:func:`_plain_qualified`)
_QUALIFIED = frozenset({SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount})
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
#: predicates whose objects are shapes, or lists of shapes
_SHAPE_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)


@dataclass(frozen=True)
class PropertyShape:
    """A property shape taken over: its node, the node shape whose focus nodes it checks, its
    predicate, and whether the path is the inverse of it."""

    node: Node
    owner: Node
    predicate: URIRef
    inverse: bool


def _is_true(graph: Graph, node, predicate) -> bool:
    value = graph.value(node, predicate)
    return isinstance(value, Literal) and value.toPython() is True


def _references(shapes: Graph) -> dict:
    """Each node used as a shape by another -> how many times (``sh:property`` and the rest)."""
    used: dict = {}
    for predicate in _SHAPE_REFERENCES:
        for node in shapes.objects(None, predicate):
            used[node] = used.get(node, 0) + 1
    for predicate in _SHAPE_LISTS:
        for head in shapes.objects(None, predicate):
            try:
                members = list(Collection(shapes, head))
            except Exception:  # a malformed list: let pySHACL report it; nothing is taken
                return {node: 2 for node in shapes.all_nodes()}
            for node in members:
                used[node] = used.get(node, 0) + 2  # never a plain sh:property
    return used


def _owner_plain(shapes: Graph, owner, references: dict, focus: dict, path: bool = False) -> bool:
    """Whether pySHACL evaluates the shape *owner* exactly on the focus nodes of its targets, and
    nowhere else, none of them a literal (a literal may be stored in another form than the
    input's): those of *focus* (:func:`exitkg.checks.shacl_sparql.targeted`), or, for a node shape
    that is a class (:func:`_implicit`), those :func:`_focus` finds."""
    if not isinstance(owner, (URIRef, BNode) if path else URIRef) or references.get(owner):
        return False
    if (owner, SH.path, None) in shapes and not path:
        return False
    if (owner, SH.target, None) in shapes:
        return False
    implicit = _implicit(shapes, owner)
    if implicit and path:
        return False  # a property shape that is a class: left to pySHACL
    if implicit or owner not in focus:
        if (owner, SH.targetObjectsOf, None) in shapes or \
                any(isinstance(n, Literal) for n in shapes.objects(owner, SH.targetNode)):
            return False
    elif any(isinstance(n, Literal) for n in focus[owner]) or \
            any(isinstance(n, Literal) for n in shapes.objects(owner, SH.targetNode)):
        return False
    if not implicit and not any((owner, t, None) in shapes
                                for t in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)):
        return False
    if (owner, SH.deactivated, None) in shapes or (owner, SH.closed, None) in shapes:
        return False
    return True


def _plain_qualified(shapes: Graph, shape) -> bool:
    """Whether the qualified cardinality of *shape* counts values by their classes alone: each
    ``sh:qualifiedValueShape`` a shape of ``sh:class`` and nothing else (a type at most), not
    deactivated, with no targets, and the values not asked to be disjoint."""
    if (shape, SH.qualifiedValueShapesDisjoint, None) in shapes:
        return False
    inner = list(shapes.objects(shape, SH.qualifiedValueShape))
    if not inner or not any((shape, p, None) in shapes for p in (SH.qualifiedMinCount, SH.qualifiedMaxCount)):
        return False
    for q in inner:
        predicates = set(shapes.predicates(q, None))
        if SH["class"] not in predicates or predicates - {RDF.type, SH["class"]}:
            return False
    return True


def _implicit(shapes: Graph, shape) -> bool:
    """Whether *shape* is a class, so targets its instances (SHACL 2.1.3.3), as pySHACL reads it: a
    type of it is ``rdfs:Class``, ``owl:Class`` or stated a subclass of ``rdfs:Class``."""
    classes = {RDFS.Class, OWL.Class, *shapes.subjects(RDFS.subClassOf, RDFS.Class)}
    return any(t in classes for t in shapes.objects(shape, RDF.type))


def _path(shapes: Graph, shape) -> tuple[URIRef, bool] | None:
    paths = list(shapes.objects(shape, SH.path))
    if len(paths) != 1:
        return None
    path = paths[0]
    if isinstance(path, URIRef):
        return path, False
    if isinstance(path, BNode) and set(shapes.predicate_objects(path)) and \
            len(list(shapes.predicate_objects(path))) == 1:
        inner = shapes.value(path, SH.inversePath)
        if isinstance(inner, URIRef):
            return inner, True
    return None


def take_over(shapes: Graph, pyshacl_shapes: Graph, focus: dict | None = None) -> tuple[Graph, list[PropertyShape]]:
    """The property shapes of *shapes* evaluated here, and *pyshacl_shapes* (the shapes graph
    pySHACL is to read, *shapes* or a copy of it) without the ``sh:property`` links to them (and
    the targets of a property shape of its own targets): a new graph when any is taken,
    *pyshacl_shapes* itself otherwise. *focus* (:func:`exitkg.checks.shacl_sparql.targeted` on the
    data) tells which shapes target a literal: those are left to pySHACL, and without it, any
    shape that may (``sh:targetObjectsOf``)."""
    focus = focus or {}
    references = _references(shapes)
    custom = {shapes.value(p, SH.path) for p in shapes.objects(None, SH.parameter)}
    taken: list[PropertyShape] = []
    # the property shapes of node shapes, then those with targets of their own
    candidates = [(owner, shape) for owner, shape in sorted(shapes.subject_objects(SH.property))
                  if references.get(shape) == 1 and shape != owner and _owner_plain(shapes, owner, references, focus)
                  and not any((shape, t, None) in shapes for t in _TARGETS)]
    candidates += [(shape, shape) for shape in sorted({s for t in _TARGETS for s in shapes.subjects(t, None)}, key=str)
                   if (shape, SH.path, None) in shapes and _owner_plain(shapes, shape, references, focus, path=True)]
    for owner, shape in candidates:
        if _implicit(shapes, shape):
            continue
        predicates = set(shapes.predicates(shape, None))
        if owner == shape:
            predicates -= set(_TARGETS)
        qualified = bool(predicates & _QUALIFIED)
        if qualified and not _plain_qualified(shapes, shape):
            continue
        predicates -= _QUALIFIED
        if not (predicates & COMPONENTS or qualified) or predicates - COMPONENTS - _DESCRIPTIVE \
                or predicates & custom:
            continue
        if len(list(shapes.objects(shape, SH.severity))) > 1:
            continue
        if any(p in custom or p == RDF.first or p in _SHAPE_REFERENCES and (p != SH.property or owner == shape)
               for p in shapes.predicates(None, shape)):
            continue  # used as a shape by something else (a list, a parameter): left to pySHACL
        path = _path(shapes, shape)
        if path is None:
            continue
        taken.append(PropertyShape(node=shape, owner=owner, predicate=path[0], inverse=path[1]))
    if not taken:
        return pyshacl_shapes, []
    rest = Graph()
    for prefix, namespace in pyshacl_shapes.namespaces():
        rest.bind(prefix, namespace, override=True)
    links = {(s.owner, SH.property, s.node) for s in taken if s.owner != s.node}
    targeting = {s.node for s in taken if s.owner == s.node}  # its targets unlinked: no focus node
    for triple in pyshacl_shapes:
        if triple not in links and not (triple[0] in targeting and triple[1] in _TARGETS):
            rest.add(triple)
    return rest, taken


@contextmanager
def _given_values(values: dict, classes: dict) -> Iterator[None]:
    """While in this block, a pySHACL shape whose id is a key of *values* takes its value nodes from
    there (focus node -> set of values) instead of walking its path in the data graph, and a
    qualified value shape whose id is a key of *classes* (its classes, :func:`_plain_qualified`)
    tells whether a node conforms with no result (those of a qualified value shape are dropped)."""
    from pyshacl.shape import Shape

    original, validate = Shape.value_nodes, Shape.validate

    def value_nodes(self, target_graph, focus, sparql_mode: bool = False, debug: bool = False):
        given = values.get(id(self))
        if given is None:
            return original(self, target_graph, focus, sparql_mode=sparql_mode, debug=debug)
        return given

    def conforms(self, executor, target_graph, focus=None, _evaluation_path=None):
        rules = classes.get(id(self))
        if rules is None or isinstance(focus, (list, tuple, set)):
            return validate(self, executor, target_graph, focus, _evaluation_path)
        return all(_has_class(target_graph, focus, c) for c in rules), []

    Shape.value_nodes = value_nodes  # type: ignore[method-assign]  # patched here, restored below
    Shape.validate = conforms  # type: ignore[method-assign]
    try:
        yield
    finally:
        Shape.value_nodes = original  # type: ignore[method-assign]
        Shape.validate = validate  # type: ignore[method-assign]


def _has_class(data: Graph, node, cls) -> bool:
    """pySHACL's test of ``sh:class`` (``ClassConstraintComponent``) for one value node."""
    if isinstance(node, Literal):
        return False
    for ctype in data.objects(node, RDF.type):
        if ctype == cls or cls in data.transitive_objects(ctype, RDFS.subClassOf):
            return True
    return False


def evaluate(graph, taken: list[PropertyShape], focus: dict, shapes: Graph, report: Graph | None = None) -> list[tuple]:
    """Evaluate the property shapes *taken* on *graph* (a
    :class:`~exitkg.graph.local.KnowledgeGraph`), each on the focus nodes of its node shape
    (*focus*: :func:`exitkg.checks.shacl_sparql.targeted`); the validation results as
    ``(severity, triples)``, as :func:`exitkg.checks.shacl_sparql.evaluate` gives them; a blank node
    that pySHACL's *report* has copied already is not copied again."""
    if not taken:
        return []
    import pyoxigraph as ox
    from pyshacl.pytypes import SHACLExecutor
    from pyshacl.shapes_graph import ShapesGraph

    from exitkg.rdf.files import bind_prefixes
    from exitkg.rdf.terms import to_oxigraph, to_rdflib

    store = graph.store
    default = ox.DefaultGraph()
    restore = graph.restore
    stored = {literal for _, literal in restore}
    # what pySHACL's components read of the data: the types of the values of sh:class shapes and the
    # subclasses, and every blank node they may name in a message or the report, with what it says
    data = Graph()
    bind_prefixes(data, graph.prefixes)
    own = Graph()  # pySHACL's shapes graph object adds its system statements to the graph it reads
    for prefix, namespace in shapes.namespaces():
        own.bind(prefix, namespace, override=True)
    for triple in shapes:
        own.add(triple)
    sg = ShapesGraph(own)
    sg.shapes  # noqa: B018  (builds pySHACL's shapes)
    conv: dict = {}

    def term(value):
        converted = conv.get(value)
        if converted is None:
            converted = conv[value] = to_rdflib(value)
        return converted

    pairs: dict = {}  # (predicate, inverse) -> [(focus side, value side)], read once for all shapes
    typed: set = set()
    subclasses = False
    blank: set = set()
    values: dict = {}
    classes: dict = {}
    plans = []
    for s in taken:
        shape = sg.lookup_shape_from_node(s.node)
        targets = focus.get(s.owner, ()) if s.owner in focus else _focus(store, shapes, s.owner)
        if not targets:
            continue
        key = (s.predicate, s.inverse)
        if key not in pairs:
            predicate = to_oxigraph(s.predicate)
            quads = store.quads_for_pattern(None, predicate, None, default)
            if s.inverse:
                pairs[key] = [(q.object, q.subject) for q in quads]
            else:  # typed literals in the form their input wrote them, as in the copy pySHACL reads
                pairs[key] = [(q.subject, restore.get((predicate, q.object), q.object) if q.object in stored
                               else q.object) for q in quads]
        found: dict = {t: set() for t in targets}
        for node, value in pairs[key]:
            if node in found:
                found[node].add(value)
        inner = list(shapes.objects(s.node, SH.qualifiedValueShape))
        for q in inner:
            classes[id(sg.lookup_shape_from_node(q))] = tuple(shapes.objects(q, SH["class"]))
        if (s.node, SH["class"], None) in shapes or inner:
            if not subclasses:
                subclasses = True
                sub = ox.NamedNode(str(RDFS.subClassOf))
                for q in store.quads_for_pattern(None, sub, None, default):
                    data.add((term(q.subject), RDFS.subClassOf, term(q.object)))
            kind = ox.NamedNode(str(RDF.type))
            for value in {v for vs in found.values() for v in vs if not isinstance(v, ox.Literal)} - typed:
                typed.add(value)
                for q in store.quads_for_pattern(value, kind, None, default):
                    data.add((term(value), RDF.type, term(q.object)))
        blank.update(t for t in targets if isinstance(t, ox.BlankNode))
        blank.update(v for vs in found.values() for v in vs if isinstance(v, ox.BlankNode))
        values[id(shape)] = {term(t): {term(v) for v in vs} for t, vs in found.items()}
        plans.append((shape, list(values[id(shape)])))
    _describe(store, blank, data)
    executor = SHACLExecutor(advanced_mode=True, allow_warnings=True)
    reports: list = []
    try:
        with _given_values(values, classes):
            for shape, focus_list in plans:
                reports.extend(shape.validate(executor, data, focus=focus_list)[1])
    except Exception as exc:  # as exitkg.checks.validate reports pySHACL's errors
        if (type(exc).__module__ or "").startswith("pyshacl") or isinstance(exc, (ValueError, SyntaxError)):
            raise InputError(f"SHACL validation could not run: {type(exc).__name__}: {exc}") from None
        raise
    return _report_triples(reports, report)


def _focus(store, shapes: Graph, owner) -> list:
    """The focus nodes of the node shape *owner* whose own class it is as well
    (:func:`_implicit`): those of its explicit targets and the instances of it and of its subclasses."""
    from exitkg.checks.shacl_sparql import _focus_nodes

    with_class = Graph()
    for triple in shapes.triples((owner, None, None)):
        if triple[1] in _TARGETS:
            with_class.add(triple)
    with_class.add((owner, SH.targetClass, owner))
    return _focus_nodes(store, with_class, owner)


def _describe(store, nodes: set, data: Graph) -> None:
    """Add to *data* every statement of *store* about the blank *nodes* and the blank nodes they
    name, as in the copy of the data pySHACL reads (its messages and the report describe them)."""
    import pyoxigraph as ox

    from exitkg.rdf.terms import to_rdflib

    default = ox.DefaultGraph()
    seen: set = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for q in store.quads_for_pattern(node, None, None, default):
            data.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
            if isinstance(q.object, ox.BlankNode):
                pending.append(q.object)


def _report_triples(reports: list, report: Graph | None = None) -> list[tuple]:
    """pySHACL's results (description, node, parts) as ``(severity, triples)``, each part's term
    resolved as pySHACL's report does: a blank node of the data or the shapes copied with its id,
    once (not again when *report*, pySHACL's, holds it already)."""
    from pyshacl.rdfutil import clone_blank_node

    results = []
    cloned: dict = {}
    for _, _, parts in reports:
        target = Graph()
        triples = []
        severity = None
        for s, p, o in parts:
            if isinstance(o, tuple):
                source, term = o
                if isinstance(term, BNode):
                    key = (id(source), str(term))
                    if key not in cloned:
                        copied = report is not None and (BNode(str(term)), None, None) in report
                        cloned[key] = BNode(str(term)) if copied else \
                            clone_blank_node(source, term, target, keepid=True)
                    term = cloned[key]
                elif not isinstance(term, Literal):
                    term = URIRef(str(term))
                o = term
            if p == SH.resultSeverity:
                severity = o
            triples.append((s, p, o))
        triples.extend(target)
        results.append((severity, triples))
    return results


#: what pySHACL may read of a shapes graph without reading the data beyond the paths, the types and
#: blank nodes (:func:`reach`): paths, targets of nodes, classes and predicates, and Core
#: components that compare a value with the shapes' own terms
_READS_PATHS = frozenset({
    SH.path, SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
    SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive, SH.minInclusive,
    SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.flags, SH.languageIn,
    SH.uniqueLang, SH["in"], SH.hasValue, SH.node, SH.property, SH["and"], SH["or"], SH["not"], SH.xone,
    SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint,
    SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals,
    SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.deactivated,
    # the text of a SPARQL-based constraint no shape links to any more (:func:`exitkg.checks.shacl_sparql.take_over`)
    SH.select, SH.ask, SH.prefixes, SH.declare, SH.prefix, SH.namespace,
})
#: the property pair components: their values are predicates of the data
_PAIRS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)


def reach(pyshacl_shapes: Graph, taken: list[PropertyShape], shapes: Graph) -> set | None:
    """The predicates of the data pySHACL may read when it validates with *pyshacl_shapes* (what
    :func:`take_over` left it), or None when it may read any: then it is given the whole data.

    pySHACL reads the data graph only to select focus nodes (``rdf:type`` and
    ``rdfs:subClassOf`` for class targets, explicit or implicit; the predicates of
    ``sh:targetSubjectsOf`` and ``sh:targetObjectsOf``), to follow property paths (their IRIs), to
    test ``sh:class`` (types and subclasses again), to compare the values of property pairs
    (``sh:equals`` and the like: their predicates), and to write a blank node of the data into a
    message or the report (everything said of it: every statement of a blank node is copied). The
    shapes it is given may do nothing else: any other SHACL term (a SPARQL-based constraint or
    target still linked, ``sh:closed``, a custom component, a rule) returns None, as do a path that
    is not plain. The paths of the property shapes *taken* are left out (no shape links to them
    any more), except where they count values (``sh:maxCount``, ``sh:qualifiedMaxCount``), whose
    results list the values from the data (:attr:`exitkg.checks.validate.ShaclResult.values`).
    """
    if any(str(p).startswith(str(SH)) and p not in _READS_PATHS for p in set(pyshacl_shapes.predicates())):
        return None
    if (None, SH.sparql, None) in pyshacl_shapes or (None, SH.target, None) in pyshacl_shapes:
        return None
    unlinked = {s.node for s in taken}
    found = {RDF.type, RDFS.subClassOf, RDF.first, RDF.rest}
    starts = [o for s, o in pyshacl_shapes.subject_objects(SH.path) if s not in unlinked]
    starts += [o for p in (SH.targetSubjectsOf, SH.targetObjectsOf, *_PAIRS) for o in pyshacl_shapes.objects(None, p)]
    for s in taken:
        if any((s.node, p, None) in shapes for p in (SH.maxCount, SH.qualifiedMaxCount)):
            found.add(s.predicate)
    seen: set = set()
    while starts:
        node = starts.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, URIRef):
            found.add(node)
        elif isinstance(node, BNode):  # a path's structure: every IRI in it
            starts.extend(pyshacl_shapes.objects(node, None))
        else:
            return None  # a literal where a path or a predicate should be: pySHACL reports it
    return found
