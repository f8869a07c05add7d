"""``exitkg link CASES.csv``: case records in the CTDC shape, linked to the exit factors.

Each row becomes an ``ekg:Case``; each mapped column that holds a value (a flag set to 1, or a
category given) becomes an ``ekg:CaseAttribute`` whose ``ekg:relatedFactor`` links are the exit
factors the SSSOM mapping set relates that column to. Load the result with the packaged graph
(``exitkg query cohort-exit-factors --data linked.ttl``) to see, for the cohort, which exit
factors are relevant and what the evidence says about each.

The CSV is checked before anything is written: UTF-8 only, a header of known CTDC columns, every
row as long as the header, flag columns holding 1, 0 or a missing code, and no cell a spreadsheet
would run as a formula. The first problem is reported as ``file:line:column: message``.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from exitkg.errors import InputError
from exitkg.namespaces import EKG
from exitkg.rdfio import PathLike

CTDC_NS = "https://w3id.org/exitkg/ref/ctdc/"
DEFAULT_BASE = "https://example.org/cases/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT_SOURCE = "http://purl.org/dc/terms/source"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

#: The columns of the CTDC global synthetic dataset, as public analyses of it name them.
CTDC_COLUMNS = (
    "yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit",
    "majorityEntry", "citizenship", "CountryOfExploitation", "meansOfControlDebtBondage",
    "meansOfControlTakesEarnings", "meansOfControlRestrictsFinancialAccess", "meansOfControlThreats",
    "meansOfControlPsychologicalAbuse", "meansOfControlPhysicalAbuse", "meansOfControlSexualAbuse",
    "meansOfControlFalsePromises", "meansOfControlPsychoactiveSubstances", "meansOfControlRestrictsMovement",
    "meansOfControlRestrictsMedicalCare", "meansOfControlExcessiveWorkingHours", "meansOfControlUsesChildren",
    "meansOfControlThreatOfLawEnforcement", "meansOfControlWithholdsNecessities", "meansOfControlWithholdsDocuments",
    "isForcedLabour", "isSexualExploit", "isOtherExploit", "typeOfExploitConcatenated",
    "recruiterRelationIntimatePartner", "recruiterRelationFriend", "recruiterRelationFamily", "recruiterRelationOther",
)
FLAG_PREFIXES = ("meansOfControl", "is", "recruiterRelation")
TRUE = {"1", "true", "True", "TRUE"}
MISSING = {"", "-99", "NA", "N/A", "na", "null", "NULL"}
FALSE = {"0", "false", "False", "FALSE"}
#: a cell a spreadsheet would run: one that starts with = + @ or a control character, or with -
#: and is not a plain number ("-2+3" is a formula, "-99" a missing code)
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9]+(?:\.[0-9]+)?$))")


def is_flag(column: str) -> bool:
    """Flag columns hold 1 or 0 (or a missing code): means of control, is..., recruiter relation."""
    return column.startswith(FLAG_PREFIXES)


def _decoded_lines(handle, shown: str):
    """The lines of a binary file, decoded as UTF-8 one at a time (a leading byte-order mark
    dropped); a bad byte is reported with its line and column."""
    for number, raw in enumerate(handle, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[:exc.start].decode("utf-8", errors="replace")) + 1
            bad = raw[exc.start:exc.start + 1].hex().upper()
            raise InputError(f"{shown}:{number}:{column}: invalid UTF-8 byte 0x{bad} (files must be UTF-8 encoded)") from None


def iter_cases(path: PathLike, skipped: list | None = None):
    """Read and check a CTDC-shaped CSV as a stream: yields ``(header, line number, fields)`` for
    each record, one at a time (memory does not grow with the file). The first problem raises
    :class:`InputError` as ``file:line:column: message``; with a list as *skipped*, a bad row (a
    wrong number of fields, a formula, a flag that is not 1, 0 or missing) is left out instead, and
    its ``file:line:column: message`` appended to the list. A bad header, a quote left open or
    a byte that is not UTF-8 still stops the reading."""
    from exitkg.rdfio import _check_exists

    shown = os.fsdecode(path)
    _check_exists(Path(shown), shown)
    try:
        handle = open(shown, "rb")
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    with handle:
        reader = csv.reader(_decoded_lines(handle, shown), strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"{shown}: file is empty")
            known = set(CTDC_COLUMNS)
            seen: set[str] = set()
            for j, name in enumerate(header, 1):
                if name not in known:
                    raise InputError(f"{shown}:1:{j}: unknown column {name!r}: not a column of the CTDC dataset")
                if name in seen:
                    raise InputError(f"{shown}:1:{j}: column {name!r} appears twice")
                seen.add(name)
            flags = [is_flag(name) for name in header]
            allowed = TRUE | FALSE | MISSING
            records = 0
            for fields in reader:
                line = reader.line_num
                if not fields:
                    continue
                problem = _row_problem(shown, line, header, flags, allowed, fields)
                if problem is not None:
                    if skipped is None:
                        raise InputError(problem)
                    skipped.append(problem)
                    continue
                records += 1
                yield header, line, fields
        except csv.Error as exc:
            raise InputError(f"{shown}:{reader.line_num}: {exc}") from None
    if not records:
        left_out = f" ({len(skipped)} bad row{'s' if len(skipped) != 1 else ''} skipped)" if skipped else ""
        raise InputError(f"{shown}: no records after the header{left_out}")


def _row_problem(shown: str, line: int, header: list, flags: list, allowed: set, fields: list) -> str | None:
    """What is wrong with one record, as ``file:line:column: message``, or None."""
    if len(fields) != len(header):
        column = min(len(fields), len(header)) + 1
        return f"{shown}:{line}:{column}: the row has {len(fields)} fields, the header {len(header)}"
    for j, value in enumerate(fields):
        if value and _FORMULA.match(value):
            return f"{shown}:{line}:{j + 1}: the cell {value[:30]!r} would run as a spreadsheet formula; refused"
        if flags[j] and value.strip() not in allowed:
            return (f"{shown}:{line}:{j + 1}: column {header[j]} takes 1, 0 or a missing code "
                    f"(-99, NA, empty), not {value[:30]!r}")
    return None


@dataclass
class LinkResult:
    cases: int = 0
    attributes: int = 0
    triples: int = 0
    out: str | None = None
    #: the rows left out with skip_bad_rows, as ``file:line:column: message``
    skipped: list = field(default_factory=list)

    def describe(self) -> str:
        return (f"{self.cases} case(s), {self.attributes} attribute(s) linked to exit factors, "
                f"{self.triples} triples written to {self.out}"
                + (f"; {len(self.skipped)} bad row(s) skipped" if self.skipped else "") + "\n")


FORMATS = {"turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples", "nt": "ntriples"}


def case_triples(path: PathLike, base: str = DEFAULT_BASE, result: LinkResult | None = None, progress=None,
                 skip_bad_rows: bool = False):
    """The triples (pyoxigraph) of the cases in *path*, linked to the exit factors through the
    mapping set, one case at a time; the mappings that made the links come last. The file is read
    as a stream: call :func:`check_cases` first to report a bad file before anything is written.
    With *skip_bad_rows*, the rows :func:`iter_cases` would stop at are left out."""
    import pyoxigraph as ox

    from exitkg.mappings import load_mappings, mappings_for, to_rdf
    from exitkg.terms import to_oxigraph

    result = result if result is not None else LinkResult()
    mapping_set = load_mappings()
    rdf_type = ox.NamedNode(RDF_TYPE)
    case_class, attribute_class = ox.NamedNode(EKG + "Case"), ox.NamedNode(EKG + "CaseAttribute")
    source_row, has_attribute = ox.NamedNode(EKG + "sourceRow"), ox.NamedNode(EKG + "hasAttribute")
    column_p, cell_value, related_p = (ox.NamedNode(EKG + "column"), ox.NamedNode(EKG + "cellValue"),
                                       ox.NamedNode(EKG + "relatedFactor"))
    dct_source = ox.NamedNode(DCT_SOURCE)
    integer = ox.NamedNode(XSD_INTEGER)
    source = ox.Literal(Path(os.fsdecode(path)).name)
    related: dict[str, tuple] | None = None
    columns: dict[str, ox.NamedNode] = {}
    used_columns: set[str] = set()
    for header, line, fields in iter_cases(path, [] if skip_bad_rows else None):
        if related is None:
            related = {c: tuple(ox.NamedNode(m.factor_iri) for m in mappings_for({c}, mapping_set)) for c in header}
            columns = {c: ox.NamedNode(CTDC_NS + c) for c in header}
            flags = {c: is_flag(c) for c in header}
        case_iri = f"{base}row-{line}"
        case = ox.NamedNode(case_iri)
        yield ox.Triple(case, rdf_type, case_class)
        yield ox.Triple(case, source_row, ox.Literal(str(line), datatype=integer))
        yield ox.Triple(case, dct_source, source)
        result.cases += 1
        result.triples += 3
        for column, raw in zip(header, fields):
            links = related[column]
            if not links:
                continue
            value = raw.strip()
            if value in MISSING or value in FALSE or (flags[column] and value not in TRUE):
                continue
            attribute = ox.NamedNode(f"{case_iri}/{column}")
            yield ox.Triple(case, has_attribute, attribute)
            yield ox.Triple(attribute, rdf_type, attribute_class)
            yield ox.Triple(attribute, column_p, columns[column])
            yield ox.Triple(attribute, cell_value, ox.Literal(value))
            for factor in links:
                yield ox.Triple(attribute, related_p, factor)
            result.attributes += 1
            result.triples += 4 + len(links)
            used_columns.add(CTDC_NS + column)
        if progress is not None:
            progress.step()
    # the mappings that made the links travel with them
    for s, p, o in sorted(to_rdf(mapping_set)):
        if str(o) in used_columns:
            result.triples += 1
            yield ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))


def check_cases(path: PathLike, skipped: list | None = None) -> int:
    """Check the whole file (see :func:`iter_cases`) without keeping it; return its record count.
    With a list as *skipped*, bad rows are appended to it instead of stopping the check."""
    return sum(1 for _ in iter_cases(path, skipped))


def link_cases(path: PathLike, out: PathLike | None = None, *, base: str = DEFAULT_BASE, format: str = "turtle",
               progress: bool = False, skip_bad_rows: bool = False) -> LinkResult:
    """Link the case records in *path* to the exit factors and write them, as Turtle or N-Triples,
    to *out* (atomically) or to standard output. The file is checked completely before anything is
    written; then it is read again and written one case at a time, so time grows linearly with the
    rows and memory stays flat. With *skip_bad_rows*, a bad row is left out instead of stopping the
    link, and named in :attr:`LinkResult.skipped`."""
    import sys

    import pyoxigraph as ox

    from exitkg.errors import UsageError
    from exitkg.fsutil import atomic_writer
    from exitkg.namespaces import PREFIXES
    from exitkg.progress import Progress
    from exitkg.queries import absolute_iri

    absolute_iri(base, "the base IRI", error=UsageError)
    if format not in FORMATS:
        raise UsageError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    fmt = ox.RdfFormat.TURTLE if FORMATS[format] == "turtle" else ox.RdfFormat.N_TRIPLES
    skipped: list | None = [] if skip_bad_rows else None
    total = check_cases(path, skipped)
    result = LinkResult(out=os.fsdecode(out) if out is not None else "standard output", skipped=skipped or [])
    prefixes = {"ekg": EKG, "ctdc": CTDC_NS, "dcterms": PREFIXES["dcterms"], "xsd": PREFIXES["xsd"],
                "skos": PREFIXES["skos"]}
    with Progress("linking cases", total, enabled=progress) as bar:
        triples = case_triples(path, base, result, bar, skip_bad_rows)
        if out is None:
            ox.serialize(triples, sys.stdout.buffer, format=fmt,
                         **({"prefixes": prefixes} if fmt == ox.RdfFormat.TURTLE else {}))
            sys.stdout.buffer.flush()
        else:
            with atomic_writer(out) as handle:
                ox.serialize(triples, handle, format=fmt,
                             **({"prefixes": prefixes} if fmt == ox.RdfFormat.TURTLE else {}))
    return result

