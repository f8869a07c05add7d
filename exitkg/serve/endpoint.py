"""The SPARQL endpoint of ``exitkg serve``: the protocol's requests and answers, and the processes that answer.

Each query runs in one of a pool of query processes (:mod:`exitkg.serve._query_worker`), each with the
Oxigraph store open read-only. The pool enforces the limits itself: a query still running at the
deadline is stopped by ending its process, which a fresh one replaces. (Oxigraph's own server
timeout was tried first and is not enough: it sends a status 200 and a broken body when it cancels
a query, and never cancels some, a sort over a cross product for one.) An answer larger than the
result limit is refused, and when every process is busy the client is told to retry. What is refused
before any of that is :mod:`exitkg.sparql.guard`'s.
"""

from __future__ import annotations

import json
import os
import queue
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from typing import NamedTuple


from exitkg.sparql.guard import Limits, Refused


class QueryRequest(NamedTuple):
    """A query as the protocol gives it: its text, and the dataset asked for (graph IRIs)."""

    text: str
    default_graphs: list[str]
    named_graphs: list[str]


def query_request(method: str, path: str, headers, body: bytes | None) -> QueryRequest:
    """The query of a SPARQL 1.1 Protocol request (GET, form POST or direct POST), with its
    ``default-graph-uri`` and ``named-graph-uri``; :class:`Refused` for an update or a request
    that holds no query."""
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype == "application/sparql-update":
        raise Refused(403, "this endpoint is read-only: updates are refused")
    params = urllib.parse.parse_qs(path.split("?", 1)[1]) if "?" in path else {}
    if method == "POST" and ctype == "application/x-www-form-urlencoded":
        try:
            params.update(urllib.parse.parse_qs((body or b"").decode("utf-8")))
        except UnicodeDecodeError:
            raise Refused(400, "the form is not UTF-8") from None
    if "update" in params:
        raise Refused(403, "this endpoint is read-only: updates are refused")
    graphs = [*params.get("default-graph-uri", []), *params.get("named-graph-uri", [])]
    if any(not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]*$", g) for g in graphs):
        raise Refused(400, "a default-graph-uri or named-graph-uri is not an absolute IRI")
    dataset = (params.get("default-graph-uri", []), params.get("named-graph-uri", []))
    if method == "POST" and ctype == "application/sparql-query":
        try:
            return QueryRequest((body or b"").decode("utf-8"), *dataset)
        except UnicodeDecodeError:
            raise Refused(400, "the query is not UTF-8") from None
    if len(params.get("query", [])) != 1:
        raise Refused(400, "give one query: ?query=... or a POST of application/sparql-query")
    return QueryRequest(params["query"][0], *dataset)


#: what the endpoint writes, by kind of answer: media type -> pyoxigraph format (first: the default)
def _formats(kind: str) -> dict:
    import pyoxigraph as ox

    if kind == "graph":
        return {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}
    return {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            "text/csv": ox.QueryResultsFormat.CSV, "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def choose_format(accept: str, kind: str):
    """(media type, pyoxigraph format) for an Accept header and a kind of answer ("results" or
    "graph"), by the client's preference (q values); the kind's default for ``*/*`` or no header;
    None when nothing asked for can be written."""
    formats = _formats(kind)
    default = next(iter(formats.items()))
    wanted = []
    for position, item in enumerate((accept or "*/*").split(",")):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        quality = 1.0
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            wanted.append((-quality, position, media))
    for _, _, media in sorted(wanted):
        if media in formats:
            return media, formats[media]
        if media in ("*/*", "application/*", "text/*") and (media == "*/*" or default[0].startswith(media[:-1])):
            return default
    return None


class _Worker:
    """One query process."""

    def __init__(self, location: str):
        from exitkg.core.children import die_with_parent

        self.proc = subprocess.Popen([sys.executable, "-m", "exitkg.serve._query_worker", location],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     start_new_session=True, preexec_fn=die_with_parent())
        self.buffer = b""

    def _read(self, size: int, deadline: float | None) -> bytes:
        assert self.proc.stdout is not None  # stdout=PIPE
        fd = self.proc.stdout.fileno()
        while len(self.buffer) < size:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], wait)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def receive(self, deadline: float | None) -> tuple[int, str, bytes]:
        head_size, body_size = struct.unpack(">IQ", self._read(12, deadline))
        head = json.loads(self._read(head_size, deadline))
        return head["status"], head["type"], self._read(body_size, deadline)

    def send(self, request: dict) -> None:
        assert self.proc.stdin is not None  # stdin=PIPE
        self.proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]  # both are pipes
            except OSError:
                pass


