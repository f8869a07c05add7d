"""Running the canned queries against a remote SPARQL 1.1 endpoint, and publishing to a store.

:class:`RemoteEngine` has the same ``run(text, bindings)`` and ``query(name, **params)`` as a
loaded :class:`exitkg.graph.local.KnowledgeGraph` and returns rows of the same shape (pyoxigraph terms),
so every command works locally and remotely alike. It talks to the endpoint through SPARQLWrapper.

Parameters reach a remote endpoint as ``BIND(term AS ?name)`` inserted at the start of every
``WHERE`` group of the query (the SPARQL 1.1 Protocol has no other way to bind variables). The
terms are written in N-Triples syntax: IRIs are validated before they become terms and literals
are escaped, so user text cannot change the query. Results are read with
pyoxigraph's SPARQL results parser.

Every failure becomes one line naming the endpoint: :class:`EndpointError` (exit 6) for a
refused connection, an HTTP error, a body that is not SPARQL results (an HTML page), a truncated
body or a row-capped result; :class:`DeadlineError` (exit 7) when the endpoint does not answer
within the timeout.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
import urllib.error
from collections.abc import Mapping
from urllib.parse import urlsplit

from exitkg.sparql.queries import Queryable
from exitkg.sparql.engine import Result, solutions_to_result
from exitkg.core.errors import DeadlineError, EndpointError, QueryError, UsageError, one_line

DEFAULT_TIMEOUT = 30.0
DEFAULT_GRAPH = "https://w3id.org/exitkg/id/graph/main"
RESULTS_JSON = "application/sparql-results+json"


def check_url(url: str, what: str = "endpoint") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{what} {url!r} is not an http(s) URL")
    return url


def _term_n3(term) -> str:
    import pyoxigraph as ox

    from exitkg.rdf.terms import to_oxigraph

    term = to_oxigraph(term)
    if isinstance(term, ox.BlankNode):
        raise QueryError("blank nodes cannot be sent as parameter values")
    return str(term)  # N-Triples syntax: quotes, backslashes and line breaks in literals are escaped


def _scan_where_groups(text: str) -> list[int]:
    """Positions just after the '{' of every ``WHERE {`` outside IRIs, strings and comments."""
    positions, i, n = [], 0, len(text)
    upper = text.upper()
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == "<" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in "=<":
            j = text.find(">", i + 1)
            i = n if j < 0 else j + 1
        elif c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
        elif upper.startswith("WHERE", i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_?$")):
            j = i + 5
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == "{":
                positions.append(j + 1)
                i = j + 1
            else:
                i += 5
        else:
            i += 1
    return positions


def with_bindings(text: str, bindings: Mapping) -> str:
    """The query with ``BIND(term AS ?name)`` for each of *bindings* at the start of every WHERE
    group (subqueries included), so each group sees the parameters as a local store would.

    BIND at the start of a group means what a one-row VALUES block means there, and it is the form
    every store tried answers correctly: Virtuoso 7.2 loses rows, or never answers, when a VALUES
    block sits inside a subquery.
    """
    if not bindings:
        return text
    block = " " + " ".join(f"BIND({_term_n3(bindings[v])} AS ?{v})" for v in bindings) + " "
    positions = _scan_where_groups(text)
    if not positions:
        raise QueryError("cannot bind parameters: the query has no WHERE clause")
    out, last = [], 0
    for pos in positions:
        out.append(text[last:pos])
        out.append(block)
        last = pos
    out.append(text[last:])
    return "".join(out)


class RemoteEngine(Queryable):
    """A graph behind a remote SPARQL 1.1 Protocol endpoint, queried through SPARQLWrapper.

    Offers the same ``run`` and ``query`` as a local :class:`exitkg.graph.local.KnowledgeGraph`.
    """

    name = "remote"

    def __init__(self, endpoint: str, graph: str | None = None, timeout: float = DEFAULT_TIMEOUT):
        self.endpoint = check_url(endpoint)
        self.graph = graph
        if not timeout > 0:
            raise UsageError("the endpoint timeout must be a positive number of seconds")
        self.timeout = timeout

    def _fail(self, problem: str) -> EndpointError:
        return EndpointError(f"{self.endpoint}: {problem}")

    def run(self, text: str, bindings: Mapping | None = None) -> Result:
        """Send the query; a busy or overloaded endpoint (429, 502, 503, 504, or a connection
        reset) is asked again, at most :data:`ATTEMPTS` times, waiting as its ``Retry-After``
        says (or 1, 2, 4 s); all of it, reading the answer included, within ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        query = with_bindings(text, bindings or {})
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._check_shape(text, bindings or {}, self._attempt(text, query, deadline))
            except _Retry as retry:
                wait = retry.after if retry.after is not None else 2.0 ** (attempt - 1)
                if attempt == ATTEMPTS or time.monotonic() + wait >= deadline:
                    raise self._fail(f"{retry.problem}, {attempt} time{'s' if attempt != 1 else ''}") from None
                time.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, text: str, query: str, deadline: float) -> Result:
        from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper import SPARQLExceptions as SE

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineError(f"{self.endpoint}: no answer within {self.timeout:g} s")
        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setReturnFormat(JSON)
        # only SPARQL JSON results: an endpoint offered application/json too may answer in a JSON
        # of its own (Comunica does)
        client.addCustomHttpHeader("Accept", RESULTS_JSON)
        # seconds, a float (setTimeout would round 0.9 s down to none), though SPARQLWrapper types it int
        client.timeout = remaining  # type: ignore[assignment]
        if self.graph:
            client.addDefaultGraph(self.graph)
        client.setQuery(query)
        # SPARQLWrapper guesses the form from the text and can take a word in a comment for an
        # update keyword; this engine only ever sends queries.
        from exitkg.sparql.queries import query_form

        client.queryType = query_form(text)
        try:
            response = client.query()
            headers = response.response.headers  # case-insensitive HTTPMessage
            status = getattr(response.response, "status", None) or response.response.getcode()
            body = _read_before(response.response, deadline)
        except SE.QueryBadFormed as exc:
            raise QueryError(f"{self.endpoint}: the endpoint rejected the query (HTTP 400): "
                             f"{one_line(_detail(exc))}") from None
        except SE.EndPointNotFound:
            raise self._fail("HTTP 404 not found (is this the query URL?)") from None
        except SE.Unauthorized:
            raise self._fail("HTTP 401 unauthorized") from None
        except SE.URITooLong:
            raise self._fail("HTTP 414 request too long") from None
        except SE.EndPointInternalError as exc:
            raise self._fail(f"HTTP 500 internal server error: {one_line(_detail(exc))}") from None
        except urllib.error.HTTPError as exc:
            if exc.code in RETRIED:
                raise _Retry(f"HTTP {exc.code} {exc.reason}", _retry_after(exc.headers.get("Retry-After"))) from None
            raise self._fail(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise DeadlineError(f"{self.endpoint}: no answer within {self.timeout:g} s") from None
            if isinstance(reason, ConnectionRefusedError):
                raise self._fail("connection refused (nothing is listening there)") from None
            if isinstance(reason, ConnectionResetError):
                raise _Retry("the connection was reset", None) from None
            raise self._fail(f"cannot connect: {one_line(reason)}") from None
        except TimeoutError:
            raise DeadlineError(f"{self.endpoint}: no answer within {self.timeout:g} s") from None
        except http.client.IncompleteRead:
            raise self._fail("the answer was cut off (truncated body)") from None
        except ConnectionResetError:
            raise _Retry("the connection was reset", None) from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise self._fail(f"the connection failed: {one_line(exc) or type(exc).__name__}") from None
        if status == 206:
            raise self._fail("HTTP 206 partial content: the server capped the result, so it is incomplete")
        return self._parse(headers, body)

    def _check_shape(self, text: str, bindings: Mapping, result: Result) -> Result:
        """*result* if it answers the query asked: a yes or no to an ASK, and to a SELECT the
        variables the query selects (as Oxigraph reads the query; the parameters sent as BIND may
        come back too), none missing and none other; :class:`EndpointError` naming the first
        variable that differs."""
        expected = _selected(text)
        if expected is None:
            return result
        if expected == "ASK":
            if result.boolean is None:
                raise self._fail("answered an ASK query with rows instead of true or false")
            return result
        if result.boolean is not None:
            raise self._fail("answered a SELECT query with true or false instead of rows")
        for name in expected:
            if name not in result.variables:
                raise self._fail(f"the answer has no variable ?{name}, which the query selects "
                                 f"(it has {', '.join('?' + v for v in result.variables) or 'none'})")
        for name in result.variables:
            if name not in expected and name not in bindings:
                raise self._fail(f"the answer has a variable ?{name}, which the query does not select")
        return result

    def _parse(self, headers, body: bytes) -> Result:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype and ctype not in (RESULTS_JSON, "application/json"):
            raise self._fail(f"answered with {ctype}, not SPARQL JSON results")
        length = headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) != len(body):
            raise self._fail("the answer was cut off (truncated body)")
        import pyoxigraph as ox

        try:
            answer = ox.parse_query_results(_results_only(body), format=ox.QueryResultsFormat.JSON)
            result = solutions_to_result(answer)
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            raise self._fail(f"the answer is not valid SPARQL JSON results ({one_line(exc)})") from None
        state = (headers.get("X-SQL-State") or "").strip()
        if state:  # Virtuoso's "anytime" answer: what it found before its time limit
            raise self._fail(f"the server stopped the query early and sent a partial result "
                             f"({state}: {one_line(headers.get('X-SQL-Message') or '')}), so it is incomplete")
        cap = headers.get("X-SPARQL-MaxRows")
        if cap is not None and cap.strip().isdigit() and len(result.rows) >= int(cap):
            raise self._fail(f"the result was capped at {int(cap)} rows by the server, so it is incomplete")
        if cap is None and len(result.rows) in ROUND_CAPS:
            result.notes.append(
                f"{self.endpoint}: the answer has exactly {len(result.rows):,} rows, a limit servers often set "
                "(Virtuoso's ResultSetMaxRows is one), and no header saying whether it was cut, so it may be "
                "incomplete; check the server's row limit")
        return result


