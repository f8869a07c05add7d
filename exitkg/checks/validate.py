"""SHACL validation of the exitkg data against the packaged shapes.

:func:`validate` returns a :class:`ValidationResult`; the ``render_*``
functions turn it into text, JSON or the Turtle SHACL report graph.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from exitkg.core import errors
from exitkg.core.errors import InputError, one_line
from exitkg.rdf.namespaces import PREFIXES, compact, local_name
from exitkg.rdf.files import PathLike, bind_prefixes, rdflib_graph

SH = Namespace("http://www.w3.org/ns/shacl#")

#: how long SHACL-JS code may run, in seconds, unless the caller says (``--js-timeout``)
JS_TIMEOUT = 60.0

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}
#: how many statements SHACL rules may add to the copy of the data (``--max-rule-triples``)
MAX_RULE_TRIPLES = 100_000
_VALUE_DISPLAY_MAX = 80


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result.

    All fields are plain strings. ``focus`` and ``shape`` are IRIs (or
    ``_:id`` for blank nodes); ``path`` is the result path, a bare IRI for a
    simple predicate and SPARQL property-path syntax otherwise; ``value`` is
    the offending value in N-Triples syntax. ``shape`` is the shape id: the IRI
    of a SPARQL-based constraint (sh:sourceConstraint), else of the source
    shape or, when that shape is anonymous, of its nearest named enclosing
    shape. ``component`` is the source constraint component IRI.
    """

    severity: str
    focus: str
    path: str | None
    value: str | None
    shape: str | None
    component: str | None
    message: str
    display: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: for a result that counts values (sh:maxCount, sh:qualifiedMaxCount), which SHACL reports
    #: without sh:value: the values the focus node has on the path, in N-Triples syntax, sorted
    values: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, str | list[str] | None]:
        return {
            "severity": self.severity,
            "focus": self.focus,
            "path": self.path,
            "value": self.value,
            "values": list(self.values),
            "shape": self.shape,
            "component": self.component,
            "message": self.message,
        }

    def sort_key(self) -> tuple:
        return (
            self.focus, self.shape or "", _SEVERITY_ORDER.get(self.severity, 9),
            self.path or "", self.component or "", self.value or "", self.message,
        )


@dataclass
class ValidationResult:
    """Outcome of :func:`validate`: ``conforms`` is true iff every result is a sh:Warning or a
    sh:Info (a sh:Violation, or a severity of the shapes' own, fails). The report graph is SHACL's,
    whose ``sh:conforms`` is false as soon as there is a result (SHACL 3.6.1)."""

    conforms: bool
    results: list[ShaclResult]
    report_graph: Graph
    #: how many distinct nodes the shapes' explicit targets select in the data
    focus_nodes: int = 0
    #: the named shapes whose explicit targets select no node of the data, sorted
    idle_shapes: list[str] = field(default_factory=list)
    #: what pySHACL warned of while validating (a recursive shape it stopped), one line each
    notes: list[str] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    @property
    def violations(self) -> int:
        return self.count("Violation")

    @property
    def warnings(self) -> int:
        return self.count("Warning")

    @property
    def infos(self) -> int:
        return self.count("Info")

    @property
    def exit_code(self) -> int:
        return errors.OK if self.conforms else errors.FAILED

    @property
    def strict_exit_code(self) -> int:
        """As :attr:`exit_code`, and also 1 (failed) for a warning, an info, a shape whose
        targets select no node, or a note (``exitkg validate --strict``)."""
        return errors.FAILED if self.results or self.idle_shapes or self.notes else errors.OK


# --------------------------------------------------------------------------- #
# Rendering of terms and property paths
# --------------------------------------------------------------------------- #

def _full(term: Node) -> str:
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return term.n3()


def _iri(term: Node, prefixes: dict[str, str] | None) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>" if prefixes is None else compact(str(term), prefixes)
    if isinstance(term, BNode):
        return f"_:{term}"
    return term.n3()


