"""``exitkg link RECORDS.csv``: case records in the IOM Human Trafficking Case Data Standard (HTCDS).

HTCDS 2.0 (IOM, CC BY 4.0) names the fields of a case-management system: a flat export has one
record per row and one column per field, named by the standard's *Field Name including Prefix*
(``prs_Gender``, ``vic_MethodsOfControl``, ``cas_IncomingReferralDate`` ...). :func:`is_htcds_header`
tells such a file from a CTDC one by its header; ``exitkg link`` then reads it here, into the same
case model as the CTDC reader (:mod:`exitkg.linking.ctdc`): one ``ekg:Case`` per record, its attributes as
data on the case, coded with the same building blocks (:class:`exitkg.linking.ctdc.CaseGraph`), so that
HTCDS and CTDC cases answer the same cohort queries.

The facts of the standard the reader needs (every field, its type, the picklist values of the
fields read, which case property each read field fills, the values no mapping uses and why) are
in one packaged file, ``mappings/htcds-fields.json`` (:func:`load_standard`); this module and the
tests read it.

How the fields become attributes:

* a picklist value is the code ``htcds:<field>/<value name, percent-encoded>`` (for example
  ``htcds:vic_MethodsOfControl/DebtBondage``); a cell may give the value's name or its label
  (``Sexual exploitation`` for ``SexualExploitation``); a multi-select field joins values with
  ``;``, one code per value. ``prs_Gender`` ``NonSpecifiedUnknown`` and an empty cell are "not
  recorded": no triple.
* ``prs_Citizenship`` (ISO 3166 codes, alpha-2 or alpha-3, ``;``-joined) gives ``ekg:citizenship``,
  the graph's country IRIs; ``hte_Country`` gives ``ekg:countryOfExploitation`` when the record's
  trafficking event (``hte_Type``) is ``Exploitation``, and nothing for a recruitment or transit event.
* ``cas_IncomingReferralDate`` (``YYYY-MM-DD``) gives ``ekg:registrationYear``; with
  ``prs_Birthdate`` it gives the person's age on that date, placed in the age bands of the CTDC
  codebook (``ekg:ageBand``, the same band IRIs as CTDC cases). Without a referral date there is
  no age band.
* the other read fields fill ``ekg:gender``, ``ekg:meansOfControl``, ``ekg:exploitationType``,
  ``ekg:sexualExploitationType``, ``ekg:labourType``, ``ekg:recruiterRelation``
  (``vic_RelationshipToTrafficker``), ``ekg:recruitmentMethod``, ``ekg:vulnerability``,
  ``ekg:traffickingStatus``, ``ekg:educationLevel`` and ``ekg:supportPlanType``.

Fields of the standard that the case model does not use (names, contact details, addresses,
case-management fields ...) are left out without a word: the output never carries them. A column
that is not a field of the standard is named once in :attr:`exitkg.linking.ctdc.LinkResult.notes` and left
out (``strict_columns=True`` stops instead). A cell that is not a value of its field, a date that
is not ``YYYY-MM-DD``, a country that is not an ISO 3166 code, or a cell a spreadsheet would run as
a formula stops the link at its ``file:line:column`` (with *skip_bad_rows*, the row is left out).

Case IRIs follow the CTDC reader's rule (:class:`exitkg.linking.ctdc.CaseIris`), with ``htcds`` as the
dataset id.
"""

from __future__ import annotations

import builtins
import csv
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from exitkg.core.errors import InputError
from exitkg.rdf.namespaces import REF, SKOS
from exitkg.rdf.files import PathLike

HTCDS_NS = REF + "htcds/"
FIELDS_FILE = "htcds-fields.json"
DATASET_KEY = "htcds"
DATASET = (HTCDS_NS + "dataset/records", "HTCDS case records")
READ_AS = ("code", "countries", "birthdate", "referral-date", "event-country", "event-type")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- #
# The field file
# --------------------------------------------------------------------------- #