def _results_only(body: bytes) -> bytes:
    """The SPARQL JSON results in *body* with only the members the format defines (``head``'s
    ``vars``, ``results``' ``bindings``, ``boolean``), in the order Oxigraph's reader wants:
    stores add members of their own (Comunica a ``metadata`` member after the results, others
    ``distinct``, ``ordered`` or ``link``), in any order. A body that is not a JSON object is
    passed on as it is, for the reader to refuse."""
    import json

    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if not isinstance(doc, dict) or not isinstance(doc.get("head"), dict):
        return body
    head = {"vars": doc["head"]["vars"]} if "vars" in doc["head"] else {}
    if "boolean" in doc:
        kept = {"head": head, "boolean": doc["boolean"]}
    elif isinstance(doc.get("results"), dict) and "bindings" in doc["results"]:
        kept = {"head": head, "results": {"bindings": doc["results"]["bindings"]}}
    else:
        return body
    return json.dumps(kept).encode("utf-8")


def _selected(text: str):
    """What the query *text* answers, as Oxigraph's parser reads it: "ASK", or the list of the
    variables a SELECT projects; None for other forms or a text that cannot be read here (one with
    SERVICE, which only the endpoint runs). Nothing is evaluated: the solutions of a SELECT over
    an empty store are never read, and an ASK is recognised without running it."""
    from exitkg.sparql.guard import has_service
    from exitkg.sparql.queries import query_form

    form = query_form(text)
    if form == "SELECT" and _STAR.search(text):
        return None  # what * holds is where stores differ (the parameters sent as BIND, for one)
    if form == "ASK":
        return "ASK"
    if form != "SELECT":
        return None
    try:
        if has_service(text):
            return None
        import pyoxigraph as ox

        answer = _empty_store().query(text)
    except (SyntaxError, OSError, ValueError, RuntimeError):
        return None
    return [v.value for v in answer.variables] if isinstance(answer, ox.QuerySolutions) else None


