"""The web front of ``exitkg serve``: the SPARQL endpoint, a query page that knows the project, and
the project's identifiers, on one port (and ``/static/``, the stylesheet their pages link).

``/query`` is the SPARQL 1.1 Protocol endpoint (GET, form POST and direct POST): each query is
checked and then answered by one of the query processes of :mod:`exitkg.serve.endpoint`, under its
limits. ``/`` is the query page: YASGUI (shipped in ``exitkg/pages/static/yasgui/``, served under
``/static/``, nothing fetched from elsewhere) on ``/query``, every canned query with a form for its
parameters, results' identifiers linked to their pages here, downloads as CSV and JSON. ``/bind/ID``
answers a canned query's text with the parameters of its query string bound as terms (400 for a
bad one). The identifiers (``/id/...`` and ``/ontology``) answer with the same
content negotiation as the site's ``.htaccess``: Turtle or JSON-LD when asked for, HTML otherwise.

At most :attr:`exitkg.sparql.guard.Limits.handlers` requests are handled at once; a client beyond that
is answered 503 with ``Retry-After`` at once, and a burst of clients waits in the listen backlog
to be accepted, never reset.
"""

from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from exitkg.rdf.namespaces import BASE, PREFIXES


def negotiate(accept: str) -> str:
    """turtle, jsonld or html, as the site's .htaccess decides."""
    if "text/turtle" in accept:
        return "turtle"
    if "application/ld+json" in accept:
        return "jsonld"
    return "html"


def query_page() -> str:
    """The query page: YASGUI, the canned queries and a form for their parameters."""
    from exitkg.core.errors import QueryError
    from exitkg.sparql.queries import bind, catalogue
    from exitkg.graph.remote import with_bindings
    from exitkg.pages.templating import render

    def with_defaults(q) -> str:
        """The query with its default parameters bound (BIND), so it answers as `exitkg query` does;
        a query with a required parameter is offered unbound (for every value)."""
        try:
            return with_bindings(q.text, bind(q, {}))
        except QueryError:
            return q.text

    queries = catalogue().values()
    return render("query-page.html", queries=queries, yasgui=yasgui_origin(),
                  prologue="".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items())),
                  # the IRIs under BASE + these the identifiers answer, at the same path on this server
                  prefixes=dict(sorted(PREFIXES.items())), base=BASE, local=["id/", "ontology"],
                  canned=[{"id": q.id, "title": q.title, "kind": q.kind, "text": with_defaults(q),
                           "params": [param_form(p, q.examples) for p in q.params]} for q in queries])


def param_form(param, examples: list[dict[str, str]]) -> dict:
    """What the query page's form shows for a canned query's parameter: name, type, default,
    whether it is required, its description, the values a closed type allows and an example."""
    from exitkg.sparql.queries import CLOSED_TYPES

    example = next((e[param.name] for e in examples if param.name in e), "")
    return {"name": param.name, "type": param.type, "default": param.default, "required": param.required,
            "doc": param.doc, "choices": list(CLOSED_TYPES.get(param.type, ())), "example": example}


def yasgui_origin() -> dict[str, str]:
    """The fields of the shipped YASGUI's ORIGIN file (exitkg/pages/static/yasgui/ORIGIN)."""
    from exitkg.pages.templating import static_text

    return dict(line.split(": ", 1) for line in static_text("yasgui/ORIGIN").splitlines() if ": " in line)


def bound_query(query_id: str, values: dict[str, str]) -> str:
    """The text of the canned query *query_id* with *values* bound to its declared parameters: each is
    checked against its type and converted to an RDF term (:func:`exitkg.sparql.queries.bind`), then
    written as a term, never pasted as text. Raises :class:`exitkg.core.errors.QueryError` for an
    unknown query, an unknown, missing or malformed parameter."""
    from exitkg.core.errors import QueryError
    from exitkg.graph.remote import with_bindings
    from exitkg.sparql.queries import bind, catalogue

    query = catalogue().get(query_id)
    if query is None:
        raise QueryError(f"unknown query {query_id!r}")
    return with_bindings(query.text, bind(query, values))