@dataclass(frozen=True)
class Field:
    """One field of the standard (an entry of ``htcds-fields.json``)."""

    name: str
    label: str
    section: str
    type: str
    read_as: str | None = None
    property: str | None = None
    multiple: bool = False
    values: tuple[tuple[str, str], ...] = ()   # (name, label)
    not_recorded: tuple[str, ...] = ()
    close_match: tuple[tuple[str, tuple[str, ...]], ...] = ()   # (value name, CTDC codes)

    @builtins.property  # (the field "property" hides the builtin in the class body)
    def iri(self) -> str:
        return HTCDS_NS + self.name

    def code_iri(self, value: str) -> str:
        from exitkg.linking.ctdc import code_iri

        return code_iri(HTCDS_NS, self.name, value)


@dataclass(frozen=True)
class Standard:
    """The fields of the standard by name, and the file's settings."""

    fields: dict
    separator: str
    event_exploitation: str
    source: dict
    path: Path

    @property
    def read(self) -> dict:
        return {name: f for name, f in self.fields.items() if f.read_as}

    @property
    def table_prefixes(self) -> tuple[str, ...]:
        """The prefixes of the standard's field names (``prs_``, ``vic_`` ...): the table of each field."""
        return tuple(sorted({name.split("_", 1)[0] + "_" for name in self.fields}))

    def by_lower_name(self) -> dict:
        return {name.lower(): f for name, f in self.fields.items()}


def standard_path() -> Path:
    from exitkg.core.resources import resource_dir

    return resource_dir("mappings") / FIELDS_FILE


@lru_cache(maxsize=4)
def load_standard(path: str | None = None) -> Standard:
    """The HTCDS fields, from the packaged field file (or *path*)."""
    from exitkg.linking.ctdc import PROPERTIES
    from exitkg.rdf.files import read_text

    target = Path(path) if path is not None else standard_path()
    try:
        document = json.loads(read_text(target))
    except ValueError as exc:
        raise InputError(f"{target}: not JSON: {exc}") from None
    fields = {}
    known_properties = set(PROPERTIES)
    for entry in document["fields"]:
        read_as = entry.get("read_as")
        if read_as is not None and read_as not in READ_AS:
            raise InputError(f"{target}: field {entry['name']}: unknown read_as {read_as!r}")
        if entry.get("property") is not None and entry["property"] not in known_properties:
            raise InputError(f"{target}: field {entry['name']}: unknown property {entry['property']!r}")
        fields[entry["name"]] = Field(
            entry["name"], entry["label"], entry.get("section") or "", entry["type"], read_as, entry.get("property"),
            bool(entry.get("multiple")), tuple((v["name"], v["label"]) for v in entry.get("values", ())),
            tuple(entry.get("not_recorded", ())),
            tuple((k, tuple(v)) for k, v in (entry.get("close_match") or {}).items()))
    return Standard(fields, document["list_separator"], document["event_type_exploitation"], document["source"], target)


def is_htcds_header(header: list[str]) -> bool:
    """Whether a CSV header is an HTCDS export: some column is a field the case model reads, and
    most columns carry a table prefix of the standard (``prs_``, ``vic_``, ``cas_`` ...)."""
    names = [n.strip().lower() for n in header if n.strip()]
    if not names:
        return False
    standard = load_standard()
    read = {name.lower() for name in standard.read}
    prefixed = sum(1 for n in names if n.startswith(standard.table_prefixes))
    return any(n in read for n in names) and 2 * prefixed > len(names)


def file_is_htcds(path: PathLike) -> bool:
    """Whether the file at *path* has an HTCDS header (False for an unreadable or empty file: the
    CTDC reader then reports the problem as it always has)."""
    from exitkg.linking.ctdc import _decoded_lines

    try:
        with open(os.fsdecode(path), "rb") as handle:
            header = next(csv.reader(_decoded_lines(handle, os.fsdecode(path))), None)
    except (OSError, InputError, csv.Error, ValueError):
        return False
    return header is not None and is_htcds_header(header)


# --------------------------------------------------------------------------- #
# Reading the fields of a record
# --------------------------------------------------------------------------- #

