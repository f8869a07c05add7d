"""Query results, and the interface every graph offers: local (:class:`exitkg.graph.KnowledgeGraph`)
or remote (:class:`exitkg.remote.RemoteEngine`).

Both have ``run(text, bindings)``, which executes SPARQL with parameters bound as RDF terms (the
query text is never edited with user input), and ``query(name, **params)``, which runs a canned
query by id (or a query file) with parameters given as text. Both return a :class:`Result` whose
cells are pyoxigraph terms, so rows from a local store and from an endpoint have the same shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from exitkg.errors import QueryError, one_line


@dataclass
class Result:
    """A SELECT result (``variables`` and ``rows`` of pyoxigraph terms, ``None`` when unbound) or
    an ASK answer (``boolean``)."""

    variables: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    boolean: bool | None = None
    #: what a reader should know about the answer (an endpoint's answer that may be incomplete)
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def column(self, name: str) -> list:
        """The terms of one variable, row by row."""
        return [row.get(name) for row in self.rows]

    def dicts(self) -> list[dict[str, Any]]:
        """The rows as plain Python values: IRIs as text, numbers as numbers, booleans as bool."""
        from exitkg.terms import python_value

        return [{name: python_value(row.get(name)) for name in self.variables} for row in self.rows]

    def to_rdflib(self) -> list[dict[str, Any]]:
        """The rows with rdflib terms instead of pyoxigraph terms."""
        from exitkg.terms import to_rdflib

        return [{name: to_rdflib(row.get(name)) for name in self.variables} for row in self.rows]

    def to_dataframe(self):
        """The rows as a :class:`pandas.DataFrame` of Python values (needs pandas installed)."""
        try:
            import pandas
        except ImportError:  # pragma: no cover - depends on the environment
            raise QueryError("to_dataframe() needs pandas: pip install pandas") from None
        return pandas.DataFrame(self.dicts(), columns=self.variables)


def solutions_to_result(answer) -> Result:
    """A :class:`Result` from pyoxigraph query solutions or a boolean answer."""
    import pyoxigraph as ox

    if isinstance(answer, ox.QueryBoolean):
        return Result(variables=[], boolean=bool(answer))
    if not isinstance(answer, ox.QuerySolutions):
        raise QueryError("only SELECT and ASK queries are supported")
    variables = [v.value for v in answer.variables]
    # a solution iterates its values in the order of the variables (None where unbound), which is
    # cheaper than looking each one up by its name
    rows = [dict(zip(variables, solution)) for solution in answer]
    return Result(variables=variables, rows=rows)


class Queryable:
    """What every graph offers on top of ``run(text, bindings)``: canned queries by name."""

    name = "graph"

    def run(self, text: str, bindings: Mapping | None = None) -> Result:  # pragma: no cover
        raise NotImplementedError

    def query(self, name: str, **params: str) -> Result:
        """Run a canned query (its id, see :func:`exitkg.queries.catalogue`) or a ``.rq`` file.

        *params* are the query's declared parameters, as text (``factor="stigma"``); each is
        checked against its declared type and bound as an RDF term. Raises
        :class:`~exitkg.errors.QueryError` for an unknown query or a bad parameter.
        """
        from exitkg import queries

        return queries.run(queries.resolve(name), self, {k: str(v) for k, v in params.items()})


def run_on_store(store, text: str, bindings: Mapping | None = None) -> Result:
    """Execute SPARQL on a pyoxigraph store's default graph with SEP-0007 substitutions."""
    import pyoxigraph as ox

    from exitkg.terms import to_oxigraph

    from exitkg.endpoint import uses_service

    if uses_service(text):
        raise QueryError("SERVICE is not run on the local graph: exitkg makes no network request unless "
                         "you name an endpoint (--endpoint URL)")
    substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
    try:
        answer = store.query(text, substitutions=substitutions or None)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {one_line(exc)}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {one_line(exc)}") from None
    return solutions_to_result(answer)
