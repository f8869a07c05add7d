"""The SPARQL endpoint of ``exitkg serve``: what it refuses, and the processes that answer.

Each query runs in one of a pool of query processes (:mod:`exitkg._query_worker`), each with the
Oxigraph store open read-only. The pool enforces the limits itself: a query still running at the
deadline is stopped by ending its process, which a fresh one replaces. (Oxigraph's own server
timeout was tried first and is not enough: it sends a status 200 and a broken body when it cancels
a query, and never cancels some, a sort over a cross product for one.) An answer larger than the
result limit is refused, and when every process is busy the client is told to retry.

Before any of that, :func:`check_query` refuses what must never run: SERVICE (the endpoint never
queries another endpoint for a client), updates, a text over the size limit, and nesting deeper
than :data:`MAX_NESTING` (Oxigraph's parser overflows its stack on a few thousand nested groups or
``!`` operators, which ends the process). Its look at SERVICE is a scan of the text, which escapes
can fool; so each query process asks Oxigraph's own parser again (:func:`has_service`) before it
runs a query, and cannot open a network socket in any case (:func:`deny_network`, on Linux).
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
from dataclasses import dataclass
from typing import NamedTuple

#: the deepest nesting of brackets and unary operators a query may have
MAX_NESTING = 100


@dataclass(frozen=True)
class Limits:
    """What the endpoint allows one query: seconds of evaluation, bytes of query text, bytes of
    answer, and queries running at once (each in a process of its own); and requests handled at
    once (*clients*; by default 16 more than four per query process), beyond which a client is
    answered 503 with ``Retry-After`` at once."""

    timeout: float = 30.0
    query_bytes: int = 64 * 1024
    result_bytes: int = 64 * 1024 * 1024
    concurrent: int = 4
    clients: int | None = None

    @property
    def handlers(self) -> int:
        """How many requests are handled at once."""
        return self.clients or 16 + 4 * self.concurrent


class Refused(Exception):
    """A query the endpoint will not run or finish: HTTP *status* and a one-line reason; *retry*
    when the client may try again shortly."""

    def __init__(self, status: int, reason: str, retry: bool = False):
        super().__init__(reason)
        self.status = status
        self.retry = retry


# the parts of a query that are not syntax: strings (long forms first), IRIs and comments
_STRINGS = (
    r'"""(?:[^"\\]|\\.|"(?!""))*"""',        # long strings
    r"'''(?:[^'\\]|\\.|'(?!''))*'''",
    r'"(?:[^"\\\n\r]|\\.)*"',                # strings
    r"'(?:[^'\\\n\r]|\\.)*'",
)
_IRI, _COMMENT = r'<[^<>"{}|^`\\\x00-\x20]*>', r"#[^\n\r]*"
_NOT_SYNTAX = re.compile("|".join((*_STRINGS, _IRI, _COMMENT)), re.S)
_STRINGS_AND_COMMENTS = re.compile("|".join((*_STRINGS, _COMMENT)), re.S)
_SERVICE = re.compile(r"(?<![\w?$:])service(?![\w:-])", re.I)
#: the words of SPARQL Update that no query has
_UPDATE = re.compile(r"(?<![\w?$:])(load|clear|drop|create|add|move|copy|insert|delete|with)(?![\w:-])", re.I)
_FROM_FILE = re.compile(r"(?<![\w?$:])from\s+(?:named\s+)?<\s*file:", re.I)
_OPEN, _CLOSE, _UNARY = set("{(["), set("})]"), set("!^-+")


def uses_service(text: str) -> bool:
    """Whether the SPARQL *text* looks like it has a SERVICE clause (the word outside strings,
    IRIs, comments and names): a quick first look that never executes anything; a text can hide
    the keyword from it (escapes in an IRI or a name), so :func:`has_service` decides."""
    return bool(_SERVICE.search(_NOT_SYNTAX.sub(" ", text)))


#: every spelling the keyword SERVICE could have: the word in any case, wherever it stands
#: (Oxigraph reads a keyword only as written, in ASCII letters; no escape spells one)
_SERVICE_WORD = re.compile("service", re.I)
_POSITION = re.compile(r"error at (\d+):(\d+)")
_GAP = re.compile(r"(?:\s|#[^\n\r]*)*")
_EMPTY_STORE = None


def has_service(text: str) -> bool:
    """Whether the query *text* has a SERVICE clause, as Oxigraph's own parser reads it.

    Every occurrence of the word (in any case, in names, IRIs, strings and comments alike) is
    masked (``service`` becomes ``xxxxxxx``), and Oxigraph parses the masked text: a SERVICE
    keyword masked is a syntax error there, any other occurrence changes nothing the parser cares
    about. So the answer is the parser's, whatever escapes the text holds, and the query itself is
    never parsed here, let alone run (the masked one has no SERVICE left; an ASK is answered over
    an empty store). Raises :class:`SyntaxError` (Oxigraph's) for a text malformed elsewhere.
    """
    words = list(_SERVICE_WORD.finditer(text))
    if not words:
        return False
    masked = _SERVICE_WORD.sub(lambda m: "".join("X" if c.isupper() else "x" for c in m.group()), text)
    global _EMPTY_STORE
    import pyoxigraph as ox

    if _EMPTY_STORE is None:
        _EMPTY_STORE = ox.Store()
    try:
        _EMPTY_STORE.query(masked)
    except SyntaxError as exc:
        # where the parser stopped: at a masked keyword (or in the space after it) means SERVICE
        found = _POSITION.search(str(exc))
        if found:
            line, column = int(found.group(1)), int(found.group(2))
            lines = text.split("\n")  # the parser counts lines by line feeds only
            start = sum(len(x) + 1 for x in lines[:line - 1])
            here = lines[line - 1] if line - 1 < len(lines) else ""
            # the column counts characters; bytes too, in case
            offsets = {start + column - 1, start + len(here.encode("utf-8")[:column - 1].decode("utf-8", "ignore"))}
            for word in words:
                gap_end = _GAP.match(text, word.end()).end()  # type: ignore[union-attr]  # _GAP matches ""
                if any(word.start() <= offset <= gap_end for offset in offsets):
                    return True
        raise
    except (OSError, ValueError, RuntimeError):
        pass  # the masked query parsed: no SERVICE
    return False


#: the system call numbers (socket, io_uring_setup) and audit architecture of the machines
#: :func:`deny_network` knows
_SYSCALLS = {"x86_64": (41, 425, 0xC000003E), "aarch64": (198, 425, 0xC00000B7)}


def deny_network() -> bool:
    """Make the calling thread (and every thread it starts) unable to open any socket but a Unix
    one, with a seccomp filter (Linux on x86-64 or ARM64): whatever a query asks for, the engine
    cannot reach the network from here. Irreversible. Returns whether the filter is in place."""
    import ctypes
    import platform
    import struct as _struct

    machine = platform.machine().lower()
    if sys.platform != "linux" or machine not in _SYSCALLS:
        return False
    nr_socket, nr_io_uring, arch = _SYSCALLS[machine]
    ld, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, refuse = 0x7FFF0000, 0x00050000 | 13  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EACCES
    program = [
        (ld, 0, 0, 4),                 # the architecture
        (jeq, 0, 7, arch),             # another one: allowed (to the end)
        (ld, 0, 0, 0),                 # the system call
        (jeq, 4, 0, nr_io_uring),      # io_uring (which could open sockets): refused
        (jeq, 0, 4, nr_socket),        # anything else but socket(): allowed
        (ld, 0, 0, 16),                # socket()'s address family
        (jeq, 2, 0, 1),                # AF_UNIX: allowed
        (ret, 0, 0, refuse),           # any other family: refused
        (ret, 0, 0, refuse),           # (io_uring)
        (ret, 0, 0, allow),
    ]
    code = b"".join(_struct.pack("HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code, len(code))

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Program(len(program), ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
    return libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) == 0


def check_query(text: str, limits: Limits = Limits()) -> None:
    """Raise :class:`Refused` if the endpoint must not run *text*; nothing is executed here."""
    size = len(text.encode("utf-8"))
    if size > limits.query_bytes:
        raise Refused(413, f"the query has {size:,} bytes; this endpoint takes at most {limits.query_bytes:,}")
    syntax = _NOT_SYNTAX.sub(" ", text)
    if uses_service(text):
        raise Refused(400, "SERVICE is not allowed here: this endpoint never queries other endpoints")
    update = _UPDATE.search(syntax)
    if update:
        raise Refused(403, f"{update.group(1).upper()} is an update, and this endpoint is read-only: "
                           "updates are refused")
    if _FROM_FILE.search(_STRINGS_AND_COMMENTS.sub(" ", text)):
        raise Refused(400, "FROM <file:...> is not allowed here: this endpoint reads no files (FROM names a graph "
                           "of its store)")
    depth = deepest = run = 0
    for char in syntax:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        run = run + 1 if char in _UNARY else (run if char.isspace() else 0)
        deepest = max(deepest, depth + run)
    if deepest > MAX_NESTING:
        raise Refused(400, f"the query nests {deepest} levels deep; this endpoint takes at most {MAX_NESTING}")


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
        from exitkg.children import die_with_parent

        self.proc = subprocess.Popen([sys.executable, "-m", "exitkg._query_worker", location],
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
