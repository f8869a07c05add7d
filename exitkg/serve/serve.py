"""``exitkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the graph, with a query page and
the project's identifiers on the same port (see :mod:`exitkg.serve.front`).

The graph (as :func:`exitkg.graph.local.load` reads it: the ontology and the packaged sources, or the
inputs given) is loaded into an Oxigraph store with ``oxigraph load`` (from the ``oxigraph``
package), which query processes open read-only (see :mod:`exitkg.serve.endpoint` for the limits each
query runs under). Each source keeps its named graph; the default graph is the merge, as locally.
The store lives in a temporary folder that is removed when the server stops, unless a store folder
is given.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from exitkg.core.errors import EndpointError, OutputError, one_line
from exitkg.rdf.files import PathLike, Reading

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable installed with the ``oxigraph`` package."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if not found:
        raise EndpointError("the Oxigraph server is not installed (pip install oxigraph)")
    return found


def check_port(host: str, port: int) -> None:
    """Fail with a clear error if *port* on *host* cannot be bound."""
    if not 0 < port < 65536:
        raise EndpointError(f"port {port} is not a valid TCP port")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise EndpointError(f"cannot serve on host {host!r}: {one_line(exc)}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise EndpointError(f"port {port} on {host} is already in use; choose another port") from None
            raise EndpointError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


_OWNER = "exitkg-serve.owner"


def _process_key(pid: int) -> str | None:
    """pid and start time of a running process (a pid alone may be reused), or None."""
    try:
        return f"{pid} {Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[19]}"
    except (OSError, IndexError):
        return None


def _remove_abandoned_stores() -> None:
    """Remove the temporary stores of servers that were killed (SIGKILL leaves no chance to clean
    up): folders of ours whose owner process no longer runs."""
    for folder in Path(tempfile.gettempdir()).glob("exitkg-store-*"):
        try:
            owner = (folder / _OWNER).read_text().strip()
        except OSError:
            continue
        if owner and _process_key(int(owner.split()[0])) != owner:
            shutil.rmtree(folder, ignore_errors=True)


def _prepare_store(store: PathLike | None) -> tuple[Path, bool]:
    """Return (store folder, whether it is temporary)."""
    if store is None:
        _remove_abandoned_stores()
        folder = Path(tempfile.mkdtemp(prefix="exitkg-store-"))
        (folder / _OWNER).write_text((_process_key(os.getpid()) or "") + "\n")
        return folder, True
    path = Path(store)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{store}: cannot create the store folder: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise OutputError(f"{store}: the store folder cannot be written")
    if any(path.iterdir()):
        raise OutputError(f"{store}: the store folder is not empty; give an empty or new folder")
    return path, False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_on_signals() -> dict:
    """Make Ctrl-C (even where the shell ignores it) and SIGTERM stop the server cleanly."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, _interrupt)
    return previous


def serve(data: Iterable[PathLike] | None = None, only: Iterable[PathLike] | None = None, *, ontology: bool = True,
          host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, store: PathLike | None = None,
          limits=None, normalize_literals: bool = False, reading: Reading | None = None,
          announce: Callable[[str], None] = print) -> int:
    """Serve the graph until interrupted; return 0 after a clean stop. ``ontology=False`` (with
    *only*) serves exactly the files of *only*; *reading* says how the files of *data* and *only*
    are read (see :func:`exitkg.graph.local.load`).

    *limits* (:class:`exitkg.sparql.guard.Limits`) bound what one query may take: seconds, the size
    of the query text and of the answer, and the queries running at once (see
    :mod:`exitkg.serve.endpoint`).
    """
    from exitkg.serve.endpoint import QueryPool
    from exitkg.sparql.guard import Limits
    from exitkg.graph.local import load

    limits = limits or Limits()
    binary = oxigraph_binary()
    check_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/query"
    graph = load(data, only, ontology=ontology, describe=True, endpoint=url, normalize_literals=normalize_literals,
                 reading=reading)
    folder, temporary = _prepare_store(store)
    pool = front = None
    try:
        location = folder / "db" if temporary else folder
        with tempfile.TemporaryDirectory(prefix="exitkg-load-") as scratch:
            dump = Path(scratch) / "graph.nq"
            import pyoxigraph as ox

            graph.store.dump(str(dump), format=ox.RdfFormat.N_QUADS)
            loaded = subprocess.run([binary, "load", "--location", str(location), "--file", str(dump)],
                                    capture_output=True, text=True)
        if loaded.returncode != 0:
            raise OutputError(f"{location}: Oxigraph could not load the graph: {one_line(loaded.stderr)}")
        try:
            pool = QueryPool(location, limits)
        except OSError as exc:
            raise EndpointError(str(exc)) from None
        from exitkg.serve.front import make_server, start

        try:
            front = make_server(host, port, pool, graph)
        except OSError as exc:
            raise OutputError(f"cannot listen on {shown}:{port}: {exc.strerror or exc}") from None
        start(front)
        announce(f"SPARQL endpoint (read-only, {len(graph)} triples): {url}")
        announce(f"Query page: http://{shown}:{port}/ (identifiers answer at http://{shown}:{port}/id/...)")
        announce("Press Ctrl-C to stop.")
        previous = _stop_on_signals()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return 0
    finally:
        if front is not None:
            front.shutdown()
            front.server_close()
        if pool is not None:
            pool.close()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
