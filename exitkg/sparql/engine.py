"""Query results, and the interface every graph offers: local (:class:`exitkg.graph.local.KnowledgeGraph`)
or remote (:class:`exitkg.graph.remote.RemoteEngine`).

Both have ``run(text, bindings)``, which executes SPARQL with parameters bound as RDF terms (the
query text is never edited with user input), and ``query(name, **params)``, which runs a canned
query by id (or a query file) with parameters given as text. Both return a :class:`Result` whose
cells are pyoxigraph terms, so rows from a local store and from an endpoint have the same shape.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from exitkg.core.errors import QueryError, one_line


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
        from exitkg.rdf.terms import python_value

        return [{name: python_value(row.get(name)) for name in self.variables} for row in self.rows]

    def to_rdflib(self) -> list[dict[str, Any]]:
        """The rows with rdflib terms instead of pyoxigraph terms."""
        from exitkg.rdf.terms import to_rdflib

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
    rows = [dict(zip(variables, solution, strict=False)) for solution in answer]
    return Result(variables=variables, rows=rows)


def run_on_store(store, text: str, bindings: Mapping | None = None) -> Result:
    """Execute SPARQL on a pyoxigraph store's default graph with SEP-0007 substitutions.

    A query with SERVICE is refused (Oxigraph's parser decides, see
    :func:`exitkg.sparql.guard.has_service`), and the query runs in a thread that cannot open a
    network socket (:func:`exitkg.sparql.guard.deny_network`, on Linux), so no text reaches another
    endpoint from the local graph."""
    import pyoxigraph as ox

    from exitkg.sparql.guard import has_service
    from exitkg.rdf.terms import to_oxigraph

    try:
        service = has_service(text)  # decided by Oxigraph's parser, before the query runs
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {one_line(exc)}") from None
    if service:
        raise QueryError("SERVICE is not run on the local graph: exitkg makes no network request unless "
                         "you name an endpoint (`endpoint`)")
    substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
    return _in_sandbox(_evaluate, store, text, substitutions)


def _evaluate(store, text: str, substitutions: dict) -> Result:
    try:
        answer = store.query(text, substitutions=substitutions or None)
        return solutions_to_result(answer)
    except SyntaxError as exc:
        raise QueryError(f"malformed SPARQL: {one_line(exc)}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"query failed: {one_line(exc)}") from None


#: the threads local queries run in, each unable to open a network socket; started when first needed
_SANDBOX_THREADS = 4
_sandbox_jobs: Any = None  # a queue.Queue, with the pid of the process whose threads serve it
_sandbox_lock = threading.Lock()
_sandbox_local = threading.local()


def _sandbox_thread(jobs: queue.Queue) -> None:
    from exitkg.sparql.guard import deny_network

    deny_network()
    _sandbox_local.inside = True
    while True:
        function, args, reply = jobs.get()
        try:
            reply.put((True, function(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            # without what it refers to, which must end in this thread: pyoxigraph's query
            # solutions may not be dropped in another
            exc.__context__ = exc.__cause__ = None
            reply.put((False, exc.with_traceback(None)))


def _in_sandbox(function, *args):
    """``function(*args)`` in one of the query threads (daemon threads: an interrupted caller does
    not wait for them at exit), its exception raised here."""
    global _sandbox_jobs
    if getattr(_sandbox_local, "inside", False):
        return function(*args)
    with _sandbox_lock:
        if _sandbox_jobs is None or _sandbox_jobs.pid != os.getpid():  # none yet, or a forked child's
            _sandbox_jobs = queue.Queue()
            _sandbox_jobs.pid = os.getpid()
            for number in range(_SANDBOX_THREADS):
                threading.Thread(target=_sandbox_thread, args=(_sandbox_jobs,), daemon=True,
                                 name=f"exitkg-query-{number}").start()
    reply: queue.Queue = queue.Queue(maxsize=1)
    _sandbox_jobs.put((function, args, reply))
    ok, value = reply.get()
    if ok:
        return value
    raise value.with_traceback(None)