def make_server(host: str, port: int, pool, graph) -> ThreadingHTTPServer:
    """The front server: *pool* (:class:`exitkg.serve.endpoint.QueryPool`) answers the queries; *graph*
    is the loaded graph, for the identifiers."""
    from exitkg.serve.endpoint import query_request
    from exitkg.sparql.guard import Refused, check_query
    from exitkg.publish.site import Identifiers, shapes_files
    from exitkg.pages.templating import STATIC_TYPES, static_names, static_paths, static_text

    limits = pool.limits
    page = query_page().encode("utf-8")
    # the stylesheet the identifiers' pages link (../static/NAME), as the site holds them
    static = {name for name in static_names() if os.path.splitext(name)[1] in STATIC_TYPES}
    # and the query page's editor (static/yasgui/), with its licence and origin as plain text
    static |= {name for name in static_paths() if name.startswith("yasgui/")}
    # the identifiers, answered as the site answers them; pages link back to this query page
    ids = Identifiers([graph.store], nav=(("index", "Query"), ("ontology", "Ontology")), graph=graph)
    # the shapes' page and the ontology's class diagram, beside the ontology's page as the site has them
    beside = {"/" + name: text.encode("utf-8") for name, text in shapes_files(ids).items()}

    class Handler(BaseHTTPRequestHandler):
        server_version = "exitkg"
        timeout = 60  # seconds a client may take to send its request or read a piece of the answer

        def log_message(self, format, *args):  # noqa: A002 - quiet
            return

        def _send(self, status: int, ctype: str, body: bytes, vary: bool = False, retry: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if vary:
                self.send_header("Vary", "Accept")
            if retry:
                self.send_header("Retry-After", "1")
            self.end_headers()
            self.wfile.write(body)

        def _drain(self, length: int, most: int = 8 * 2**20) -> None:
            """Read (and drop) a refused body, up to *most* bytes, so the client can read the answer;
            beyond that the connection is closed after the answer."""
            if length > most:
                self.close_connection = True
                return
            while length > 0:
                chunk = self.rfile.read(min(length, 65536))
                if not chunk:
                    break
                length -= len(chunk)

        def _query(self, body: bytes | None) -> None:
            try:
                request = query_request(self.command, self.path, self.headers, body)
                check_query(request.text, limits)
                status, ctype, answer = pool.run(request.text, self.headers.get("Accept", ""),
                                                 request.default_graphs, request.named_graphs)
            except Refused as refused:
                return self._send(refused.status, "text/plain; charset=utf-8", (str(refused) + "\n").encode("utf-8"),
                                  retry=refused.retry)
            self._send(status, ctype, answer, vary=True)

        def _bind(self, query_id: str) -> None:
            """``/bind/ID?NAME=VALUE...``: the canned query with its parameters bound (text), or 400."""
            from urllib.parse import parse_qsl, unquote, urlsplit

            from exitkg.core.errors import QueryError

            pairs = parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
            try:
                if len({k for k, _ in pairs}) < len(pairs):
                    raise QueryError("a parameter is given twice")
                text = bound_query(unquote(query_id), dict(pairs))
            except QueryError as error:
                return self._send(400, "text/plain; charset=utf-8", (str(error) + "\n").encode("utf-8"))
            self._send(200, "application/sparql-query; charset=utf-8", text.encode("utf-8"))

        def do_GET(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            if path == "/query":
                return self._query(None)
            if path in ("/", "/index.html"):
                return self._send(200, "text/html; charset=utf-8", page)
            if path.startswith("/static/") and path[len("/static/"):] in static:
                name = path[len("/static/"):]
                return self._send(200, STATIC_TYPES.get(os.path.splitext(name)[1], "text/plain; charset=utf-8"),
                                  static_text(name).encode("utf-8"))
            if path in beside:
                return self._send(200, "image/svg+xml" if path.endswith(".svg") else "text/html; charset=utf-8",
                                  beside[path])
            if path.startswith("/bind/"):
                return self._bind(path[len("/bind/"):])
            key, form = path.lstrip("/"), None
            for ext, name in ((".html", "html"), (".ttl", "turtle"), (".jsonld", "jsonld")):
                if key.endswith(ext) and key[: -len(ext)] in ids.by_path:
                    key, form = key[: -len(ext)], name
            iri = ids.by_path.get(key)
            if iri is None:
                return self._send(404, "text/plain; charset=utf-8", b"not found\n")
            form = form or negotiate(self.headers.get("Accept", ""))
            if form == "turtle":
                return self._send(200, "text/turtle; charset=utf-8", ids.turtle(iri), vary=True)
            if form == "jsonld":
                return self._send(200, "application/ld+json", ids.jsonld(iri), vary=True)
            return self._send(200, "text/html; charset=utf-8", ids.html(iri).encode("utf-8"), vary=True)

        def do_POST(self):  # noqa: N802
            if self.path.split("?", 1)[0] != "/query":
                return self._send(405, "text/plain; charset=utf-8", b"only /query accepts POST\n")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                return self._send(400, "text/plain; charset=utf-8", b"bad Content-Length\n")
            if length > limits.query_bytes + 1024:
                self._drain(length)
                return self._send(413, "text/plain; charset=utf-8", f"the request has {length:,} bytes; this "
                                  f"endpoint takes at most {limits.query_bytes:,} of query\n".encode("utf-8"))
            return self._query(self.rfile.read(length))

    class Busy(Handler):
        """Answers any request 503 with ``Retry-After``: every handler is taken."""

        timeout = 5  # a client being turned away holds its place only briefly

        def _busy(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = 0
            self._drain(length, most=limits.query_bytes + 1024)  # so the client reads the answer, not a reset
            self.close_connection = True
            self._send(503, "text/plain; charset=utf-8",
                       f"{limits.handlers} requests are being answered; retry shortly\n".encode("utf-8"), retry=True)

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _busy  # noqa: N815

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # the listen backlog: a burst of clients waits to be accepted instead of being reset (the
        # standard library's 5 resets the rest of 64 clients arriving at once)
        request_queue_size = 1024

        def __init__(self, *args, **kwargs):
            self.handling = threading.BoundedSemaphore(limits.handlers)
            # the requests being told to retry; when these are taken too, new clients wait to be
            # accepted (in the backlog) rather than being turned away unanswered
            self.refusing = threading.BoundedSemaphore(64)
            super().__init__(*args, **kwargs)

        def process_request(self, request, client_address):
            if self.handling.acquire(blocking=False):
                slot, handler = self.handling, Handler
            else:
                self.refusing.acquire()
                slot, handler = self.refusing, Busy
            thread = threading.Thread(target=self._answer, args=(request, client_address, slot, handler), daemon=True)
            thread.start()

        def _answer(self, request, client_address, slot, handler) -> None:
            try:
                handler(request, client_address, self)
            except Exception:  # noqa: BLE001 - a client gone mid-answer
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
                slot.release()

        def handle_error(self, request, client_address) -> None:
            pass  # a client that went away is no error of the server's

    server = Server((host, port), Handler)
    server.daemon_threads = True
    return server


def start(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="exitkg-front", daemon=True)
    thread.start()
    return thread
