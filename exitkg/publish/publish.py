"""``exitkg publish``: load the whole graph into a triple store, replacing one named graph.

The triples first go into a new graph of the run's own (``urn:uuid:...``), which one last SPARQL
Update request, ``MOVE SILENT GRAPH <new> TO GRAPH <IRI>``, puts in place of the target: runs at
the same time never mix their triples, and a failed run leaves the target as it was (and drops
its own graph). With the SPARQL 1.1 Graph Store HTTP Protocol (``--method gsp``, the default)
the triples are sent as N-Triples: a ``PUT`` to ``STORE_URL?graph=NEW``, and for a large graph
``POST`` requests, which add to it. With ``--method update`` (for stores that offer only SPARQL
Update) they go in ``INSERT DATA`` requests. Two runs that move at the same moment can still
both leave their blank nodes on a store with snapshot isolation (Oxigraph); the count read back
then differs, and the run publishes again, up to :data:`ATTEMPTS` times, at random moments. Triples
with blank nodes go in ``INSERT { GRAPH <IRI> { ... } } WHERE {}`` requests (``INSERT DATA`` may not
hold blank nodes on every store: Virtuoso 7.2 refuses them). A blank node's triples always travel in
one request, since a blank node of one request is never the blank node of another. Either way the
triple count is then read back through the query endpoint; publishing fails if it differs, and
publishing twice leaves the same content.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from exitkg.core import errors
from exitkg.core.errors import DeadlineError, EndpointError, UsageError, one_line
from exitkg.graph.remote import DEFAULT_GRAPH, DEFAULT_TIMEOUT, RemoteEngine, check_url

METHODS = ("gsp", "update")
#: how many times the graph is published when its count read back differs (another run at once)
ATTEMPTS = 3


#: triples per request: N-Triples through the Graph Store Protocol, INSERT DATA, and the
#: INSERT ... WHERE {} requests that carry blank nodes (Virtuoso 7.2's SPARQL compiler runs out of
#: memory on an INSERT DATA of about 5,000 triples, and refuses an INSERT ... WHERE {} of about
#: 4,000, whose SQL grows past its limit)
CHUNK_GSP, CHUNK_DATA, CHUNK_BLANK = 100_000, 2_000, 500


@dataclass
class PublishResult:
    graph: str
    method: str
    local_triples: int
    remote_triples: int
    requests: int = 1

    @property
    def exit_code(self) -> int:
        return errors.OK if self.local_triples == self.remote_triples else errors.FAILED

    def describe(self) -> str:
        how = f"{self.method}, {self.requests} request{'s' if self.requests != 1 else ''}"
        if self.exit_code == errors.OK:
            return (f"published {self.local_triples} triples to graph <{self.graph}> ({how}); "
                    f"the store holds {self.remote_triples}\n")
        return (f"published {self.local_triples} triples to graph <{self.graph}> ({how}) "
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
    except TimeoutError:
        raise DeadlineError(f"{url}: no answer within {timeout:g} s") from None
    except OSError as exc:
        raise EndpointError(f"{url}: the connection failed: {one_line(exc)}") from None


def _batches(triples) -> tuple[list, list]:
    """(triples without blank nodes, batches of triples with them): each blank node's triples, and
    those of every blank node connected to it, in one batch of at most :data:`CHUNK_BLANK`
    triples where the connected group allows."""
    import pyoxigraph as ox

    ground, blank = [], []
    parent: dict = {}

    def root(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for t in triples:
        nodes = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        if not nodes:
            ground.append(t)
            continue
        blank.append(t)
        if len(nodes) == 2:
            a, b = root(nodes[0]), root(nodes[1])
            if a != b:
                parent[a] = b
    groups: dict = {}
    for t in blank:
        node = t.subject if isinstance(t.subject, ox.BlankNode) else t.object
        groups.setdefault(root(node), []).append(t)
    batches: list[list] = []
    for group in sorted(groups.values(), key=lambda g: (len(g), str(g[0]))):
        if batches and len(batches[-1]) + len(group) <= CHUNK_BLANK:
            batches[-1].extend(group)
        else:
            batches.append(list(group))
    return ground, batches


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def _nt(triples, tags: dict[str, str]) -> str:
    """N-Triples, language tags spelled as the inputs spelled them (*tags*)."""
    import pyoxigraph as ox

    from exitkg.publish.export import recased

    # pyoxigraph's stub: serialize without an output returns bytes
    return recased(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), tags).decode("utf-8")  # type: ignore[arg-type]


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
    loaded :class:`exitkg.graph.local.KnowledgeGraph`, default the packaged one, with its description),
    then verify the triple count (see the module's description)."""
    import random
    import uuid

    import pyoxigraph as ox

    from exitkg.graph.local import load
    from exitkg.sparql.queries import absolute_iri

    check_url(endpoint)
    if method not in METHODS:
        raise UsageError(f"unknown publishing method {method!r} (expected gsp or update)")
    graph_iri = absolute_iri(graph_iri, "the graph IRI", error=UsageError)
    graph = (graph if graph is not None else load()).described()
    ground, blank = _batches(ox.Triple(q.subject, q.predicate, q.object) for q in graph.triples())
    local = len(graph)
    updates = check_url(update_url or sibling_url(endpoint, "update"), "update URL")
    requests = 0
    for attempt in range(1, ATTEMPTS + 1):
        requests += _replace_graph(graph_iri, method, ground, blank, endpoint, store_url, updates, timeout,
                                   f"urn:uuid:{uuid.uuid4()}", graph.tags)
        remote = remote_count(RemoteEngine(endpoint, timeout=timeout), graph_iri)
        if remote == local or attempt == ATTEMPTS:
            break
        # Another run moved its graph at the same moment: on a store with snapshot isolation
        # (Oxigraph) both moves keep their own blank nodes. Publish again, at a random moment.
        time.sleep(random.uniform(0.2, 2.0))
    return PublishResult(graph=graph_iri, method=method, local_triples=local, remote_triples=remote,
                         requests=requests)