def _age_bands() -> list[tuple[str, int, int | None]]:
    """The age bands of the CTDC codebook (the synthetic dataset's ``ageBroad``), as (code, min, max)."""
    from exitkg.linking.ctdc import age_band, load_codebook

    codes = next(v.codes for v in load_codebook() if v.dataset == "synthetic" and v.kind == "age-band")
    out = []
    for code in codes:
        band = age_band(code)
        assert band is not None, code
        out.append((code, band[1], band[2]))
    return out


def _parse_date(value: str, field: str) -> date:
    text = value.strip()
    try:
        if not _DATE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"field {field} takes a date written YYYY-MM-DD or an empty cell, "
                         f"not {value[:30]!r}") from None


class _Picklist:
    """How a picklist field is read: ``read(value)`` gives its (property, code IRI) pairs."""

    def __init__(self, f: Field, graph):
        self.field = f
        self.table: dict[str, str | None] = {}
        for name, label in f.values:
            iri = None if name in f.not_recorded else f.code_iri(name)
            if iri is not None and graph is not None:
                graph.code(iri, f"{f.label}: {label}", name, f.iri)
            self.table.setdefault(name.lower(), iri)
            self.table.setdefault(label.lower(), iri)
        self.shown = "; ".join(n for n, _ in f.values[:4]) + (" ..." if len(f.values) > 4 else "")

    def read(self, value: str) -> list:
        f = self.field
        members = value.split(load_standard().separator) if f.multiple else (value,)
        out = []
        for member in members:
            key = member.strip().lower()
            if not key:
                continue
            if key not in self.table:
                raise ValueError(f"field {f.name} takes {'values joined by ;' if f.multiple else 'a value'} of its "
                                 f"HTCDS picklist ({self.shown}) or an empty cell, not {member.strip()[:30]!r}")
            iri = self.table[key]
            if iri is not None:
                out.append((f.property, iri))
        return out


class _Record:
    """Reads the fields of one file's records (the columns by position)."""

    def __init__(self, header: list[str], graph):
        standard = load_standard()
        by_lower = standard.by_lower_name()
        self.graph = graph
        self.picklists: list = []
        self.countries: list = []
        self.birthdate = self.referral = self.event_country = self.event_type = None
        self.bands = _age_bands()
        self.exploitation = standard.event_exploitation.lower()
        self.separator = standard.separator
        #: the attributes of each distinct cell value, per column: a row costs a few look-ups
        self.cache: dict[int, dict[str, list]] = {}
        for j, name in enumerate(header):
            f = by_lower.get(name.strip().lower())
            if f is None or not f.read_as:
                continue
            if f.read_as == "code":
                self.picklists.append((j, _Picklist(f, graph)))
            elif f.read_as == "countries":
                self.countries.append((j, f))
            elif f.read_as == "birthdate":
                self.birthdate = (j, f)
            elif f.read_as == "referral-date":
                self.referral = (j, f)
            elif f.read_as == "event-country":
                self.event_country = (j, f)
            elif f.read_as == "event-type":
                self.event_type = (j, f, {n.lower(): n for n, _ in f.values} | {lb.lower(): n for n, lb in f.values})

    def _country(self, code: str, f: Field) -> str:
        from exitkg.linking.ctdc import country_iri

        iri = self.graph.country(code) if self.graph is not None else country_iri(code)
        if iri is None:
            raise ValueError(f"field {f.name} takes ISO 3166 alpha-2 or alpha-3 country codes or an empty cell, "
                             f"not {code.strip()[:30]!r}")
        return iri

    def read(self, fields: list[str]) -> list:
        """The (property, object) pairs of a record; a bad cell raises ValueError("j: message")."""
        out: list = []
        j = -1
        try:
            for j, picklist in self.picklists:
                value = fields[j]
                cache = self.cache.setdefault(j, {})
                if value not in cache:
                    cache[value] = picklist.read(value) if value.strip() else []
                out += cache[value]
            for j, f in self.countries:
                value = fields[j]
                cache = self.cache.setdefault(j, {})
                if value not in cache:
                    cache[value] = [(f.property, self._country(m, f)) for m in value.split(self.separator) if m.strip()]
                out += cache[value]
            referral = None
            if self.referral is not None:
                j, f = self.referral
                if fields[j].strip():
                    referral = _parse_date(fields[j], f.name)
                    out.append((f.property, referral.year))
            if self.birthdate is not None:
                j, f = self.birthdate
                if fields[j].strip():
                    born = _parse_date(fields[j], f.name)
                    if referral is not None:
                        out += self._age(born, referral, f)
            event = None
            if self.event_type is not None:
                j, f, names = self.event_type
                text = fields[j].strip()
                if text:
                    if text.lower() not in names:
                        raise ValueError(f"field {f.name} takes one of {', '.join(n for n, _ in f.values)} "
                                         f"or an empty cell, not {text[:30]!r}")
                    event = names[text.lower()].lower()
            if self.event_country is not None:
                j, f = self.event_country
                text = fields[j].strip()
                if text:
                    iri = self._country(text, f)
                    if event == self.exploitation:
                        out.append((f.property, iri))
        except ValueError as exc:
            raise ValueError(f"{j + 1}: {exc}") from None
        return out

    def _age(self, born: date, on: date, f: Field) -> list:
        if born > on:
            raise ValueError(f"field {f.name}: the birthdate {born.isoformat()} is after the referral date "
                             f"{on.isoformat()}")
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        for code, low, high in self.bands:
            if low <= age and (high is None or age <= high):
                iri = self.graph.age_band(code) if self.graph is not None else None
                if iri is None:
                    from exitkg.linking.ctdc import age_band

                    band = age_band(code)
                    assert band is not None, code  # the bands are the codebook's
                    iri = band[0]
                return [("ageBand", iri)]
        return []