_STAR = re.compile(r"\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?\*", re.I)
_EMPTY = None


def _empty_store():
    global _EMPTY
    if _EMPTY is None:
        import pyoxigraph as ox

        _EMPTY = ox.Store()
    return _EMPTY


#: row counts that servers set as a limit on an answer without saying so (Virtuoso's
#: ResultSetMaxRows is often 10,000 or 100,000): an answer of exactly this many rows may be cut
ROUND_CAPS = frozenset({1_000, 10_000, 100_000, 1_000_000})


#: how many times a query is sent to an endpoint that answers it is busy; the HTTP statuses that say so
ATTEMPTS, RETRIED = 4, (429, 502, 503, 504)


class _Retry(Exception):
    def __init__(self, problem: str, after: float | None):
        super().__init__(problem)
        self.problem, self.after = problem, after


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds (an HTTP date counts as none)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _read_before(response, deadline: float) -> bytes:
    """The body, read in pieces, each read allowed only the time left: an endpoint that sends its
    answer a few bytes at a time still has to finish by the deadline."""
    raw = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    parts: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if raw is not None:
            raw.settimeout(left)
        piece = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not piece:
            return b"".join(parts)
        parts.append(piece)


def _detail(exc) -> str:
    text = str(exc)
    return text.split("Response:", 1)[-1].strip() or text
