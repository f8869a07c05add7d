"""Locate the ontology, shapes, data, queries and mappings shipped with exitkg.

In an installed wheel they live inside the package under
``exitkg/_resources/<name>``; in a source checkout they are the top-level
folders ``<repo root>/<name>``. The packaged copy wins when both exist.
"""

from __future__ import annotations

from pathlib import Path

from exitkg.core.errors import InputError

RESOURCE_NAMES = ("ontology", "shapes", "data", "queries", "mappings")
ONTOLOGY_FILE = "exit-factors.ttl"

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # exitkg/, this file being exitkg/core/resources.py


def resource_dir(name: str) -> Path:
    """Return the directory holding resource *name* (ontology, shapes, data, queries, mappings)."""
    if name not in RESOURCE_NAMES:
        raise ValueError(f"unknown resource {name!r}; expected one of {', '.join(RESOURCE_NAMES)}")
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


def ontology_path() -> Path:
    """Return the path of the ontology file ``ontology/exit-factors.ttl``."""
    path = resource_dir("ontology") / ONTOLOGY_FILE
    if not path.is_file():
        raise InputError(f"ontology file not found: {path}")
    return path
