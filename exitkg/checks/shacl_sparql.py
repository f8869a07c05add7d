"""SHACL-SPARQL constraints of node shapes, run on the loaded graph's Oxigraph store.

pySHACL runs a SPARQL-based constraint (``sh:sparql``) through rdflib's engine once per focus
node; on the packaged graph that was half of a validation. :func:`take_over` picks the
constraints whose meaning is plain (a named node shape with explicit targets, a named constraint
with one ``sh:select``, no ``$PATH``, ``$currentShape`` or ``$shapesGraph``, no ``MINUS``,
``VALUES``, ``SERVICE`` or subquery, no ``$this`` where the store's pre-binding would leave it
unbound, nothing deactivated), and leaves every other constraint to pySHACL. :func:`evaluate`
runs the picked ones on the store, the focus node pre-bound as ``$this`` by substitution
(SHACL's pre-binding, SEP-0007), and writes each solution as a validation result in the form
pySHACL gives: the same focus node, value (the focus node when ``?value`` is unbound), path,
severity, source shape, source constraint, component and messages, ``{?var}`` and ``{$var}``
filled in from the solution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from exitkg.core.errors import InputError, one_line

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_REFERENCES = (SH.node, SH["not"], SH.qualifiedValueShape, SH.property)
_LISTS = (SH["and"], SH["or"], SH.xone)
_UNSUPPORTED = re.compile(r"\$PATH\b|[$?](currentShape|shapesGraph)\b|\b(MINUS|VALUES|SERVICE)\b", re.I)
_THIS = re.compile(r"[$?]this\b")
#: Oxigraph substitutes only a variable of the projection
_PROJECTS_THIS = re.compile(r"\bSELECT\s+(DISTINCT\s+|REDUCED\s+)?(\*|[^{]*?[$?]this\b)", re.I)
#: what may hide a brace, a parenthesis or a variable: strings, IRIs and comments
_OPAQUE = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                     r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_TOKEN = re.compile(r"[{}()]|\bBOUND\s*\(\s*[$?]this\s*\)|[$?]this\b|\bBIND\b", re.I)


def _this_pre_bindable(text: str) -> bool:
    """Whether the store's pre-binding of ``$this`` means what SHACL's does (SEP-0007: every
    ``$this`` the focus node) in this query: Oxigraph joins the binding to the query's solutions,
    so ``$this`` reads as unbound in a ``BIND`` before any pattern binds it and in ``bound($this)``;
    those, ``$this`` in an expression of the projection or of a nested group, and after the
    ``WHERE`` group (``GROUP BY``, ``ORDER BY``), are left to pySHACL, which substitutes it."""
    depth = 0
    opened = False
    parens = [0]  # the open parentheses at each brace depth
    bind_at = None  # (depth, parentheses) of the BIND being read
    for token in _TOKEN.finditer(_OPAQUE.sub(" ", text)):
        word = token.group().upper()
        if word == "{":
            if opened and depth == 0:
                return False  # a second group after the WHERE clause: not a plain query
            depth, opened = depth + 1, True
            parens.append(0)
        elif word == "}":
            if depth == 0:
                return False  # unbalanced: pySHACL reports it
            depth -= 1
            parens.pop()
        elif word == "(":
            parens[-1] += 1
        elif word == ")":
            parens[-1] -= 1
            if bind_at == (depth, parens[-1]):
                bind_at = None
        elif word == "BIND":
            bind_at = (depth, parens[-1])
        elif word.startswith("BOUND"):
            return False
        elif opened and depth == 0:
            return False  # after the WHERE group
        elif bind_at is not None or (parens[-1] and depth != 1):
            return False  # in a BIND, in an expression of the projection or of a nested group
    return True


_BATCH_TOKEN = re.compile(r"[{}()]|\bEXISTS\b|[$?]this\b", re.I)
#: what makes a query's solutions depend on the other focus nodes of a batch
_WHOLE_ANSWER = re.compile(r"\b(GROUP\s+BY|HAVING|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b", re.I)


def _masked(text: str) -> str:
    """*text* with its strings, IRIs and comments blanked out, each character for a space."""
    return _OPAQUE.sub(lambda m: " " * len(m.group()), text)


def _batchable(text: str) -> bool:
    """Whether the query of a constraint taken over (:func:`take_over`) gives for each focus node,
    with ``VALUES ?this`` over many focus nodes first in its ``WHERE`` group, the solutions it gives
    with that one node pre-bound: SHACL's substitution of ``$this`` (SHACL 1.0, 5.3.1) and the
    join with ``VALUES`` agree wherever ``$this`` is used in the ``WHERE`` group itself, anywhere in
    an ``EXISTS`` of a group that binds ``$this``, and in a triple pattern of a group directly in
    the ``WHERE`` group (a ``UNION`` branch, an ``OPTIONAL``), or in an expression of such a group
    that also binds ``$this`` in a triple pattern. Elsewhere (a ``FILTER`` of a nested group that
    binds no ``$this``, a deeper group) the join would see ``$this`` unbound where substitution
    does not; nor is a query batched whose answer is counted, grouped, cut or ordered (an aggregate,
    a solution modifier after the ``WHERE`` group), or whose projection computes a value."""
    masked = _masked(text)
    select = re.search(r"\bSELECT\b", masked, re.I)
    if select is None or _WHOLE_ANSWER.search(masked):
        return False
    opening = masked.find("{", select.end())
    if opening < 0 or "(" in masked[select.end():opening]:
        return False
    frames: list[dict] = []  # each open group: its kind, whether it binds $this, whether it needs to
    exists = False
    closed = False
    for token in _BATCH_TOKEN.finditer(masked, opening):
        word = token.group().upper()
        if closed:
            return False  # anything after the WHERE group
        if word == "EXISTS":
            exists = True
        elif word == "{":
            kind = "where" if not frames else "exists" if exists else "group"
            frames.append({"kind": kind, "binds": False, "needs": False, "parens": 0})
            exists = False
        elif word == "}":
            frame = frames.pop()
            if frame["kind"] == "group" and frame["needs"] and not frame["binds"]:
                return False
            closed = not frames
            if closed and masked[token.end():].strip():
                return False  # a solution modifier (ORDER BY ...)
        elif word == "(":
            frames[-1]["parens"] += 1
        elif word == ")":
            frames[-1]["parens"] -= 1
        else:  # $this
            outer = next((i for i, f in enumerate(frames) if f["kind"] == "exists"), None)
            if outer is not None:  # in an EXISTS: substituted by the solution of the group holding it
                holder = frames[outer - 1]
                if holder["kind"] == "group":
                    holder["needs"] = True
                continue
            if len(frames) == 1:
                continue
            if len(frames) > 2:
                return False
            if frames[-1]["parens"] or any(f["parens"] for f in frames[:-1] if f["kind"] != "where"):
                frames[-1]["needs"] = True
            else:
                frames[-1]["binds"] = True
    return closed


@dataclass(frozen=True)
class Constraint:
    """One SPARQL-based constraint of a node shape, with what is needed to run and report it."""

    shape: URIRef
    node: URIRef
    query: str
    severity: Node  # an IRI, as the shapes state it
    messages: tuple
    shape_messages: tuple
    binds_this: bool
    #: whether one query may answer for many focus nodes at once (:func:`_batchable`)
    batchable: bool = False


def _is_true(graph: Graph, node, predicate) -> bool:
    value = graph.value(node, predicate)
    return isinstance(value, Literal) and value.toPython() is True


def _referenced(shapes: Graph) -> set:
    used: set[Node] = set()
    for predicate in _REFERENCES:
        used.update(shapes.objects(None, predicate))
    for predicate in _LISTS:
        for head in shapes.objects(None, predicate):
            try:
                used.update(Collection(shapes, head))
            except Exception:  # a malformed list: let pySHACL report it
                return set(shapes.all_nodes())
    return used


def _prefixes(shapes: Graph, constraint) -> str | None:
    """The PREFIX lines of *constraint*'s ``sh:prefixes`` (None when they are not plain)."""
    ontology_declares: set[Node] = set()
    for ontology in shapes.subjects(RDF.type, OWL.Ontology):
        ontology_declares.update(shapes.objects(ontology, SH.declare))
    declared: dict[str, str] = {}
    for holder in shapes.objects(constraint, SH.prefixes):
        for declare in set(shapes.objects(holder, SH.declare)) | ontology_declares:
            prefix = shapes.value(declare, SH.prefix)
            namespace = shapes.value(declare, SH.namespace)
            if not isinstance(prefix, Literal) or namespace is None:
                return None
            if declared.get(str(prefix), str(namespace)) != str(namespace):
                return None  # a clash: pySHACL reports it
            declared[str(prefix)] = str(namespace)
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(declared.items()))