def render_path(graph: Graph, node: Node, prefixes: dict[str, str] | None = None) -> str:
    """Render a SHACL property path in SPARQL property-path syntax.

    With *prefixes*, IRIs are compacted (``ekg:quote``); without, they are
    written ``<iri>``.
    """
    def part(n: Node, nested: bool) -> str:
        if isinstance(n, URIRef):
            return _iri(n, prefixes)
        if (n, RDF.first, None) in graph:
            items = [part(i, True) for i in Collection(graph, n)]
            text = "/".join(items)
            return f"({text})" if nested and len(items) > 1 else text
        for predicate, template in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = graph.value(n, predicate)
            if inner is not None:
                return template.format(part(inner, True))
        alternatives = graph.value(n, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(part(i, True) for i in Collection(graph, alternatives)) + ")"
        return _iri(n, prefixes)

    return part(node, False)


def _display_value(term: Node, prefixes: dict[str, str]) -> str:
    if isinstance(term, Literal):
        text = str(term)
        if len(text) > _VALUE_DISPLAY_MAX:
            text = text[: _VALUE_DISPLAY_MAX - 1] + "…"
        rendered = json.dumps(text, ensure_ascii=False)
        if term.language:
            return f"{rendered}@{term.language}"
        if term.datatype is not None:
            return f"{rendered}^^{compact(str(term.datatype), prefixes)}"
        return rendered
    return _iri(term, prefixes)


def _named_shape(shapes: Graph, shape: Node) -> Node:
    """Return *shape* if it is an IRI, else the nearest named shape that contains it."""
    if not isinstance(shape, BNode):
        return shape
    seen: set[Node] = {shape}
    frontier: list[Node] = [shape]
    while frontier:
        next_frontier = []
        for node in frontier:
            for parent in sorted(shapes.subjects(None, node), key=str):
                if isinstance(parent, URIRef):
                    return parent
                if parent not in seen:
                    seen.add(parent)
                    next_frontier.append(parent)
        frontier = next_frontier
    return shape


def _local_name(iri: Node) -> str:
    return local_name(str(iri))


def _rdflib_path(graph: Graph, node: Node):
    """A SHACL property path as an rdflib path (to read the values along it), or None."""
    from rdflib import paths

    if isinstance(node, URIRef):
        return node
    if (node, RDF.first, None) in graph:
        parts = [_rdflib_path(graph, i) for i in Collection(graph, node)]
        return None if None in parts else paths.SequencePath(*parts)
    for predicate, modifier in ((SH.zeroOrMorePath, paths.ZeroOrMore), (SH.oneOrMorePath, paths.OneOrMore),
                                (SH.zeroOrOnePath, paths.ZeroOrOne)):
        inner = graph.value(node, predicate)
        if inner is not None:
            path = _rdflib_path(graph, inner)
            # rdflib types its own modifier constants as str where MulPath wants the literals
            return None if path is None else paths.MulPath(path, modifier)  # type: ignore[arg-type]
    inner = graph.value(node, SH.inversePath)
    if inner is not None:
        path = _rdflib_path(graph, inner)
        return None if path is None else paths.InvPath(path)
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        parts = [_rdflib_path(graph, i) for i in Collection(graph, alternatives)]
        return None if None in parts else paths.AlternativePath(*parts)
    return None


_COUNTING = (SH.MaxCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent)
#: boolean parameters that SHACL reads as true only when they are the literal true
_TRUE_ONLY = (SH.uniqueLang, SH.closed, SH.qualifiedValueShapesDisjoint, SH.deactivated)


def _results_from_report(report: Graph, shapes: Graph, prefixes: dict[str, str],
                         data: Graph | None = None) -> list[ShaclResult]:
    """The results of pySHACL's *report*; with the *data* graph, each result that counts values
    also lists them (:attr:`ShaclResult.values`)."""
    lookup = report + shapes  # result paths may refer to structures in either graph
    results = []
    # the report's own results: those nested under one (sh:detail) explain it, and are not counted
    for node in report.objects(None, SH.result):
        if (node, RDF.type, SH.ValidationResult) not in report:
            continue
        severity = report.value(node, SH.resultSeverity)
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        source_shape = report.value(node, SH.sourceShape)
        component = report.value(node, SH.sourceConstraintComponent)
        messages = sorted({one_line(str(m)) for m in report.objects(node, SH.resultMessage)})
        # A SPARQL-based constraint is identified by its own IRI (sh:sourceConstraint);
        # its sh:sourceShape is the node shape that carries it.
        values: tuple = ()
        if data is not None and component in _COUNTING and focus is not None and path is not None:
            along = _rdflib_path(lookup, path)
            if along is not None:
                values = tuple(sorted(_full(v) for v in data.objects(focus, along)))
        source_constraint = report.value(node, SH.sourceConstraint)
        shape: Node | None
        if isinstance(source_constraint, URIRef):
            shape = source_constraint
        else:
            shape = _named_shape(shapes, source_shape) if source_shape is not None else None
        results.append(ShaclResult(
            severity=_local_name(severity) if severity is not None else "Violation",
            focus=_full(focus) if focus is not None else "",
            path=(str(path) if isinstance(path, URIRef) else render_path(lookup, path)) if path is not None else None,
            value=_full(value) if value is not None else None,
            shape=_full(shape) if shape is not None else None,
            component=_full(component) if component is not None else None,
            message="; ".join(messages),
            values=values,
            display={
                "focus": _iri(focus, prefixes) if focus is not None else "-",
                "path": render_path(lookup, path, prefixes) if path is not None else "-",
                "value": (_display_value(value, prefixes) if value is not None else
                          ", ".join(_display_value(v, prefixes) for v in sorted(data.objects(focus, along), key=_full))
                          if values and data is not None else "-"),
                "shape": _iri(shape, prefixes) if shape is not None else "-",
            },
        ))
    results.sort(key=ShaclResult.sort_key)
    return results


# --------------------------------------------------------------------------- #
# Validation
# --------------------------------------------------------------------------- #

def shapes_graph(paths: Iterable[PathLike] | None = None, *, allow_rules: bool = False,
                 allow_js: bool = False, base: str | None = None) -> Graph:
    """The SHACL shapes as an rdflib graph: the packaged ``shapes/*.ttl``, or the files given,
    their relative IRIs resolved against *base* (an absolute IRI; without it, one is an error).

    Shapes with SHACL-JS (code) are refused unless *allow_js*; shapes with SHACL rules
    (``sh:rule``, which add statements) unless *allow_rules*. With *allow_js*, each JavaScript
    library (``sh:jsLibraryURL``) must be a local file: a path relative to the shapes files'
    folder, an absolute path, or a ``file:`` URL; a library on the web is refused (nothing is
    fetched). In the graph returned, each library is named by its absolute path."""
    from exitkg.core.resources import resource_dir, resource_files

    if paths is None:
        files = resource_files("shapes")
        if not files:
            raise InputError(f"no shapes files (*.ttl) found in {resource_dir('shapes')}")
        return rdflib_graph(files)
    paths = list(paths)
    for path in paths:
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", os.fsdecode(path)):
            raise InputError(f"{os.fsdecode(path)}: a URL; exitkg reads shapes from files and fetches nothing: "
                             "download the shapes and name the file")
    graph = rdflib_graph(paths, base=base)
    # SHACL activates these parameters with the literal true alone ("1"^^xsd:boolean is not true),
    # where pySHACL reads any true value: the others are dropped, as the false they mean
    for predicate in _TRUE_ONLY:
        for subject, value in list(graph.subject_objects(predicate)):
            if not (isinstance(value, Literal) and value.datatype == XSD.boolean and str(value) == "true"):
                graph.remove((subject, predicate, value))
    # SHACL-JS runs code, SHACL-AF rules change the data: shapes that hold them are refused unless allowed
    refused = ((() if allow_js else (SH.jsFunctionName, SH.jsLibrary, SH.jsLibraryURL))
               + (() if allow_rules else (SH.rule,)))
    for predicate in refused:
        for subject in graph.subjects(predicate, None):
            why = ("SHACL rules add statements, which exitkg applies only with `allow_rules`" if predicate == SH.rule
                   else "SHACL-JS is code, which exitkg runs only with `allow_js`")
            raise InputError(f"the shapes hold {compact(str(predicate), dict(PREFIXES))} (on {_full(subject)}); {why}")
    if allow_js:
        for library, url in list(graph.subject_objects(SH.jsLibraryURL)):
            local = _js_library(str(url), paths)
            graph.remove((library, SH.jsLibraryURL, url))
            graph.add((library, SH.jsLibraryURL, Literal(local)))
    return graph


def _js_library(url: str, shapes: list) -> str:
    """The absolute path of the local file a ``sh:jsLibraryURL`` names (:class:`InputError` if it
    is on the web or missing): a relative path is looked for beside each shapes file."""
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url)
    if scheme and len(scheme.group()) > 2:  # not a drive letter
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise InputError(f"the SHACL-JS library {url} is not a local file, and exitkg fetches nothing: "
                             "save it beside the shapes and name the file")
        candidates = [Path(unquote(parts.path))]
    elif Path(url).is_absolute():
        candidates = [Path(url)]
    else:
        candidates = sorted({(Path(s).resolve().parent / url) for s in shapes})
    found = sorted({c.resolve() for c in candidates if c.is_file()})
    if not found:
        raise InputError(f"the SHACL-JS library {url} is not a file (looked for "
                         f"{', '.join(str(c) for c in candidates)})")
    if len(found) > 1:
        raise InputError(f"the SHACL-JS library {url} is beside more than one shapes file "
                         f"({', '.join(str(f) for f in found)}): name it by its full path")
    return str(found[0])


