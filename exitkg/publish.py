"""``exitkg publish``: load the whole graph into a triple store, replacing one named graph.

With the SPARQL 1.1 Graph Store HTTP Protocol (``--method gsp``, the default) the graph is sent
as N-Triples in one ``PUT`` to ``STORE_URL?graph=IRI``, which replaces that graph. With
``--method update`` (for stores that offer only SPARQL Update) ``DROP SILENT GRAPH <IRI>`` and
``INSERT DATA`` are sent in one request. Either way the triple count is then read back through
the query endpoint; publishing fails if it differs, and publishing twice leaves the same content.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from exitkg import errors
from exitkg.errors import DeadlineError, EndpointError, UsageError, one_line
from exitkg.remote import DEFAULT_GRAPH, DEFAULT_TIMEOUT, RemoteEngine, check_url

METHODS = ("gsp", "update")


@dataclass
class PublishResult:
    graph: str
    method: str
    local_triples: int
    remote_triples: int

    @property
    def exit_code(self) -> int:
        return errors.OK if self.local_triples == self.remote_triples else errors.FAILED

    def describe(self) -> str:
        if self.exit_code == errors.OK:
            return f"published {self.local_triples} triples to graph <{self.graph}> ({self.method}); the store holds {self.remote_triples}\n"
        return (f"published {self.local_triples} triples to graph <{self.graph}> ({self.method}) "
                f"but the store holds {self.remote_triples}\n")


def sibling_url(endpoint: str, last_segment: str) -> str:
    """The endpoint URL with its last path segment replaced (Oxigraph: /query -> /store)."""
    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/")
    head = path.rsplit("/", 1)[0] if "/" in path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{head}/{last_segment}", "", ""))


def _send(url: str, method: str, body: bytes, content_type: str, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = one_line(exc.read().decode("utf-8", "replace"))[:200]
        raise EndpointError(f"{url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            raise DeadlineError(f"{url}: no answer within {timeout:g} s") from None
        if isinstance(exc.reason, ConnectionRefusedError):
            raise EndpointError(f"{url}: connection refused (nothing is listening there)") from None
        raise EndpointError(f"{url}: cannot connect: {one_line(exc.reason)}") from None
    except (socket.timeout, TimeoutError):
        raise DeadlineError(f"{url}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise EndpointError(f"{url}: the connection failed: {one_line(exc)}") from None


def remote_count(engine: RemoteEngine, graph_iri: str) -> int:
    import pyoxigraph as ox

    result = engine.run(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": ox.NamedNode(graph_iri)}
    )
    if not result.rows or result.rows[0].get("n") is None:
        raise EndpointError(f"{engine.endpoint}: the triple count could not be read back")
    return int(result.rows[0]["n"].value)


def publish(endpoint: str, *, graph_iri: str = DEFAULT_GRAPH, method: str = "gsp",
            store_url: str | None = None, update_url: str | None = None,
            timeout: float = DEFAULT_TIMEOUT, graph=None) -> PublishResult:
    """Replace *graph_iri* in the store behind *endpoint* with the whole graph (the merge of a
    loaded :class:`exitkg.graph.KnowledgeGraph`, default the packaged one, with its description),
    then verify the triple count."""
    import pyoxigraph as ox

    from exitkg.graph import load
    from exitkg.queries import absolute_iri

    check_url(endpoint)
    if method not in METHODS:
        raise UsageError(f"unknown publishing method {method!r} (expected gsp or update)")
    graph_iri = absolute_iri(graph_iri, "the graph IRI", error=UsageError)
    graph = (graph if graph is not None else load()).described()
    ntriples = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in graph.triples()],
                            format=ox.RdfFormat.N_TRIPLES)
    if method == "gsp":
        target = check_url(store_url or sibling_url(endpoint, "store"), "Graph Store URL")
        _send(f"{target}?graph={quote(graph_iri, safe='')}", "PUT", ntriples, "application/n-triples", timeout)
    else:
        target = check_url(update_url or sibling_url(endpoint, "update"), "update URL")
        update = (f"DROP SILENT GRAPH <{graph_iri}> ;\n"
                  f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n" + ntriples.decode("utf-8") + "} }\n")
        _send(target, "POST", update.encode("utf-8"), "application/sparql-update", timeout)
    remote = remote_count(RemoteEngine(endpoint, timeout=timeout), graph_iri)
    return PublishResult(graph=graph_iri, method=method, local_triples=len(graph), remote_triples=remote)