def take_over(shapes: Graph) -> tuple[Graph, list[Constraint]]:
    """Split *shapes* into a shapes graph for pySHACL and the constraints run here.

    The returned graph is *shapes* without the ``sh:sparql`` links of the constraints taken; it is
    *shapes* itself when none is taken.
    """
    referenced = _referenced(shapes)
    taken: list[Constraint] = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        if not isinstance(shape, URIRef) or not isinstance(constraint, URIRef) or shape in referenced:
            continue
        if (shape, SH.path, None) in shapes or (shape, SH.target, None) in shapes:
            continue
        if any((shape, RDF.type, kind) in shapes for kind in (RDFS.Class, OWL.Class)):
            continue  # implicit class targets: left to pySHACL
        if not any((shape, t, None) in shapes for t in _TARGETS):
            continue
        if _is_true(shapes, shape, SH.deactivated) or (constraint, SH.deactivated, None) in shapes:
            continue
        selects = list(shapes.objects(constraint, SH.select))
        if len(selects) != 1 or (constraint, SH.ask, None) in shapes:
            continue
        text = selects[0]
        if not isinstance(text, Literal) or not isinstance(text.value, str):
            continue
        if _UNSUPPORTED.search(text) or len(re.findall(r"\bSELECT\b", text, re.I)) != 1:
            continue
        if _THIS.search(text) and not (_PROJECTS_THIS.search(text) and _this_pre_bindable(text)):
            continue
        messages = tuple(shapes.objects(constraint, SH.message))
        shape_messages = tuple(shapes.objects(shape, SH.message))
        if not all(isinstance(m, Literal) and isinstance(m.value, str) for m in messages + shape_messages):
            continue
        prefixes = _prefixes(shapes, constraint)
        if prefixes is None:
            continue
        severities = list(shapes.objects(shape, SH.severity))
        if len(severities) > 1:
            continue
        taken.append(Constraint(
            shape=shape, node=constraint, query=prefixes + str(text),
            severity=severities[0] if severities else SH.Violation,
            messages=messages, shape_messages=shape_messages, binds_this=bool(_THIS.search(text)),
            batchable=_batchable(str(text)),
        ))
    if not taken:
        return shapes, []
    rest = Graph()
    for prefix, namespace in shapes.namespaces():
        rest.bind(prefix, namespace, override=True)
    links = {(c.shape, SH.sparql, c.node) for c in taken}
    for triple in shapes:
        if triple not in links:
            rest.add(triple)
    return rest, taken


