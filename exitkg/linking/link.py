"""``exitkg link``: case records, CTDC's or HTCDS's (told apart by the header), linked to the exit factors.

The CTDC datasets are read by :mod:`exitkg.linking.ctdc`, which also holds the case model both kinds
of record share; HTCDS records by :mod:`exitkg.linking.htcds`.
"""

from __future__ import annotations

import os

from exitkg.core.errors import UsageError
from exitkg.linking import htcds
from exitkg.linking.ctdc import (
    DEFAULT_BASE,
    FORMATS,
    DATASETS,
    Header,
    LinkResult,
    case_triples,
    check_cases,
    read_header,
    write_cases,
)
from exitkg.rdf.files import PathLike
from exitkg.sparql.queries import absolute_iri


def _notes(shown: str, head: Header) -> list[str]:
    label = DATASETS[head.dataset][1]
    notes = [f"{shown}:1:{j}: column {name!r} is not documented in the {label} codebook; left out"
             for j, name in head.undocumented]
    if head.decided_by == "default":
        notes.append(f"{shown}: the header and cells fit both CTDC datasets; read as the {label}")
    return notes


def link_cases(path: PathLike, out: PathLike | None = None, *, base: str = DEFAULT_BASE, format: str = "turtle",
               progress: bool = False, skip_bad_rows: bool = False, strict_columns: bool = False) -> LinkResult:
    """Link the case records in *path* (CTDC's; HTCDS's, told apart by the header, go to
    :func:`exitkg.linking.htcds.link_records`) to the exit factors and write them, as Turtle or
    N-Triples, to *out* (atomically) or to standard output. The file is checked completely before
    anything is written; then it is read again and written one case at a time, so time grows
    linearly with the rows and memory stays flat (but for one short hash per distinct row). With
    *skip_bad_rows*, a bad row is left out instead of stopping the link, and named in
    :attr:`LinkResult.skipped`; a column no codebook documents is named in :attr:`LinkResult.notes`
    and left out, or, with *strict_columns*, stops the link."""
    absolute_iri(base, "the base IRI", error=UsageError)
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    if htcds.file_is_htcds(path):  # records of the IOM Human Trafficking Case Data Standard
        return htcds.link_records(path, out, base=base, format=format, progress=progress,
                                  skip_bad_rows=skip_bad_rows, strict_columns=strict_columns)
    head = read_header(path, strict_columns)
    skipped: list | None = [] if skip_bad_rows else None
    total = check_cases(path, skipped, head)
    result = LinkResult(out=os.fsdecode(out) if out is not None else "standard output", skipped=skipped or [],
                        notes=_notes(os.fsdecode(path), head))
    write_cases(lambda bar: case_triples(path, base, result, bar, skip_bad_rows, head), total, out,
                format=format, base=base, progress=progress)
    return result
