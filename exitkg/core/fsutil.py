"""Atomic file and folder writing.

The new content is written to a temporary file in the target's directory,
flushed and fsynced, then moved over the target with :func:`os.replace`.
On any failure the previous file (if any) is left untouched and the
temporary file is removed.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from exitkg.core.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_writer(path: str | os.PathLike[str]) -> Iterator:
    """A binary file to write *path* through: a temporary file beside it, renamed over *path*
    when the block ends without an exception (removed otherwise), so readers see the old file or
    the whole new one, never a part.

    A symbolic link is followed: the file it names is replaced, and the link is kept.

    Raises :class:`OutputError` if the directory is missing or not writable, if *path* is a
    directory, or if writing fails for any other reason.
    """
    target = Path(path)
    shown = os.fsdecode(path)
    try:
        if target.is_symlink():  # write the file the link names; the link stays a link
            target = Path(os.path.realpath(target))
        directory = target.parent
        if not directory.is_dir():
            raise OutputError(f"cannot write {shown}: directory {os.fsdecode(directory)} does not exist")
        if target.is_dir():
            raise OutputError(f"cannot write {shown}: is a directory")
    except OSError as exc:  # a name too long, a loop of links ...
        raise OutputError(f"cannot write {_shorter(shown)}: {exc.strerror or exc}") from None
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()

    # On Linux the new content goes first into a file with no name (O_TMPFILE), which the system
    # removes by itself if the process dies, even by SIGKILL; it gets a name only for the moment
    # of the rename. Elsewhere (or where the file system has no O_TMPFILE), a named temporary file.
    tmp_name = None
    try:
        try:
            fd, tmp_name = _unnamed_file(directory, mode)
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
                if tmp_name is None:
                    tmp_name = _name_unnamed(handle.fileno(), directory, target.name)
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


def _linkat():
    """The C library's ``linkat`` (os.link cannot name a /proc/self/fd link), or None."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None


def _unnamed_file(directory: Path, mode: int) -> tuple[int, str | None]:
    """(descriptor, None) of a new unnamed file in *directory*, or (descriptor, name) of a named
    temporary file where unnamed files are not supported."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and os.path.isdir("/proc/self/fd") and _linkat() is not None:
        try:
            return os.open(directory, flag | os.O_WRONLY, mode), None
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
                raise
    return tempfile.mkstemp(dir=directory, prefix=".exitkg-", suffix=".tmp")


def _name_unnamed(fd: int, directory: Path, name: str) -> str:
    """Give the unnamed file *fd* a temporary name in *directory*, to rename over the target."""
    import ctypes

    linkat = _linkat()
    source = f"/proc/self/fd/{fd}".encode()
    for _ in range(100):
        candidate = str(directory / f".{name}.{os.urandom(6).hex()}.tmp")
        if linkat(-100, source, -100, os.fsencode(candidate), 0x400) == 0:  # AT_FDCWD, AT_SYMLINK_FOLLOW
            return candidate
        code = ctypes.get_errno()
        if code != errno.EEXIST:
            raise OSError(code, os.strerror(code))
    raise OSError(errno.EEXIST, "no free temporary name")


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


def _shorter(text: str, limit: int = 200) -> str:
    """*text*, its middle left out when longer than *limit* (a name too long to be a name)."""
    return text if len(text) <= limit else f"{text[:limit // 2]}...{text[-limit // 4:]}"


def require_new_folder(path: str | os.PathLike[str], what: str) -> Path:
    """*path* as a Path, if it does not exist or is an empty folder; else :class:`OutputError`."""
    target = Path(os.fsdecode(path))
    try:
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise OutputError(f"{target}: already exists; {what} is written to a new folder")
    except OSError as exc:  # a name too long, a folder that cannot be read ...
        raise OutputError(f"{_shorter(str(target))}: cannot write {what} there: {exc.strerror or exc}") from None
    return target


#: the name of a staging folder starts with this, then the process id of the process writing it
STAGING_PREFIX = ".exitkg-staging-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in *parent* left by exitkg processes that no longer run (killed
    by SIGKILL, or by a crash of the machine, before they could remove them); return them.

    A staging folder is named after the process that writes it, so one of a running process (on
    this machine) is never touched."""
    removed: list[Path] = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(STAGING_PREFIX):
            continue
        pid = entry.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _running(int(pid)):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
                removed.append(entry)
        except OSError:
            pass
    return removed


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that what is half written is removed on the way out
    (as for Ctrl-C, the command then exits 130)."""


@contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """In the main thread: SIGTERM raises :class:`Terminated` inside the block (SIGINT already
    raises KeyboardInterrupt), so ``finally`` clauses run; the previous handler is restored."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum, frame):
        raise Terminated()

    try:
        previous = signal.signal(signal.SIGTERM, terminated)
    except (ValueError, OSError):  # pragma: no cover - not settable here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def new_folder(path: str | os.PathLike[str], what: str) -> Iterator[Path]:
    """Build a new folder atomically: yield a staging folder beside *path*, renamed to *path* when
    the block ends normally and removed when it raises, so *path* is never half written.

    The folder gets the mode a new folder gets (``0o777`` less the umask: 0755 under umask 022),
    not the 0700 of a private temporary folder, so a web server running as another user can read
    it. A SIGTERM (or Ctrl-C) while it is built removes the staging folder; one left by a process
    killed outright (SIGKILL) is removed by the next run that writes beside it
    (:func:`remove_stale_staging`). A failure to write in it (a name too long, a full disk) is an
    :class:`OutputError` naming the file."""
    target = require_new_folder(path, what)
    parent = target.parent if str(target.parent) else Path(".")
    with _terminate_as_exception():
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale_staging(parent)
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=parent))
        except OSError as exc:
            raise OutputError(f"{_shorter(str(parent))}: cannot create a folder there: {exc.strerror or exc}") from None
        try:
            try:
                os.chmod(staging, 0o777 & ~_umask())
                yield staging
            except OSError as exc:
                name = exc.filename if isinstance(exc.filename, str) else str(target)
                if name.startswith(str(staging)):  # named as it would have been in the folder
                    name = str(target) + name[len(str(staging)):]
                raise OutputError(f"{_shorter(name)}: cannot write {what}: {exc.strerror or exc}") from None
            try:
                if target.is_dir():
                    target.rmdir()
                os.replace(staging, target)
            except OSError as exc:
                raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