def _focus_nodes(store, shapes: Graph, shape) -> list:
    import pyoxigraph as ox

    from exitkg.rdf.terms import to_oxigraph

    found: dict = {}

    def select(text: str, term) -> None:
        for row in store.query(text, substitutions={ox.Variable("t"): to_oxigraph(term)}):
            found.setdefault(row["this"], None)

    for cls in shapes.objects(shape, SH.targetClass):
        # rdf:type/rdfs:subClassOf* ?t, as the subclasses of ?t first, then the instances of each:
        # the path in one query is planned before ?t is known, and reads every typed node
        subclasses = store.query(
            "SELECT DISTINCT ?c ?t WHERE { ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?t }",
            substitutions={ox.Variable("t"): to_oxigraph(cls)})
        for sub in [row["c"] for row in subclasses]:
            select("SELECT ?this ?t WHERE { ?this <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?t }", sub)
    for node in shapes.objects(shape, SH.targetNode):
        found.setdefault(to_oxigraph(node), None)
    for predicate in shapes.objects(shape, SH.targetSubjectsOf):
        select("SELECT DISTINCT ?this ?t WHERE { ?this ?t ?o }", predicate)
    for predicate in shapes.objects(shape, SH.targetObjectsOf):
        select("SELECT DISTINCT ?this ?t WHERE { ?s ?t ?this }", predicate)
    return list(found)


