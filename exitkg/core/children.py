"""Child processes that end with the command that started them."""

from __future__ import annotations

import signal
from collections.abc import Callable


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` for a child process: the child is sent SIGTERM when its parent dies, even
    by SIGKILL, so no server or reasoner outlives the command that started it. Made in the parent
    (nothing is imported after the fork); None where the system has no ``prctl`` (not Linux)."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None

    def preexec() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return preexec