# --------------------------------------------------------------------------- #
# Reading a file
# --------------------------------------------------------------------------- #

def read_header(path: PathLike, strict_columns: bool = False) -> tuple[list[str], list[str]]:
    """The header, and the notes on its columns that are not fields of the standard (each named
    once); with *strict_columns* such a column stops the link (exit 2)."""
    from exitkg.linking.ctdc import _decoded_lines, _open_rows

    shown, handle = _open_rows(path)
    with handle:
        reader = csv.reader(_decoded_lines(handle, shown), strict=True)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InputError(f"{shown}:{reader.line_num}: {exc}") from None
    if header is None:
        raise InputError(f"{shown}: file is empty")
    by_lower = load_standard().by_lower_name()
    seen: set[str] = set()
    notes = []
    for j, name in enumerate(header, 1):
        key = name.strip().lower()
        if key in seen:
            raise InputError(f"{shown}:1:{j}: column {name!r} appears twice")
        seen.add(key)
        if key not in by_lower:
            if strict_columns:
                raise InputError(f"{shown}:1:{j}: column {name!r} is not a field of the HTCDS standard "
                                 f"(`strict_columns`)")
            notes.append(f"{shown}:1:{j}: column {name!r} is not a field of the HTCDS standard; left out")
    return header, notes