def targeted(store, shapes: Graph) -> dict:
    """Each shape with explicit targets (``sh:targetClass``, ``sh:targetNode``,
    ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``) and not deactivated -> the set of nodes they
    select in *store* (a pyoxigraph store). Shapes with SPARQL-based or implicit class targets are
    left out."""
    found = {}
    for shape in {s for t in _TARGETS for s in shapes.subjects(t, None)}:
        if _is_true(shapes, shape, SH.deactivated) or (shape, SH.target, None) in shapes:
            continue
        if any((shape, RDF.type, kind) in shapes for kind in (RDFS.Class, OWL.Class)):
            continue
        found[shape] = set(_focus_nodes(store, shapes, shape))
    return found


def _message(text: str, bound: dict) -> str:
    for name, value in bound.items():
        text = re.sub(f"{{[?$]{name}}}", str(value), text)
    return text


#: how many focus nodes one query answers for at most (:func:`evaluate`): bounds the memory of an answer
BATCH = 500


def _in_values(term) -> bool:
    """Whether *term* (pyoxigraph) can be written in a ``VALUES`` block: an IRI or a literal."""
    import pyoxigraph as ox

    return isinstance(term, (ox.NamedNode, ox.Literal))


def _with_values(query: str, nodes: list) -> str:
    """*query* with ``VALUES ?this { ... }`` over *nodes* first in its ``WHERE`` group."""
    masked = _masked(query)
    select = re.search(r"\bSELECT\b", masked, re.I)
    assert select is not None  # a constraint taken over has one SELECT
    opening = masked.index("{", select.end()) + 1
    return query[:opening] + " VALUES ?this { " + " ".join(map(str, nodes)) + " } " + query[opening:]


