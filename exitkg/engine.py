"""SPARQL execution.

The graph is handled as an :class:`rdflib.Graph` everywhere (loading, validation, export), but
queries are executed by Oxigraph: the graph is copied into an in-memory :class:`pyoxigraph.Store`
and the query runs there. rdflib's own SPARQL engine is not used because its joins do not scale
(see ``benchmarks/``).

Parameters are bound with SEP-0007 substitutions (``substitutions=``): the query text is never
edited with user input. Results come back as :class:`Result`, whose cells are rdflib terms, so a
local and a remote engine give rows of exactly the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from exitkg.errors import QueryError, one_line
from exitkg.namespaces import XSD

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    import rdflib

_XSD_STRING = XSD + "string"


@dataclass
class Result:
    """A SELECT result (``variables`` and ``rows`` of rdflib terms or None) or an ASK answer."""

    variables: list[str]
    rows: list[dict[str, "rdflib.term.Node | None"]] = field(default_factory=list)
    boolean: bool | None = None

    def column(self, name: str) -> list:
        return [row.get(name) for row in self.rows]


def to_rdflib(term):
    """Convert a pyoxigraph term to the equivalent rdflib term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError(f"unsupported result term {term!r}")


def to_oxigraph(term):
    """Convert an rdflib term to the equivalent pyoxigraph term."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"unsupported term {term!r}")


class LocalEngine:
    """Runs SPARQL over a graph in an in-memory Oxigraph store."""

    name = "local"

    def __init__(self, graph: "rdflib.Graph"):
        import pyoxigraph as ox

        self.store: "pyoxigraph.Store" = ox.Store()
        default = ox.DefaultGraph()
        self.store.bulk_extend(
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), default) for s, p, o in graph
        )
        self.triples = len(graph)

    @classmethod
    def packaged(cls, extra_paths=None) -> "LocalEngine":
        """An engine over the packaged ontology and data (plus *extra_paths*) and its description."""
        from exitkg.describe import described_graph

        return cls(described_graph(extra_paths))

    def run(self, text: str, bindings: Mapping[str, "rdflib.term.Node"] | None = None) -> Result:
        import pyoxigraph as ox

        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        try:
            answer = self.store.query(text, substitutions=substitutions or None)
        except SyntaxError as exc:
            raise QueryError(f"malformed SPARQL: {one_line(exc)}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"query failed: {one_line(exc)}") from None
        if isinstance(answer, ox.QueryBoolean):
            return Result(variables=[], boolean=bool(answer))
        if not isinstance(answer, ox.QuerySolutions):
            raise QueryError("only SELECT and ASK queries are supported")
        variables = [v.value for v in answer.variables]
        rows = [{name: to_rdflib(solution[name]) for name in variables} for solution in answer]
        return Result(variables=variables, rows=rows)
