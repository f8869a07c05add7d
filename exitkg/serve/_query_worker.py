"""A query process of ``exitkg serve`` (see :class:`exitkg.serve.endpoint.QueryPool`).

Usage: ``python -m exitkg.serve._query_worker STORE_FOLDER``. Opens the Oxigraph store read-only, then
answers requests read from stdin, one JSON object per line (``{"query": ..., "accept": ...,
"limit": bytes, "default_graphs": [IRI, ...], "named_graphs": [IRI, ...]}``), each with one frame
on stdout: a 12-byte header (head length, big-endian 32
bits; body length, 64 bits), a JSON head (``{"status": ..., "type": ...}``) and the body. It
writes one empty frame (status 0) once the store is open. The parent kills it when a query runs
past the deadline.
"""

from __future__ import annotations

import json
import struct
import sys


class _TooLarge(Exception):
    pass


class _Bounded:
    """A bytes sink that refuses to grow past *limit* bytes."""

    def __init__(self, limit: int):
        self.parts: list[bytes]
        self.limit, self.parts, self.size, self.over = limit, [], 0, False

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.over = True
            raise _TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _frame(status: int, ctype: str, body: bytes) -> bytes:
    head = json.dumps({"status": status, "type": ctype}).encode("utf-8")
    return struct.pack(">IQ", len(head), len(body)) + head + body


def answer(store, text: str, accept: str, limit: int, default_graphs=(), named_graphs=()) -> tuple[int, str, bytes]:
    """(HTTP status, content type, body) of one query, over the graphs given if any."""
    import pyoxigraph as ox

    from exitkg.serve.endpoint import choose_format

    from exitkg.sparql.guard import has_service

    try:
        if has_service(text):  # the front's look at the text can be fooled; Oxigraph's parser cannot
            return 400, "text/plain; charset=utf-8", (b"SERVICE is not allowed here: "
                                                      b"this endpoint never queries other endpoints\n")
    except SyntaxError as exc:
        return 400, "text/plain; charset=utf-8", f"malformed query: {exc}\n".encode("utf-8")
    dataset = {}
    if default_graphs:
        dataset["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs:
        dataset["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        result = store.query(text, **dataset)
    except SyntaxError as exc:
        return 400, "text/plain; charset=utf-8", f"malformed query: {exc}\n".encode("utf-8")
    except (OSError, ValueError, RuntimeError) as exc:
        return 500, "text/plain; charset=utf-8", f"the query failed: {exc}\n".encode("utf-8")
    kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
    chosen = choose_format(accept, kind)
    if chosen is None:
        return 406, "text/plain; charset=utf-8", f"none of the media types asked for can hold {kind}\n".encode()
    media_type, fmt = chosen
    sink = _Bounded(limit)
    try:
        result.serialize(sink, fmt)
    except Exception as exc:  # the sink's refusal comes back wrapped by pyoxigraph
        if sink.over:
            return 503, "text/plain; charset=utf-8", (
                f"the answer is larger than this endpoint's limit of {limit:,} bytes; ask for less (LIMIT)\n").encode()
        return 500, "text/plain; charset=utf-8", f"the query failed: {exc}\n".encode("utf-8")
    return 200, media_type, b"".join(sink.parts)


def main(location: str) -> int:
    import pyoxigraph as ox

    from exitkg.sparql.guard import deny_network

    deny_network()  # this process answers over its pipes; no query it runs may reach the network
    store = ox.Store.read_only(location)
    out = sys.stdout.buffer
    out.write(_frame(0, "", b""))
    out.flush()
    for line in sys.stdin.buffer:
        request = json.loads(line)
        out.write(_frame(*answer(store, request["query"], request["accept"], request["limit"],
                                 request.get("default_graphs", ()), request.get("named_graphs", ()))))
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
