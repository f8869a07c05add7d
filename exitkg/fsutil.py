"""Atomic file and folder writing.

The new content is written to a temporary file in the target's directory,
flushed and fsynced, then moved over the target with :func:`os.replace`.
On any failure the previous file (if any) is left untouched and the
temporary file is removed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exitkg.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator:
    """A binary file to write *path* through: a temporary file beside it, renamed over *path*
    when the block ends without an exception (removed otherwise), so readers see the old file or
    the whole new one, never a part.

    Raises :class:`OutputError` if the directory is missing or not writable, if *path* is a
    directory, or if writing fails for any other reason.
    """
    target = Path(path)
    shown = os.fsdecode(path)
    directory = target.parent
    if not directory.is_dir():
        raise OutputError(f"cannot write {shown}: directory {os.fsdecode(directory)} does not exist")
    if target.is_dir():
        raise OutputError(f"cannot write {shown}: is a directory")
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()

    tmp_name = None
    try:
        try:
            fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
            handle = os.fdopen(fd, "wb")
        except OSError as exc:
            raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
        with handle:
            try:
                yield handle
            except OSError as exc:
                raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
            try:
                handle.flush()
                os.fsync(handle.fileno())
            except OSError as exc:
                raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
        try:
            os.chmod(tmp_name, mode)
            os.replace(tmp_name, target)
        except OSError as exc:
            raise OutputError(f"cannot write {shown}: {exc.strerror or exc}") from None
        tmp_name = None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    _fsync_directory(directory)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Atomically replace *path* with *data*; return the path (see :func:`atomic_writer`)."""
    with atomic_writer(path) as handle:
        handle.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Atomically replace *path* with *text* encoded as *encoding* (UTF-8 by default)."""
    return atomic_write_bytes(path, text.encode(encoding))


def _fsync_directory(directory: Path) -> None:
    """Best effort: make the rename durable (not supported on every platform)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def require_new_folder(path: str | os.PathLike[str], what: str) -> Path:
    """*path* as a Path, if it does not exist or is an empty folder; else :class:`OutputError`."""
    target = Path(os.fsdecode(path))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OutputError(f"{target}: already exists; {what} is written to a new folder")
    return target


@contextmanager
def new_folder(path: str | os.PathLike[str], what: str) -> Iterator[Path]:
    """Build a new folder atomically: yield a staging folder beside *path*, renamed to *path* when
    the block ends normally and removed when it raises, so *path* is never half written."""
    target = require_new_folder(path, what)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".exitkg-", dir=parent))
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create a folder there: {exc.strerror or exc}") from None
    try:
        yield staging
        try:
            if target.is_dir():
                target.rmdir()
            os.replace(staging, target)
        except OSError as exc:
            raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