def evaluate(graph, constraints: list[Constraint], focus: dict, namespaces=(), *, batch: bool = True) -> list[tuple]:
    """Run *constraints* on *graph* (a :class:`~exitkg.graph.local.KnowledgeGraph`); the validation
    results as ``(severity, triples)``, each triple list describing one ``sh:ValidationResult``.

    *namespaces* are the (prefix, namespace) pairs of the data graph given to pySHACL: rdflib
    lets a constraint use them undeclared, so they are declared here too, after the constraint's
    own ``sh:prefixes``. *focus* maps each shape to its focus nodes (:func:`targeted`).

    With *batch*, a constraint whose query does not use ``$this`` runs once for all its focus
    nodes, and one that allows it (:func:`_batchable`) once for each :data:`BATCH` of them, with
    ``VALUES ?this`` over the batch (blank nodes and triple terms, which ``VALUES`` cannot hold,
    one by one); without, every constraint runs once per focus node, the node pre-bound. The
    results are the same either way."""
    import pyoxigraph as ox

    from exitkg.rdf.terms import to_rdflib

    store = graph.store
    restore: dict = {}
    for (_, stored), original in graph.restore.items():
        restore.setdefault(stored, set()).add(original)
    this = ox.Variable("this")

    def term(value):
        if isinstance(value, ox.Literal) and value in restore and len(restore[value]) == 1:
            value = next(iter(restore[value]))
        return to_rdflib(value)

    def run(c: Constraint, query: str, substitutions=None):
        try:
            return store.query(query, substitutions=substitutions)
        except SyntaxError as exc:
            raise InputError(f"SHACL validation could not run: the SPARQL of {c.node}: {one_line(exc)}") from None

    results: list[tuple] = []
    for c in constraints:
        declared = set(re.findall(r"^PREFIX (\S*):", c.query, re.M))
        query = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(namespaces)
                        if p and p not in declared and re.fullmatch(r"[A-Za-z][\w.-]*", p)) + c.query
        targets = sorted(focus.get(c.shape, ()), key=str)
        if batch and targets and not c.binds_this:  # the same answer for every focus node
            answer = run(c, query)
            names = [v.value for v in answer.variables]
            solutions = [{n: term(solution[n]) for n in names if solution[n] is not None} for solution in answer]
            for target in targets:
                results.extend(_results(c, to_rdflib(target), [dict(s) for s in solutions]))
            continue
        if batch and c.batchable:
            together = [t for t in targets if _in_values(t)]
            targets = [t for t in targets if not _in_values(t)]
            for start in range(0, len(together), BATCH):
                chunk = together[start:start + BATCH]
                answer = run(c, _with_values(query, chunk))
                names = [v.value for v in answer.variables]
                by_node: dict = {t: [] for t in chunk}
                for solution in answer:
                    by_node[solution[this]].append({n: term(solution[n]) for n in names if solution[n] is not None})
                for target in chunk:
                    results.extend(_results(c, to_rdflib(target), by_node[target]))
        for target in targets:
            answer = run(c, query, {this: target} if c.binds_this else None)
            names = [v.value for v in answer.variables]
            solutions = [{n: term(solution[n]) for n in names if solution[n] is not None} for solution in answer]
            results.extend(_results(c, to_rdflib(target), solutions))
    return results


def _results(c: Constraint, focus_term, solutions: list[dict]) -> list[tuple]:
    """The validation results of constraint *c* for one focus node, from its query's *solutions*
    (each a dict of the bound variables' rdflib terms, in the answer's order)."""
    seen: list = []
    failed = False
    for bound in solutions:
        if bound.pop("failure", None) is not None:
            if failed:
                continue
            failed = True
            seen.append((True, None, None, None, bound))
            continue
        key = (False, bound.pop("this", None), bound.pop("path", None), bound.pop("value", None), bound)
        if key[1:4] != (None, None, None) and key not in seen:
            seen.append(key)
    results = []
    for failure, t, path, value, extra in seen:
        focus_node = t if t is not None else focus_term
        value = value if value is not None else focus_term
        fill = dict(extra)
        if not failure:  # pySHACL fills in only the other variables of a ?failure row
            fill.update({k: v for k, v in (("this", t), ("path", path), ("value", value)) if v is not None})
        node = BNode()
        triples = [
            (node, RDF.type, SH.ValidationResult),
            (node, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent),
            (node, SH.sourceShape, c.shape),
            (node, SH.resultSeverity, c.severity),
            (node, SH.focusNode, focus_node),
            (node, SH.value, value),
            (node, SH.sourceConstraint, c.node),
        ]
        if path is not None:
            triples.append((node, SH.resultPath, path))
        for m in dict.fromkeys(c.messages + c.shape_messages):
            triples.append((node, SH.resultMessage, Literal(_message(str(m.value), fill))))
        results.append((c.severity, triples))
    return results


def add_results(report: Graph, results: list[tuple]) -> None:
    """Add *results* to pySHACL's report graph, and make its ``sh:conforms`` false if any is more
    severe than a warning (pySHACL is run with ``allow_warnings``)."""
    if not results:
        return
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    for _, triples in results:
        report.add((node, SH.result, triples[0][0]))
        for triple in triples:
            report.add(triple)
    if any(severity not in (SH.Warning, SH.Info) for severity, _ in results):
        report.set((node, SH.conforms, Literal(False)))