@contextmanager
def _parsed_query_cache():
    """While pySHACL runs, parse and translate each SPARQL text once.

    pySHACL hands rdflib the text of a SPARQL constraint for every focus node, and rdflib parses
    and translates it every time: most of the time of a validation. Within this block rdflib's
    processor keeps the translated query of each (text, base, namespaces) and evaluates that, as
    ``rdflib.plugins.sparql.prepareQuery`` does for a query used many times; the answers are the
    same. The processor is restored on leaving, and the cache goes with it.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.parser import parseQuery

    original = processor.SPARQLProcessor.query
    cache: dict = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            translated = cache.get(key)
            if translated is None:
                translated = cache[key] = processor.translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = translated
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]  # patched here, restored below
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


class _Members(list):
    """A list whose membership test is a set's (:func:`_parameter_sets`)."""

    def __init__(self, items=()) -> None:
        super().__init__(items)
        self._set = set(self)

    def __contains__(self, item) -> bool:
        return item in self._set

    def copy(self) -> _Members:  # a list still, of this kind
        return _Members(self)

    def append(self, item) -> None:
        super().append(item)
        self._set.add(item)


@contextmanager
def _parameter_sets():
    """While pySHACL runs, look up the constraint parameters of a shape in a set.

    For every focus node of every shape, pySHACL tests each predicate of the shape against the
    list of constraint parameters (about forty IRIs, compared one by one in Python): at a million
    triples, a fifth of pySHACL's time. Within this block the list it reads is one whose ``in``
    is a set's, the same members in the same order; pySHACL's own is restored on leaving."""
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    cached = "CONSTRAINT_PARAMS"  # where pySHACL's shape module keeps the list once read
    had = hasattr(shape.module, cached)
    before = getattr(shape.module, cached, None)
    setattr(shape.module, cached, (_Members(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP))
    try:
        yield
    finally:
        if had:
            setattr(shape.module, cached, before)
        else:
            delattr(shape.module, cached)


def _rdflib_copy(loaded, predicates: set | None = None) -> Graph:
    """The merge of *loaded* as an rdflib graph for pySHACL: the statements of
    :meth:`~exitkg.graph.local.KnowledgeGraph.to_rdflib`, each IRI converted once and shared by
    every statement that names it, and added to the graph's store without checks of each term
    (they are rdflib terms): half the time of the copy, which is most of a validation of a large
    graph that few shapes target (the linked cases), and less memory. With *predicates*
    (:func:`exitkg.checks.shacl_core.reach`), only the statements of those predicates and those
    of blank nodes."""
    from exitkg.rdf.terms import to_rdflib

    copy = Graph()
    add = copy.store.add
    iris: dict = {}

    def term(value):
        converted = iris.get(value)
        if converted is None:
            converted = to_rdflib(value)
            if isinstance(converted, URIRef):
                iris[value] = converted
        return converted

    if predicates is None:
        for q in loaded.triples():
            add((term(q.subject), term(q.predicate), term(q.object)), copy, quoted=False)
    else:
        import pyoxigraph as ox

        wanted = {ox.NamedNode(str(p)) for p in predicates}
        for q in loaded.triples():
            if q.predicate in wanted or isinstance(q.subject, ox.BlankNode):
                add((term(q.subject), term(q.predicate), term(q.object)), copy, quoted=False)
    bind_prefixes(copy, loaded.prefixes)
    return copy


def validate(graph=None, *, shapes: Iterable[PathLike] | None = None, abort_on_first: bool = False,
             allow_rules: bool = False, allow_js: bool = False, js_timeout: float = JS_TIMEOUT,
             base: str | None = None, max_rule_triples: int = MAX_RULE_TRIPLES,
             core_on_store: bool = True) -> ValidationResult:
    """Validate a loaded graph against the SHACL shapes.

    *graph* is a :class:`exitkg.graph.local.KnowledgeGraph` (default: :func:`exitkg.load`, the ontology
    and the packaged sources); its merge is validated. *shapes* are shapes files to use instead of
    the packaged ``shapes/*.ttl``; relative IRIs in them resolve against *base* (the one given
    for the data, ``--base``).

    SHACL runs without inference and with SHACL Advanced Features enabled. SPARQL-based constraints
    of node shapes run on the graph's Oxigraph store when their meaning allows
    (:mod:`exitkg.checks.shacl_sparql`), the rest through pySHACL; the report is the same.
    The report is complete unless *abort_on_first*: then validation stops at the first shape a
    node violates (with its property shapes, as pySHACL does), the report holds what that shape
    found, and a note says it stopped.

    Shapes with SHACL rules (``sh:rule``) are refused unless *allow_rules*: then pySHACL applies
    the rules to a copy of the data, again until they add nothing, and validates that copy with
    every constraint; the loaded graph is unchanged. Rules that still add statements after
    ``pyshacl.rules.RULES_ITERATE_LIMIT`` rounds (100), or that have added more than
    *max_rule_triples* statements, are stopped with :class:`~exitkg.core.errors.RulesError` (exit 9).
    Shapes with SHACL-JS are refused unless *allow_js*: then pySHACL runs their code (in the
    JavaScript engine of ``exitkg[js]``, reading nothing but the data and its own local
    libraries) in a child process, stopped with :class:`~exitkg.core.errors.DeadlineError` after
    *js_timeout* seconds.
    Raises :class:`InputError` on unreadable input or unusable shapes.
    """
    from exitkg.graph.local import load

    from exitkg.checks import shacl_core, shacl_sparql

    loaded = graph if graph is not None else load()
    shapes_g = shapes_graph(shapes, allow_rules=allow_rules, allow_js=allow_js, base=base)
    rules = (None, SH.rule, None) in shapes_g
    # SPARQL-based constraints with a plain meaning run on the store (exitkg.checks.shacl_sparql);
    # pySHACL runs the rest, and all of them where rules add statements the store does not hold.
    pyshacl_shapes, taken = (shapes_g, []) if rules else shacl_sparql.take_over(shapes_g)
    # plain property shapes likewise, their values read from the store (exitkg.checks.shacl_core)
    focus = None if rules else shacl_sparql.targeted(loaded.store, shapes_g)
    pyshacl_shapes, core = ((pyshacl_shapes, []) if rules or abort_on_first or not core_on_store
                            else shacl_core.take_over(shapes_g, pyshacl_shapes, focus))
    # the copy for pySHACL holds what the shapes left to it may read (all of it unless it is known)
    data = _rdflib_copy(loaded, None if rules or abort_on_first or allow_js or not core_on_store
                        else shacl_core.reach(pyshacl_shapes, core, shapes_g))

    options = dict(shacl_graph=pyshacl_shapes, inference="none", advanced=True, allow_warnings=True,
                   abort_on_first=abort_on_first, iterate_rules=rules, meta_shacl=False, debug=False,
                   inplace=not rules)  # `data` is a copy of the store already: pySHACL need not copy it again
    js = allow_js and any((None, predicate, None) in shapes_g for predicate in (SH.jsFunctionName, SH.jsLibrary))
    if js:
        options["js"] = True
    report, warned, expanded = (_in_child(data, options, js_timeout, max_rule_triples) if js
                                else _pyshacl(data, options, max_rule_triples))
    # focus nodes are those of the data pySHACL validated: with rules, the copy they extended
    if focus is None:
        focus = shacl_sparql.targeted(loaded.store if expanded is None else _store_of(expanded), shapes_g)
    stopped = abort_on_first and (None, SH.resultSeverity, SH.Violation) in report
    if not stopped:
        found = shacl_sparql.evaluate(loaded, taken, focus, list(data.namespaces()))
        if abort_on_first:  # the results of the first SPARQL-based constraint with a violation, no more
            def source(triples):
                return next(o for _, p, o in triples if p == SH.sourceConstraint)

            first = next((source(t) for severity, t in found if severity == SH.Violation), None)
            if first is not None:
                found = [(severity, t) for severity, t in found if source(t) == first]
                stopped = True
        shacl_sparql.add_results(report, found)
        with _parameter_sets():  # pySHACL's components run on the store's values (and leave its module as it was)
            shacl_sparql.add_results(report, shacl_core.evaluate(loaded, core, focus, shapes_g, report))
    prefixes = dict(PREFIXES)
    for g in (data, shapes_g):
        for prefix, ns in g.namespaces():
            if prefix and prefix not in prefixes and str(ns) not in prefixes.values():
                prefixes[prefix] = str(ns)
    bind_prefixes(report, {p: ns for p, ns in prefixes.items() if p not in PREFIXES})
    results = _results_from_report(report, shapes_g, prefixes, data)
    (report_node,) = report.subjects(RDF.type, SH.ValidationReport)
    report.set((report_node, SH.conforms, Literal(not results)))  # SHACL 3.6.1: true iff no result
    conforms = all(severity in (SH.Warning, SH.Info) for severity in
                   (report.value(r, SH.resultSeverity) for r in report.objects(report_node, SH.result)))
    notes = []
    for kind, message in warned:
        if kind == "ShapeRecursionWarning":
            shapes_in = sorted(set(re.findall(r"<NodeShape ([^<>\s]+)>", message)))
            notes.append(f"recursive shape{'s' if len(shapes_in) != 1 else ''} {', '.join(shapes_in)}: the data "
                         "runs in a cycle through sh:node, and pySHACL stopped the recursion there (SHACL leaves "
                         "recursive shapes undefined)")
    if stopped:
        notes.append("validation stopped at the first shape violated (`abort_on_first`): the report holds "
                     "what that shape found, not every result")
    return ValidationResult(
        conforms=conforms, results=results, report_graph=report,
        focus_nodes=len(set().union(*focus.values())) if focus else 0,
        idle_shapes=sorted(str(shape) for shape, nodes in focus.items() if not nodes and isinstance(shape, URIRef)),
        notes=sorted(set(notes)),
    )


@contextmanager
def _bounded_rules(limit: int):
    """While pySHACL runs, stop its SHACL rules with :class:`~exitkg.core.errors.RulesError` as soon as
    one application leaves more than *limit* statements added to the data graph they extend: a
    rule whose output grows each round (doubling, say) would otherwise run its 100 rounds, past
    any memory. Each rule class's ``apply`` is wrapped, and restored on leaving."""
    from pyshacl.rules.shacl_rule import SHACLRule

    classes, pending = [], [SHACLRule]
    try:  # the JavaScript rule is a subclass only once pySHACL's JS extra is imported
        from pyshacl.extras.js.rules import JSRule  # noqa: F401
    except ImportError:
        pass
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "apply" in vars(cls):
            classes.append((cls, vars(cls)["apply"]))
    sizes: dict = {}  # id of each graph the rules extend -> (the graph, its size before any rule)

    def bounded(original):
        def apply(self, data_graph, *args, **kwargs):
            _, before = sizes.setdefault(id(data_graph), (data_graph, len(data_graph)))
            added = original(self, data_graph, *args, **kwargs)
            if len(data_graph) - before > limit:
                raise errors.RulesError(f"the SHACL rules added more than {limit} statements to the data "
                                        "(`max_rule_triples`); stopped")
            return added
        return apply

    for cls, original in classes:
        cls.apply = bounded(original)  # type: ignore[method-assign]  # patched here, restored below
    try:
        yield
    finally:
        for cls, original in classes:
            cls.apply = original  # type: ignore[method-assign]


def _pyshacl(data: Graph, options: dict,
             max_rule_triples: int = MAX_RULE_TRIPLES) -> tuple[Graph, list[tuple[str, str]], bytes | None]:
    """pySHACL's report graph on *data*, what it warned of ((class name, message) pairs), and,
    where the shapes have rules (``iterate_rules``), the copy of *data* the rules extended, as
    N-Triples; :class:`InputError` where it cannot validate, :class:`~exitkg.core.errors.RulesError`
    where the rules add more than *max_rule_triples* statements or still add after 100 rounds."""
    import warnings

    import pyshacl

    expanded = failed = None
    try:
        with _parsed_query_cache(), _parameter_sets(), _bounded_rules(max_rule_triples), \
                warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            _, report, _ = pyshacl.validate(data, **options)
            if options.get("iterate_rules") and isinstance(report, Graph):
                # pySHACL keeps the copy it extended to itself: the same rules, applied to a copy again
                copy = pyshacl.shacl_rules(data, shacl_graph=options["shacl_graph"], inference="none",
                                           iterate_rules=True, js=options.get("js", False))
                assert isinstance(copy, Graph)  # a graph, as no serialization is asked for
                failed = copy.value(predicate=SH.message) if (None, RDF.type, SH.ValidationFailure) in copy else None
                expanded = None if failed else copy.serialize(format="nt", encoding="utf-8")
    except Exception as exc:  # pyshacl raises its own error types for unusable shapes
        module = type(exc).__module__ or ""
        if module.startswith("pyshacl") and _RUNAWAY.search(str(exc)):
            raise errors.RulesError(f"the SHACL rules still add statements after {_rounds()} rounds; stopped") from None
        # NotImplementedError: what pySHACL does not do, such as $shapesGraph in a SPARQL constraint
        if module.startswith("pyshacl") or isinstance(exc, (ValueError, SyntaxError, NotImplementedError)):
            raise InputError(f"SHACL validation could not run: {type(exc).__name__}: {exc}") from None
        raise

    from pyshacl.errors import ValidationFailure

    if isinstance(report, ValidationFailure):  # pySHACL returns (not raises) a failure to validate
        failed = one_line(report.message)
    if failed is not None and _RUNAWAY.search(str(failed)):
        raise errors.RulesError(f"the SHACL rules still add statements after {_rounds()} rounds; stopped")
    if isinstance(report, ValidationFailure):
        raise InputError(f"SHACL validation could not run: {failed}")
    if options.get("iterate_rules") and expanded is None:  # the rules ran in validation, so not expected
        raise InputError(f"SHACL rules could not run: {one_line(str(failed))}")
    return report, [(type(w.message).__name__, str(w.message)) for w in warned], expanded


#: how pySHACL says that rules still add statements after its last round
_RUNAWAY = re.compile(r"iteration exceeded iteration limit")


def _rounds() -> int:
    from pyshacl.rules import RULES_ITERATE_LIMIT

    return int(RULES_ITERATE_LIMIT)


def _store_of(ntriples: bytes):
    """An Oxigraph store of these N-Triples (the data the rules extended), to find focus nodes in."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    return store


def _in_child(data: Graph, options: dict, timeout: float,
              max_rule_triples: int = MAX_RULE_TRIPLES) -> tuple[Graph, list[tuple[str, str]], bytes | None]:
    """:func:`_pyshacl` in a child process stopped after *timeout* seconds, for shapes with
    SHACL-JS: its code runs in the JavaScript engine (Duktape), which Python cannot interrupt, and
    may loop for ever. The child ends with the process that started it."""
    import multiprocessing

    try:
        import pyduktape2  # noqa: F401  (pySHACL's JavaScript engine)
    except ImportError:
        raise errors.UsageError("SHACL-JS needs a JavaScript engine, which is not installed: "
                                "pip install 'exitkg[js]'") from None
    from exitkg.core.children import die_with_parent

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    preexec = die_with_parent()

    def work() -> None:
        if preexec is not None:
            preexec()
        try:
            report, warned, expanded = _pyshacl(data, options, max_rule_triples)
            sender.send(("ok", report.serialize(format="nt"), (warned, expanded)))
        except errors.ExitkgError as exc:
            sender.send(("error", exc.message, type(exc).__name__))
        except BaseException as exc:  # noqa: BLE001 - carried to the parent, which raises it as a bug
            sender.send(("bug", f"{type(exc).__name__}: {exc}", None))

    child = context.Process(target=work, daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise errors.DeadlineError(f"the shapes' SHACL-JS code ran past {timeout:g} s; "
                                       "stopped (raise `js_timeout`)")
        try:
            kind, payload, warned = receiver.recv()
        except EOFError:
            child.join(5)
            raise InputError(f"SHACL validation could not run: the process running SHACL-JS ended "
                             f"(exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if kind == "error":  # the child's InputError or RulesError, raised here
        raise getattr(errors, warned)(payload)
    if kind == "bug":
        raise RuntimeError(payload)
    report = Graph()
    report.parse(data=payload, format="nt")
    warned, expanded = warned
    return report, warned, expanded


# --------------------------------------------------------------------------- #
# Renderers
# --------------------------------------------------------------------------- #

def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render_text(result: ValidationResult) -> str:
    """Human-readable report: a header line with counts, then one line per result."""
    status = "conforms" if result.conforms else "does not conform"
    others = len(result.results) - result.violations - result.warnings - result.infos
    own = f", {others} of a severity of the shapes' own" if others else ""
    lines = [
        f"SHACL validation: {status} "
        f"({_plural(result.violations, 'violation')}, {_plural(result.warnings, 'warning')}, "
        f"{_plural(result.infos, 'info')}{own}; {_plural(result.focus_nodes, 'focus node')})"
    ]
    for r in result.results:
        d = r.display
        lines.append(
            f"{r.severity}  {d['focus']}  path={d['path']}  value={d['value']}  "
            f"shape={d['shape']}: {r.message}"
        )
    lines.extend(f"Note  {note}" for note in result.notes)
    if result.idle_shapes:
        shown = ", ".join(compact(s, dict(PREFIXES)) for s in result.idle_shapes)
        lines.append(f"Note  {_plural(len(result.idle_shapes), 'shape')} select no node of this graph: {shown}")
    return "\n".join(lines) + "\n"


def render_json(result: ValidationResult) -> str:
    """Stable JSON: ``{"conforms", "violations", "warnings", "infos", "focus_nodes", "idle_shapes",
    "notes", "results": [...]}``."""
    document = {
        "conforms": result.conforms,
        "violations": result.violations,
        "warnings": result.warnings,
        "infos": result.infos,
        "focus_nodes": result.focus_nodes,
        "idle_shapes": result.idle_shapes,
        "notes": result.notes,
        "results": [r.as_dict() for r in result.results],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_turtle(result: ValidationResult) -> str:
    """The SHACL validation report graph serialised as Turtle."""
    return result.report_graph.serialize(format="turtle")


RENDERERS = {"text": render_text, "json": render_json, "turtle": render_turtle}