def _replace_graph(graph_iri: str, method: str, ground: list, blank: list, endpoint: str, store_url: str | None,
                   updates: str, timeout: float, staging: str, tags: dict[str, str]) -> int:
    """Send the triples into the new graph *staging*, then move it over *graph_iri*; the number of
    requests sent."""
    requests = 0
    try:
        if method == "gsp":
            store = check_url(store_url or sibling_url(endpoint, "store"), "Graph Store URL")
            url = f"{store}?graph={quote(staging, safe='')}"
            # blank-node batches whole, each within one request; ground triples fill the requests
            bodies: list[list] = [[]]
            for batch in blank + _chunks(ground, CHUNK_GSP):
                if bodies[-1] and len(bodies[-1]) + len(batch) > CHUNK_GSP:
                    bodies.append([])
                bodies[-1].extend(batch)
            for i, body in enumerate(bodies):
                _send(url, "PUT" if i == 0 else "POST", _nt(body, tags).encode("utf-8"), "application/n-triples",
                      timeout)
                requests += 1
        else:
            into = f"GRAPH <{staging}>"
            for chunk in _chunks(ground, CHUNK_DATA):
                _send(updates, "POST", f"INSERT DATA {{ {into} {{\n{_nt(chunk, tags)}}} }}\n".encode("utf-8"),
                      "application/sparql-update", timeout)
                requests += 1
            for batch in blank:
                _send(updates, "POST", f"INSERT {{ {into} {{\n{_nt(batch, tags)}}} }} WHERE {{}}\n".encode("utf-8"),
                      "application/sparql-update", timeout)
                requests += 1
        _send(updates, "POST", f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph_iri}>\n".encode("utf-8"),
              "application/sparql-update", timeout)
        requests += 1
    except errors.ExitkgError:
        try:  # best effort: leave no half-written graph of ours behind
            _send(updates, "POST", f"DROP SILENT GRAPH <{staging}>\n".encode("utf-8"), "application/sparql-update",
                  min(timeout, 10))
        except errors.ExitkgError:
            pass
        raise
    return requests
