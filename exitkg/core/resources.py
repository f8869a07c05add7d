"""Locate the ontology, shapes, data, queries and mappings shipped with exitkg.

In an installed wheel they live inside the package under
``exitkg/_resources/<name>``; in a source checkout they are the top-level
folders ``<repo root>/<name>``. The packaged copy wins when both exist, with one
exception: run in an exitkg checkout (the current folder, or the nearest folder above
it that holds a ``pyproject.toml``, when that file names the project ``exitkg`` and a
``data/`` folder stands beside it), the checkout's folders are read, so that what a
curator adds to its ``data/`` is what ``exitkg`` reads there. An installed copy says so
once, in a note on standard error; run elsewhere, it reads its packaged copy.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from exitkg.core.errors import InputError

RESOURCE_NAMES = ("ontology", "shapes", "data", "queries", "mappings")
ONTOLOGY_FILE = "exit-factors.ttl"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # exitkg/, this file being exitkg/core/resources.py


_PROJECT_NAME = re.compile(r"""^\s*name\s*=\s*["']exitkg["']\s*(?:#.*)?$""", re.MULTILINE)
_noted: set[Path] = set()


def checkout_root(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The exitkg checkout that *start* (default: the current folder) is in, or None.

    The nearest folder from *start* upwards that holds a ``pyproject.toml`` decides: it is the
    checkout when that file names the project ``exitkg`` (``name = "exitkg"``) and a ``data/``
    folder stands beside it; any other ``pyproject.toml`` ends the search (another project).
    """
    try:
        here = Path(os.fsdecode(start)) if start is not None else Path.cwd()
        here = here.resolve()
    except (OSError, RuntimeError):  # the current folder was removed, a link loop ...
        return None
    for folder in (here, *here.parents):
        project = folder / "pyproject.toml"
        try:
            if not project.is_file():
                continue
            text = project.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        table = text.split("[project]", 1)
        if len(table) == 2 and _PROJECT_NAME.search(table[1].split("\n[", 1)[0]) and (folder / "data").is_dir():
            return folder
        return None
    return None


def _checkout_dir(name: str) -> Path | None:
    """The checkout's folder *name*, when exitkg runs in a checkout that has it; an installed copy
    (one with a packaged copy) says once, on standard error, which data it reads."""
    root = checkout_root()
    if root is None or not (root / name).is_dir():
        return None
    if (_PACKAGE_DIR / "_resources").is_dir() and root not in _noted:
        _noted.add(root)
        sys.stderr.write(f"exitkg: note: reading the checkout {root} (its ontology/, data/, shapes/, "
                         "queries/ and mappings/), not the installed copy's packaged data\n")
    return root / name


def resource_dir(name: str) -> Path:
    """Return the directory holding resource *name* (ontology, shapes, data, queries, mappings):
    the checkout's when exitkg runs in one (:func:`checkout_root`), else the packaged copy, else
    the folder beside the package."""
    if name not in RESOURCE_NAMES:
        raise ValueError(f"unknown resource {name!r}; expected one of {', '.join(RESOURCE_NAMES)}")
    in_checkout = _checkout_dir(name)
    if in_checkout is not None:
        return in_checkout
    packaged = _PACKAGE_DIR / "_resources" / name
    if packaged.is_dir():
        return packaged
    checkout = _PACKAGE_DIR.parent / name
    if checkout.is_dir():
        return checkout
    raise InputError(
        f"resource folder {name!r} not found: neither the packaged copy "
        f"(exitkg/_resources/{name}) nor the source checkout copy ({name}/) exists"
    )


def resource_files(name: str, suffixes: tuple[str, ...] = (".ttl",)) -> list[Path]:
    """Return the files of resource *name* whose suffix is in *suffixes*, sorted.

    Only the folder itself is listed (not subfolders); hidden files are skipped.
    """
    directory = resource_dir(name)
    wanted = tuple(s.lower() for s in suffixes)
    return sorted(
        p for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in wanted
    )


def citation_path() -> Path | None:
    """The ``CITATION.cff`` beside the resources read (:func:`resource_dir`), or None."""
    root = checkout_root()
    candidates = [root / "CITATION.cff"] if root is not None else []
    candidates += [_PACKAGE_DIR / "_resources" / "CITATION.cff", _PACKAGE_DIR.parent / "CITATION.cff"]
    return next((c for c in candidates if c.is_file()), None)


def changelog_path() -> Path | None:
    """The ``CHANGELOG.md`` beside the resources read (:func:`resource_dir`), or None: its released
    sections are the ontology's version history."""
    root = checkout_root()
    candidates = [root / "CHANGELOG.md"] if root is not None else []
    candidates += [_PACKAGE_DIR / "_resources" / "CHANGELOG.md", _PACKAGE_DIR.parent / "CHANGELOG.md"]
    return next((c for c in candidates if c.is_file()), None)


def ontology_path() -> Path:
    """Return the path of the ontology file ``ontology/exit-factors.ttl``."""
    path = resource_dir("ontology") / ONTOLOGY_FILE
    if not path.is_file():
        raise InputError(f"ontology file not found: {path}")
    return path
