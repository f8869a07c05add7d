"""Progress on a terminal for commands that can take more than a few seconds.

A :class:`Progress` writes one line to standard error, rewritten in place at most five times a
second (``linking cases: 12,000 of 200,000 (6%)``) and erased at the end, only when standard error
is a terminal; when it is a file or a pipe it writes nothing, so logs and scripts see only the
command's own output.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager


class Progress:
    """``with Progress("linking cases", total) as bar: ... bar.step() ...``"""

    INTERVAL = 0.2

    def __init__(self, what: str, total: int | None = None, *, enabled: bool = True, stream=None):
        self.what = what
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and _is_terminal(self.stream)
        self._last = 0.0
        self._width = 0

    def __enter__(self) -> Progress:
        if self.enabled and self.total is not None:
            self._show()
        return self

    def __exit__(self, *exc) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.enabled:
            now = time.monotonic()
            if now - self._last >= self.INTERVAL:
                self._show(now)

    def message(self, text: str) -> None:
        """Show *text* as the current stage (``validating: running SHACL``)."""
        if self.enabled:
            self._write(f"{self.what}: {text}")

    @contextmanager
    def stage(self, text: str):
        """A stage that blocks (a reasoner, a request): its text with the seconds it has taken,
        updated every second until the block ends."""
        if not self.enabled:
            yield
            return
        start = time.monotonic()
        done = threading.Event()
        lock = threading.Lock()

        def tick():
            while not done.wait(1.0):
                with lock:
                    self._write(f"{self.what}: {text} ({int(time.monotonic() - start)} s)")

        self.message(text)
        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def _show(self, now: float | None = None) -> None:
        self._last = now if now is not None else time.monotonic()
        if self.total:
            text = f"{self.what}: {self.done:,} of {self.total:,} ({100 * self.done // self.total}%)"
        else:
            text = f"{self.what}: {self.done:,}"
        self._write(text)

    def _write(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._width = len(text)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
