"""Running the canned queries against a remote SPARQL 1.1 endpoint, and publishing to a store.

:class:`RemoteEngine` has the same ``run(text, bindings)`` and ``query(name, **params)`` as a
loaded :class:`exitkg.graph.KnowledgeGraph` and returns rows of the same shape (pyoxigraph terms),
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
import socket
import urllib.error
from collections.abc import Mapping
from urllib.parse import urlsplit

from exitkg.engine import Queryable, Result, solutions_to_result
from exitkg.errors import DeadlineError, EndpointError, QueryError, UsageError, one_line

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

    from exitkg.terms import to_oxigraph

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

    Offers the same ``run`` and ``query`` as a local :class:`exitkg.graph.KnowledgeGraph`.
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
        from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
        from SPARQLWrapper import SPARQLExceptions as SE

        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setReturnFormat(JSON)
        client.setTimeout(int(self.timeout) if float(self.timeout).is_integer() else self.timeout)
        if self.graph:
            client.addDefaultGraph(self.graph)
        client.setQuery(with_bindings(text, bindings or {}))
        # SPARQLWrapper guesses the form from the text and can take a word in a comment for an
        # update keyword; this engine only ever sends queries.
        from exitkg.queries import query_form

        client.queryType = query_form(text)
        try:
            response = client.query()
            headers = response.response.headers  # case-insensitive HTTPMessage
            status = getattr(response.response, "status", None) or response.response.getcode()
            body = response.response.read()
        except SE.QueryBadFormed as exc:
            raise QueryError(f"{self.endpoint}: the endpoint rejected the query (HTTP 400): {one_line(_detail(exc))}") from None
        except SE.EndPointNotFound:
            raise self._fail("HTTP 404 not found (is this the query URL?)") from None
        except SE.Unauthorized:
            raise self._fail("HTTP 401 unauthorized") from None
        except SE.URITooLong:
            raise self._fail("HTTP 414 request too long") from None
        except SE.EndPointInternalError as exc:
            raise self._fail(f"HTTP 500 internal server error: {one_line(_detail(exc))}") from None
        except urllib.error.HTTPError as exc:
            raise self._fail(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise DeadlineError(f"{self.endpoint}: no answer within {self.timeout:g} s") from None
            if isinstance(reason, ConnectionRefusedError):
                raise self._fail("connection refused (nothing is listening there)") from None
            raise self._fail(f"cannot connect: {one_line(reason)}") from None
        except (socket.timeout, TimeoutError):
            raise DeadlineError(f"{self.endpoint}: no answer within {self.timeout:g} s") from None
        except http.client.IncompleteRead:
            raise self._fail("the answer was cut off (truncated body)") from None
        except (http.client.HTTPException, ConnectionError, OSError) as exc:
            raise self._fail(f"the connection failed: {one_line(exc) or type(exc).__name__}") from None
        if status == 206:
            raise self._fail("HTTP 206 partial content: the server capped the result, so it is incomplete")
        return self._parse(headers, body)

    def _parse(self, headers, body: bytes) -> Result:
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype and ctype not in (RESULTS_JSON, "application/json"):
            raise self._fail(f"answered with {ctype}, not SPARQL JSON results")
        length = headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) != len(body):
            raise self._fail("the answer was cut off (truncated body)")
        import pyoxigraph as ox

        try:
            answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            result = solutions_to_result(answer)
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            raise self._fail(f"the answer is not valid SPARQL JSON results ({one_line(exc)})") from None
        cap = headers.get("X-SPARQL-MaxRows")
        if cap is not None and cap.strip().isdigit() and len(result.rows) >= int(cap):
            raise self._fail(f"the result was capped at {int(cap)} rows by the server, so it is incomplete")
        return result


def _detail(exc) -> str:
    text = str(exc)
    return text.split("Response:", 1)[-1].strip() or text
