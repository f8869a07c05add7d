"""What exitkg never runs: the query guard shared by the local engine and the endpoint.

:func:`check_query` refuses what an endpoint must never run: SERVICE (exitkg never queries another
endpoint for a client), updates, a text over the size limit, ``FROM <file:...>``, and nesting deeper
than :data:`MAX_NESTING` (Oxigraph's parser overflows its stack on a few thousand nested groups or
``!`` operators, which ends the process). Its look at SERVICE is a scan of the text, which escapes
can fool; so every place a query runs asks Oxigraph's own parser again (:func:`has_service`) and
cannot open a network socket in any case (:func:`deny_network`, on Linux). :class:`Limits` bounds
what one query may take at the endpoint.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

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