class QueryPool:
    """``limits.concurrent`` query processes over the store at *location*, opened read-only."""

    START_TIMEOUT = 60.0

    def __init__(self, location, limits: Limits):
        self.location, self.limits = str(location), limits
        self.idle: queue.Queue = queue.Queue()
        self.closed = False
        # Every process is started by this one long-lived thread: a child is told to end when the
        # thread that started it ends (PR_SET_PDEATHSIG), so a request's thread must not start one.
        self._spawns: queue.Queue = queue.Queue()
        threading.Thread(target=self._spawner, name="exitkg-query-processes", daemon=True).start()
        for _ in range(limits.concurrent):
            self.idle.put(self._spawn())

    def _spawner(self) -> None:
        while True:
            reply = self._spawns.get()
            try:
                reply.put(self._started())
            except OSError as exc:
                if reply is not self.idle:  # a replacement that failed leaves the pool one smaller
                    reply.put(exc)

    def _spawn(self, into: queue.Queue | None = None) -> _Worker | None:
        """A fresh process; with *into*, put there when ready instead, without waiting for it."""
        if into is not None:
            self._spawns.put(into)
            return None
        reply: queue.Queue = queue.Queue()
        self._spawns.put(reply)
        worker = reply.get()
        if isinstance(worker, OSError):
            raise worker
        return worker

    def _started(self) -> _Worker:
        worker = _Worker(self.location)
        try:
            status, _, _ = worker.receive(time.monotonic() + self.START_TIMEOUT)
        except (TimeoutError, EOFError, struct.error):
            worker.stop()
            raise OSError(f"a query process could not open the store at {self.location}") from None
        if status != 0:  # pragma: no cover - the worker's first frame is always the ready frame
            worker.stop()
            raise OSError("a query process did not start")
        return worker

    def _replace(self, worker: _Worker) -> None:
        """End *worker*; a fresh process takes its place when ready, without keeping the client waiting."""
        worker.stop()
        if not self.closed:
            self._spawn(into=self.idle)

    def run(self, text: str, accept: str, default_graphs: tuple[str, ...] | list[str] = (),
            named_graphs: tuple[str, ...] | list[str] = ()
            ) -> tuple[int, str, bytes]:
        """(status, content type, body) of *text* over the dataset given (graph IRIs; none: the
        store's default graph, the merge); :class:`Refused` at the deadline or when busy."""
        try:
            worker = self.idle.get(timeout=1.0)
        except queue.Empty:
            raise Refused(503, f"{self.limits.concurrent} queries are running; retry shortly", retry=True) from None
        request = {"query": text, "accept": accept, "limit": self.limits.result_bytes,
                   "default_graphs": list(default_graphs), "named_graphs": list(named_graphs)}
        deadline = time.monotonic() + self.limits.timeout
        for attempt in (1, 2):
            try:
                if worker.proc.poll() is not None:  # ended while idle (killed from outside)
                    raise BrokenPipeError
                worker.send(request)
                answer = worker.receive(deadline)
            except TimeoutError:
                self._replace(worker)
                raise Refused(503, f"the query ran longer than this endpoint's limit of {self.limits.timeout:g} s "
                                   "and was stopped") from None
            except (EOFError, OSError, struct.error, ValueError) as exc:
                # the process was gone, or went while answering: a read-only query can run again, once,
                # in a fresh process; a query that ends that one too is refused
                worker.stop()
                if attempt == 2:
                    self._spawn(into=self.idle)
                    raise Refused(500, "the query ended its query process "
                                       f"({type(exc).__name__}); a fresh one has taken its place") from None
                try:
                    worker = self._spawn()
                except OSError:
                    self._spawn(into=self.idle)
                    raise Refused(500, "no query process could be started") from None
                continue
            self.idle.put(worker)
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.closed = True
        while True:
            try:
                self.idle.get_nowait().stop()
            except queue.Empty:
                return