def iter_records(path: PathLike, skipped: list | None = None, graph=None):
    """Read and check an HTCDS CSV as a stream: yields ``(line, fields, attributes)`` per record.
    The first problem raises :class:`InputError` as ``file:line:column: message``; with a list as
    *skipped*, a bad row is left out instead and its message appended to the list."""
    from exitkg.linking.ctdc import _FORMULA, _decoded_lines, _open_rows

    shown, handle = _open_rows(path)
    records = 0
    with handle:
        reader = csv.reader(_decoded_lines(handle, shown), strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"{shown}: file is empty")
            record = _Record(header, graph)
            width = len(header)
            for fields in reader:
                line = reader.line_num
                if not fields:
                    continue
                problem = None
                attributes: list = []
                if len(fields) != width:
                    problem = (f"{shown}:{line}:{min(len(fields), width) + 1}: the row has {len(fields)} fields, "
                               f"the header {width}")
                else:
                    for j, value in enumerate(fields):
                        if value and _FORMULA.match(value):
                            problem = (f"{shown}:{line}:{j + 1}: the cell {value[:30]!r} would run as a spreadsheet "
                                       f"formula; refused")
                            break
                    if problem is None:
                        try:
                            attributes = record.read(fields)
                        except ValueError as exc:
                            problem = f"{shown}:{line}:{exc}"
                if problem is not None:
                    if skipped is None:
                        raise InputError(problem)
                    skipped.append(problem)
                    continue
                records += 1
                yield line, fields, attributes
        except csv.Error as exc:
            raise InputError(f"{shown}:{reader.line_num}: {exc}") from None
    if not records:
        left_out = f" ({len(skipped)} bad row{'s' if len(skipped) != 1 else ''} skipped)" if skipped else ""
        raise InputError(f"{shown}: no records after the header{left_out}")


def _case_graph(path: PathLike, base: str):
    from exitkg.linking.ctdc import CaseGraph

    return CaseGraph(base, DATASET_KEY, DATASET[0], DATASET[1], Path(os.fsdecode(path)).name)


def _close_matches(graph):
    """``htcds code skos:closeMatch ctdc code`` for the codes used that the field file relates to
    CTDC codes (gender: HTCDS records gender expression, CTDC gender identity)."""
    import pyoxigraph as ox

    from exitkg.linking.ctdc import CTDC_NS, code_iri

    close = ox.NamedNode(SKOS + "closeMatch")
    for f in load_standard().read.values():
        for value, targets in f.close_match:
            iri = f.code_iri(value)
            if iri in graph.used:
                for target in targets:  # "<CTDC variable>/<code as the codebook writes it>"
                    variable, _, code = target.partition("/")
                    yield ox.Triple(ox.NamedNode(iri), close, ox.NamedNode(code_iri(CTDC_NS, variable, code)))


def case_triples(path: PathLike, base: str, result, progress=None, skip_bad_rows: bool = False):
    """The triples (pyoxigraph) of the records in *path*, one case at a time, then the descriptions
    of what they used and the mappings of the codes used (see :meth:`exitkg.linking.ctdc.CaseGraph.closing`)."""
    from exitkg.linking.mappings import load_mappings

    graph = _case_graph(path, base)
    result.dataset = DATASET[1]
    for line, fields, attributes in iter_records(path, [] if skip_bad_rows else None, graph):
        triples = graph.case(fields, line, attributes)
        result.cases += 1
        result.triples += len(triples)
        yield from triples
        if progress is not None:
            progress.step()
    for triple in graph.closing(load_mappings()):
        result.triples += 1
        yield triple
    for triple in _close_matches(graph):
        result.triples += 1
        yield triple


def check_records(path: PathLike, skipped: list | None = None) -> int:
    """Check the whole file without keeping it; return its record count."""
    return sum(1 for _ in iter_records(path, skipped))


def link_records(path: PathLike, out: PathLike | None = None, *, base: str, format: str = "turtle",
                 progress: bool = False, skip_bad_rows: bool = False, strict_columns: bool = False):
    """Link the HTCDS records in *path* (as :func:`exitkg.linking.link.link_cases` does CTDC records, which
    hands them here after checking *base* and *format*): check the whole file, then write its cases
    as Turtle or N-Triples to *out* (atomically) or to standard output. Returns an
    :class:`exitkg.linking.ctdc.LinkResult`."""
    from exitkg.linking.ctdc import LinkResult, write_cases

    _, notes = read_header(path, strict_columns)
    skipped: list | None = [] if skip_bad_rows else None
    total = check_records(path, skipped)
    result = LinkResult(out=os.fsdecode(out) if out is not None else "standard output", skipped=skipped or [],
                        notes=notes)
    write_cases(lambda bar: case_triples(path, base, result, bar, skip_bad_rows), total, out, format=format,
                base=base, progress=progress, prefixes={"htcds": HTCDS_NS})
    return result
