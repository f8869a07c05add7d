"""``exitkg link CASES.csv``: CTDC case records as RDF, linked to the exit factors.

Reads the two case datasets of the Counter-Trafficking Data Collaborative (CTDC) as downloaded:
the k-anonymised **Global Dataset** (codebook v6 and the 2018 data dictionary; 62 documented
columns, and ``isSlaveryAndPractices`` of the 2020-2021 releases) and the **Global Synthetic
Dataset** (codebook version 2, 2024: 27 columns; the names of the 2021 release read too). The
facts of the codebooks (columns, kinds, codes, missing-value codes) are in one file,
``mappings/ctdc-codebook.tsv`` (:func:`load_codebook`); this module, the tests and the fixtures
all read it. The dataset is told apart by the header (the columns only one of them has); a
header both could have is decided by the first cell only one codebook documents (``NULL`` or
``-99``, ``Woman`` or ``Female``, an alpha-3 or alpha-2 country ...).

Each row becomes one ``ekg:Case`` whose attributes are data on the case itself::

    <case> a ekg:Case ; ekg:fromDataset ctdc:dataset/global-synthetic ;
        dcterms:source "file.csv" ; ekg:sourceRow 12 ;
        ekg:registrationYear 2016 ; ekg:gender ctdc:gender/Woman ;
        ekg:ageBand <https://w3id.org/exitkg/id/age-band/18-20> ;
        ekg:citizenship <https://w3id.org/exitkg/id/country/NP> ;
        ekg:meansOfControl ctdc:meansDrugsAlcohol ; ekg:exploitationType ctdc:isSexualExploit .

*Codes*: a flag column set to 1 is coded by the column's own IRI (``ctdc:isSexualExploit``); a
category by ``ctdc:<variable>/<code, percent-encoded>``; a ``;``-joined list gives one code per
member. A missing-value code (``-99``, ``Unknown``, ``00``, ``ZZ``, ``NULL``, an empty cell) is
"not recorded" and gives no triple; a flag set to 0 gives none either. A code that is neither
documented nor missing stops the link at its ``file:line:column`` (or, with *skip_bad_rows*, leaves
the row out). Countries, alpha-2 or alpha-3 (through :mod:`pycountry`, which also knows the
withdrawn codes of ISO 3166-3 such as ``AN`` and ``ZR``), become the graph's country IRIs
``https://w3id.org/exitkg/id/country/<alpha-2>``; age bands ``.../id/age-band/<min>-<max>`` (or
``<min>-plus``), the same for every dataset whose bands agree.

*Case IRIs* are stable for the same file and do not depend on the order of the rows:
``<base>case/<the first 16 hex digits of sha256(dataset id, 0x1F, the row's cells joined by
0x1F)>``, with ``-2``, ``-3`` ... appended for the second, third identical row (synthetic data has
identical rows). The line number is kept as ``ekg:sourceRow``, not as the identifier.

*Links to the evidence*: the SSSOM set (``mappings/exit-factors-to-case-data.sssom.tsv``) maps exit
factors to code IRIs, value by value; the output carries the mapping triples of the codes it used
(``factor skos:relatedMatch code``) and a description of each code (label, notation, scheme), so
``?case ?p ?code . ?factor skos:relatedMatch ?code`` gives a case's factors.

A column no codebook documents is named once in :attr:`LinkResult.notes` and left out
(``strict_columns=True`` stops instead). The CSV is checked completely before anything is
written: UTF-8 only, every row as long as the header, every cell a documented or missing code, and
no cell a spreadsheet would run as a formula. The first problem is reported as
``file:line:column: message``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from exitkg.core.errors import InputError
from exitkg.rdf.namespaces import AGE_BAND_NS, COUNTRY_NS, DCTERMS, EKG, FACTOR_NS, RDF, RDFS, REF, SKOS
from exitkg.rdf.files import PathLike

CTDC_NS = REF + "ctdc/"
DEFAULT_BASE = "https://example.org/cases/"
CODEBOOK_FILE = "ctdc-codebook.tsv"
RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
DCT_SOURCE = DCTERMS + "source"
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

#: The CTDC datasets: codebook key -> (dataset IRI, label).
DATASETS = {
    "global": (CTDC_NS + "dataset/global", "CTDC Global Dataset (k-anonymised)"),
    "synthetic": (CTDC_NS + "dataset/global-synthetic", "CTDC Global Synthetic Dataset"),
}
#: The attribute properties of a case (local names in the ekg: namespace), as the codebook uses them.
PROPERTIES = (
    "registrationYear", "dataSource", "gender", "ageBand", "majorityStatus", "majorityStatusAtExploitation",
    "majorityStatusAtEntry", "citizenship", "countryOfExploitation", "traffickingDuration", "meansOfControl",
    "exploitationType", "labourType", "sexualExploitationType", "wayOfEntry", "recruiterRelation",
    # attributes only HTCDS records carry (exitkg.linking.htcds)
    "recruitmentMethod", "vulnerability", "traffickingStatus", "educationLevel", "supportPlanType",
)
KINDS = ("year", "flag", "category", "list", "country", "age-band")
#: a cell a spreadsheet would run: one that starts with = + @ or a control character, or with -
#: and is not a plain number ("-2+3" is a formula, "-99" a missing code)
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9]+(?:\.[0-9]+)?$))")
_DASHES = re.compile(r"\s*(?:--|[\u2014\u2013])\s*")
_BAND = re.compile(r"^(\d+)(?:--(\d+)|\+)$")
_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")
_YEAR = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------- #
# The codebook file
# --------------------------------------------------------------------------- #

@dataclass(frozen=True)
class Variable:
    """One documented column of one CTDC dataset (a row of ``ctdc-codebook.tsv``)."""

    dataset: str
    name: str
    kind: str
    property: str
    codes: tuple[str, ...]
    missing: tuple[str, ...]
    aliases: tuple[str, ...]
    label: str
    note: str

    @property  # type: ignore[operator]  # the builtin: the field `property` above is only annotated
    def iri(self) -> str:
        return CTDC_NS + self.name


def codebook_path() -> Path:
    from exitkg.core.resources import resource_dir

    return resource_dir("mappings") / CODEBOOK_FILE


@lru_cache(maxsize=4)
def load_codebook(path: str | None = None) -> tuple[Variable, ...]:
    """The documented variables of both CTDC datasets, from the packaged codebook file."""
    target = Path(path) if path is not None else codebook_path()
    from exitkg.rdf.files import read_text

    lines = [line for line in read_text(target).splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t")
    split = lambda cell: tuple(c.strip() for c in cell.split(" | ") if c.strip())  # noqa: E731
    variables = []
    for number, row in enumerate(reader, 2):
        if row["dataset"] not in DATASETS or row["kind"] not in KINDS or row["property"] not in PROPERTIES:
            raise InputError(f"{target}: row {number}: unknown dataset, kind or property in {row}")
        variables.append(Variable(row["dataset"], row["variable"], row["kind"], row["property"], split(row["codes"]),
                                  split(row["missing"]), split(row["aliases"]), row["label"], row["note"] or ""))
    return tuple(variables)


def variables_of(dataset: str) -> dict[str, Variable]:
    """The variables of *dataset* by header name in lower case (aliases included)."""
    names: dict[str, Variable] = {}
    for v in load_codebook():
        if v.dataset == dataset:
            for name in (v.name,) + v.aliases:
                names[name.lower()] = v
    return names


# --------------------------------------------------------------------------- #
# The case model's building blocks (shared with the HTCDS reader)
# --------------------------------------------------------------------------- #

def normalise(code: str) -> str:
    """A code as compared with the codebook: outer spaces dropped, dashes written ``--``
    (CTDC files write 18--20, the codebook text 18—20)."""
    return _DASHES.sub("--", code.strip())


def code_iri(namespace: str, variable: str, code: str | None = None) -> str:
    """The IRI of a documented code: the column's IRI for a flag (*code* None), otherwise
    ``<namespace><variable>/<code, percent-encoded>``."""
    if code is None:
        return namespace + variable
    return f"{namespace}{variable}/{quote(code, safe='')}"


def age_band(text: str) -> tuple[str, int, int | None] | None:
    """``(IRI, minimum, maximum or None)`` of an age band written ``18--20``, ``18\u201420``,
    ``18-20`` or ``48+``; None when *text* is not an age band."""
    match = _BAND.match(_HYPHEN.sub("--", normalise(text)))
    if not match:
        return None
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) is not None else None
    return (f"{AGE_BAND_NS}{low}-{high if high is not None else 'plus'}", low, high)


#: Codes some CTDC files use that are not ISO 3166 (user-assigned): Kosovo.
_NON_ISO = {"XK": "XK", "XKX": "XK", "XKK": "XK"}
_NON_ISO_NAMES = {"XK": "Kosovo"}


@lru_cache(maxsize=1)
def described_countries() -> frozenset[str]:
    """The alpha-2 codes of the countries the packaged graph describes (data/common/countries.ttl):
    the output does not describe them again."""
    from exitkg.core.resources import resource_dir

    try:
        text = (resource_dir("data") / "common" / "countries.ttl").read_text(encoding="utf-8")
    except (OSError, InputError):
        return frozenset()
    return frozenset(re.findall(r'skos:notation\s+"([A-Z]{2})"', text))


def country_name(alpha2: str) -> str:
    """The English short name of a country (pycountry), for countries the graph does not describe."""
    import pycountry

    if alpha2 in _NON_ISO_NAMES:
        return _NON_ISO_NAMES[alpha2]
    found = pycountry.countries.get(alpha_2=alpha2) or pycountry.historic_countries.get(alpha_2=alpha2)
    return found.name if found is not None else alpha2


@lru_cache(maxsize=1024)
def country_alpha2(code: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of an alpha-2 or alpha-3 *code* (withdrawn codes of ISO 3166-3
    included, Kosovo's user-assigned XK/XKX too), or None when pycountry does not know it."""
    import pycountry

    text = code.strip().upper()
    if text in _NON_ISO:
        return _NON_ISO[text]
    key = {2: "alpha_2", 3: "alpha_3"}.get(len(text))
    if key is None or not text.isalpha():
        return None
    for database in (pycountry.countries, pycountry.historic_countries):
        found = database.get(**{key: text})  # type: ignore[arg-type]  # pycountry: a field=value keyword
        if found is not None:
            return found.alpha_2
    return None


def country_iri(code: str) -> str | None:
    """The graph's IRI of the country an alpha-2 or alpha-3 *code* names, or None."""
    alpha2 = country_alpha2(code)
    return COUNTRY_NS + alpha2 if alpha2 else None


class CaseIris:
    """Case IRIs by the documented rule: ``<base>case/`` + the first 16 hex digits of
    sha256(dataset id + 0x1F + the cells joined by 0x1F), ``-2``, ``-3`` ... for repeats."""

    def __init__(self, base: str, dataset_id: str):
        self.prefix = base + "case/"
        self.dataset_id = dataset_id
        self.seen: dict[str, int] = {}

    def iri(self, cells: Sequence[str]) -> str:
        digest = hashlib.sha256("\x1f".join([self.dataset_id, *cells]).encode("utf-8")).hexdigest()[:16]
        n = self.seen.get(digest, 0) + 1
        self.seen[digest] = n
        return self.prefix + digest + (f"-{n}" if n > 1 else "")


class CaseGraph:
    """Writes cases as pyoxigraph triples, remembering what the cases used so that :meth:`closing`
    can describe it once: codes (label, notation, scheme), age bands, countries, the dataset, and
    the mapping triples (``factor skos:relatedMatch code``) of the codes used.

    ``case(cells, line, attributes)`` takes the row's cells (for the IRI), its line and the
    attributes as ``(property local name, object)`` pairs, where the object is an ``int`` (the
    year) or an IRI string that :meth:`code`, :meth:`age_band` or :meth:`country` returned."""

    def __init__(self, base: str, dataset_key: str, dataset_iri: str, dataset_label: str, source_name: str):
        import pyoxigraph as ox

        self.ox = ox
        self.iris = CaseIris(base, dataset_key)
        self.dataset = ox.NamedNode(dataset_iri)
        self.dataset_label = dataset_label
        self.source = ox.Literal(source_name)
        self.type = ox.NamedNode(RDF_TYPE)
        self.case_class = ox.NamedNode(EKG + "Case")
        self.from_dataset = ox.NamedNode(EKG + "fromDataset")
        self.dct_source = ox.NamedNode(DCT_SOURCE)
        self.source_row = ox.NamedNode(EKG + "sourceRow")
        self.integer = ox.NamedNode(XSD_INTEGER)
        self.properties = {name: ox.NamedNode(EKG + name) for name in PROPERTIES}
        self.nodes: dict[str, object] = {}
        self.codes: dict[str, tuple[str, str, str | None]] = {}
        self.bands: dict[str, tuple[str, int, int | None]] = {}
        self.countries: dict[str, str] = {}
        self.used: set[str] = set()

    def node(self, iri: str):
        node = self.nodes.get(iri)
        if node is None:
            node = self.nodes[iri] = self.ox.NamedNode(iri)
        return node

    def code(self, iri: str, label: str, notation: str, scheme: str | None = None) -> str:
        """Declare a code (described once in :meth:`closing` if a case uses it); returns *iri*."""
        self.codes.setdefault(iri, (label, notation, scheme))
        return iri

    def age_band(self, text: str) -> str | None:
        band = age_band(text)
        if band is None:
            return None
        self.bands.setdefault(band[0], (normalise(text), band[1], band[2]))
        return band[0]

    def country(self, code: str) -> str | None:
        iri = country_iri(code)
        if iri is not None:
            self.countries.setdefault(iri, iri[len(COUNTRY_NS):])
        return iri

    def prepare(self, attributes: Iterable[tuple[str, int | str]]) -> tuple:
        """The attributes as (property, object) pyoxigraph terms, the objects marked as used (a
        reader may keep the result per distinct cell value: that is what makes a row cheap)."""
        ox = self.ox
        out = []
        for prop, obj in attributes:
            if isinstance(obj, int):
                out.append((self.properties[prop], ox.Literal(str(obj), datatype=self.integer)))
            else:
                self.used.add(obj)
                out.append((self.properties[prop], self.node(obj)))
        return tuple(out)

    def case(self, cells: Sequence[str], line: int, attributes: Iterable[tuple[str, int | str]]) -> list:
        return self.case_terms(cells, line, self.prepare(attributes))

    def case_terms(self, cells: Sequence[str], line: int, terms: Iterable[tuple]) -> list:
        """:meth:`case`, the attributes given as :meth:`prepare` returned them."""
        ox = self.ox
        case = ox.NamedNode(self.iris.iri(cells))
        triples = [ox.Triple(case, self.type, self.case_class), ox.Triple(case, self.from_dataset, self.dataset),
                   ox.Triple(case, self.dct_source, self.source),
                   ox.Triple(case, self.source_row, ox.Literal(str(line), datatype=self.integer))]
        triples += [ox.Triple(case, p, o) for p, o in terms]
        return triples

    def closing(self, mapping_set=None) -> Iterator:
        """The descriptions of what the cases used, and the mapping triples of the codes used."""
        ox = self.ox
        label, notation, in_scheme = (ox.NamedNode(RDFS_LABEL), ox.NamedNode(SKOS + "notation"),
                                      ox.NamedNode(SKOS + "inScheme"))
        yield ox.Triple(self.dataset, self.type, ox.NamedNode(DCAT_DATASET))
        yield ox.Triple(self.dataset, label, ox.Literal(self.dataset_label))
        for iri in sorted(self.used & self.codes.keys()):
            text, written, scheme = self.codes[iri]
            node = self.node(iri)
            yield ox.Triple(node, self.type, ox.NamedNode(SKOS + "Concept"))
            yield ox.Triple(node, label, ox.Literal(text))
            yield ox.Triple(node, notation, ox.Literal(written))
            if scheme:
                yield ox.Triple(node, in_scheme, ox.NamedNode(scheme))
        for iri in sorted(self.used & self.bands.keys()):
            written, low, high = self.bands[iri]
            node = self.node(iri)
            yield ox.Triple(node, self.type, ox.NamedNode(EKG + "AgeBand"))
            yield ox.Triple(node, label, ox.Literal(f"{low}-{high}" if high is not None else f"{low}+"))
            yield ox.Triple(node, ox.NamedNode(EKG + "minimumAge"), ox.Literal(str(low), datatype=self.integer))
            if high is not None:
                yield ox.Triple(node, ox.NamedNode(EKG + "maximumAge"), ox.Literal(str(high), datatype=self.integer))
        known = described_countries()
        for iri in sorted(self.used & self.countries.keys()):
            code = self.countries[iri]
            if code in known:
                continue
            node = self.node(iri)
            yield ox.Triple(node, self.type, ox.NamedNode(EKG + "Country"))
            yield ox.Triple(node, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(country_name(code), language="en"))
            yield ox.Triple(node, notation, ox.Literal(code))
        if mapping_set is not None:
            for m in mapping_set.mappings:
                if m.object_iri in self.used:
                    yield ox.Triple(ox.NamedNode(m.subject_iri), ox.NamedNode(m.predicate_iri), self.node(m.object_iri))


# --------------------------------------------------------------------------- #
# Reading a CTDC file
# --------------------------------------------------------------------------- #

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
            raise InputError(f"{shown}:{number}:{column}: invalid UTF-8 byte 0x{bad} "
                             "(files must be UTF-8 encoded)") from None


def _open_rows(path: PathLike):
    from exitkg.rdf.files import _check_exists

    shown = os.fsdecode(path)
    _check_exists(Path(shown), shown)
    try:
        handle = open(shown, "rb")
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    return shown, handle


class _Column:
    """How one documented column of the file is read: ``read(value)`` returns the attribute pairs
    of the cell, or raises ValueError with the message for a bad cell."""

    __slots__ = ("variable", "prop", "missing", "table", "graph")

    def __init__(self, variable: Variable, graph: CaseGraph | None):
        self.variable = variable
        self.prop = variable.property
        self.missing = {"", *variable.missing}
        self.graph = graph
        v = variable
        self.table: dict[str, str | None] = {}
        if v.kind == "flag":
            scheme = None
            for code in v.codes:
                self.table[code] = ((graph.code(v.iri, v.label, v.name, scheme) if graph else v.iri)
                                    if code == "1" else None)
        elif v.kind in ("category", "list", "age-band"):
            for code in v.codes:
                if v.kind == "age-band":
                    band = age_band(code)
                    assert band is not None, code
                    self.table[normalise(code).lower()] = band[0]
                else:
                    iri = code_iri(CTDC_NS, v.name, code)
                    self.table[normalise(code).lower()] = graph.code(iri, code, code, v.iri) if graph else iri

    def read(self, value: str) -> list[tuple[str, int | str]]:
        text = value.strip()
        if text in self.missing:
            return []
        v = self.variable
        if v.kind == "flag":
            if text in self.table:
                iri = self.table[text]
                return [(self.prop, iri)] if iri else []
            raise ValueError(f"column {v.name} takes {', '.join(v.codes)} or a missing code "
                             f"({', '.join(v.missing)}, empty), not {value[:30]!r}")
        if v.kind == "year":
            if _YEAR.match(text):
                return [(self.prop, int(text))]
            raise ValueError(f"column {v.name} takes a year (four digits) or a missing code, not {value[:30]!r}")
        if v.kind == "country":
            iri = self.graph.country(text) if self.graph else country_iri(text)
            if iri is None:
                raise ValueError(f"column {v.name} takes an ISO 3166 alpha-2 or alpha-3 country code or a missing "
                                 f"code ({', '.join(v.missing)}, empty), not {value[:30]!r}")
            return [(self.prop, iri)]
        members = text.split(";") if v.kind == "list" else (text,)
        out: list[tuple[str, int | str]] = []
        for member in members:
            key = normalise(member).lower()
            if not key and v.kind == "list":
                continue
            iri = self.table.get(key)
            if iri is None:
                shown = "; ".join(v.codes[:4]) + (" ..." if len(v.codes) > 4 else "")
                raise ValueError(f"column {v.name} takes {'codes joined by ;' if v.kind == 'list' else 'a code'} "
                                 f"of the codebook ({shown}) or a missing code, not {member.strip()[:30]!r}")
            if v.kind == "age-band" and self.graph:
                self.graph.age_band(key)
            out.append((self.prop, iri))
        return out


@dataclass
class Header:
    """What the header says: the dataset, the columns read (by position) and the ones left out."""

    dataset: str
    columns: list  # (position, Variable) of the documented columns
    undocumented: list  # (position, name)
    decided_by: str  # "header", "cell" or "default"


def _header(shown: str, header: list[str], strict_columns: bool) -> tuple[dict[str, dict], list]:
    seen: set[str] = set()
    for j, name in enumerate(header, 1):
        if name.strip().lower() in seen:
            raise InputError(f"{shown}:1:{j}: column {name!r} appears twice")
        seen.add(name.strip().lower())
    known = {key: variables_of(key) for key in DATASETS}
    undocumented = [(j, name) for j, name in enumerate(header, 1)
                    if not any(name.strip().lower() in names for names in known.values())]
    if undocumented and strict_columns:
        j, name = undocumented[0]
        raise InputError(f"{shown}:1:{j}: column {name!r} is not documented in the CTDC codebooks "
                         f"(`strict_columns`)")
    if len(undocumented) == len(header):
        j, name = undocumented[0]
        raise InputError(f"{shown}:1:{j}: unknown column {name!r}: no column of the header is a column of a "
                         f"CTDC dataset (is the file comma-separated?)")
    return known, undocumented


def _decide(header: list[str], known: dict[str, dict], rows: Iterable[list[str]]) -> tuple[str, str]:
    """Which dataset: the one whose codebook alone has some header column; failing that, the
    first cell only one codebook documents; failing that, the Global Dataset."""
    names = [n.strip().lower() for n in header]
    own = {key: sum(1 for n in names if n in known[key] and not any(n in known[o] for o in known if o != key))
           for key in known}
    best = max(own.values())
    if best and list(own.values()).count(best) == 1:
        return max(own, key=lambda key: own[key]), "header"
    columns = {key: [(j, _Column(known[key][n], None)) for j, n in enumerate(names) if n in known[key]]
               for key in known}
    for fields in rows:
        if len(fields) != len(header):
            continue
        fits = {}
        for key, cols in columns.items():
            ok = True
            for j, col in cols:
                try:
                    col.read(fields[j])
                except ValueError:
                    ok = False
                    break
            fits[key] = ok
        if list(fits.values()).count(True) == 1:
            return next(k for k, ok in fits.items() if ok), "cell"
    return "global", "default"


def read_header(path: PathLike, strict_columns: bool = False) -> Header:
    """Read the header (and, if it does not decide the dataset, as many records as needed)."""
    shown, handle = _open_rows(path)
    with handle:
        reader = csv.reader(_decoded_lines(handle, shown), strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"{shown}: file is empty")
            known, undocumented = _header(shown, header, strict_columns)
            dataset, how = _decide(header, known, reader)
        except csv.Error as exc:
            raise InputError(f"{shown}:{reader.line_num}: {exc}") from None
    names = known[dataset]
    columns = [(j, names[n.strip().lower()]) for j, n in enumerate(header) if n.strip().lower() in names]
    left_out = [(j + 1, n) for j, n in enumerate(header) if n.strip().lower() not in names]
    return Header(dataset, columns, left_out, how)


def iter_cases(path: PathLike, skipped: list | None = None, header: Header | None = None,
               graph: CaseGraph | None = None):
    """Read and check a CTDC CSV as a stream: yields ``(line, fields, attributes)`` for each
    record, one at a time (memory does not grow with the file). The first problem raises
    :class:`InputError` as ``file:line:column: message``; with a list as *skipped*, a bad row (a
    wrong number of fields, a formula, a cell that is not a documented or missing code) is left
    out instead, and its ``file:line:column: message`` appended to the list. A quote left open or a
    byte that is not UTF-8 still stops the reading."""
    head = header if header is not None else read_header(path)
    shown, handle = _open_rows(path)
    columns: list[tuple[int, _Column, dict]] = [(j, _Column(v, graph), {}) for j, v in head.columns]
    risky = frozenset("=+@\t\r-")
    records = 0
    with handle:
        reader = csv.reader(_decoded_lines(handle, shown), strict=True)
        try:
            names = next(reader)
            width = len(names)
            for fields in reader:
                line = reader.line_num
                if not fields:
                    continue
                problem = None
                attributes: list = []
                if len(fields) != width:
                    column = min(len(fields), width) + 1
                    problem = f"{shown}:{line}:{column}: the row has {len(fields)} fields, the header {width}"
                else:
                    for j, value in enumerate(fields):
                        if value and value[0] in risky and _FORMULA.match(value):
                            problem = (f"{shown}:{line}:{j + 1}: the cell {value[:30]!r} would run as a spreadsheet "
                                       f"formula; refused")
                            break
                    if problem is None:
                        for j, col, cache in columns:
                            value = fields[j]
                            found = cache.get(value)
                            if found is None:
                                try:
                                    found = col.read(value)
                                except ValueError as exc:
                                    problem = f"{shown}:{line}:{j + 1}: {exc}"
                                    break
                                found = graph.prepare(found) if graph is not None else tuple(found)
                                if len(cache) < 4096:  # the distinct values of a column are few
                                    cache[value] = found
                            attributes += found
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


@dataclass
class LinkResult:
    cases: int = 0
    triples: int = 0
    dataset: str = ""
    out: str | None = None
    #: the rows left out with skip_bad_rows, as ``file:line:column: message``
    skipped: list = field(default_factory=list)
    #: what the reader noticed and did not stop at (undocumented columns left out, how the dataset was told)
    notes: list = field(default_factory=list)

    def describe(self) -> str:
        return (f"{self.cases} case(s) of the {self.dataset}, {self.triples} triples written to {self.out}"
                + (f"; {len(self.skipped)} bad row(s) skipped" if self.skipped else "") + "\n")


FORMATS = {"turtle": "turtle", "ttl": "turtle", "ntriples": "ntriples", "nt": "ntriples"}


def case_triples(path: PathLike, base: str = DEFAULT_BASE, result: LinkResult | None = None, progress=None,
                 skip_bad_rows: bool = False, header: Header | None = None):
    """The triples (pyoxigraph) of the cases in *path*, one case at a time; then the descriptions
    of the codes, age bands and countries the cases used, and the mappings of those codes. The file
    is read as a stream: call :func:`check_cases` first to report a bad file before anything is
    written. With *skip_bad_rows*, the rows :func:`iter_cases` would stop at are left out."""
    from exitkg.linking.mappings import load_mappings

    result = result if result is not None else LinkResult()
    head = header if header is not None else read_header(path)
    dataset_iri, label = DATASETS[head.dataset]
    graph = CaseGraph(base, head.dataset, dataset_iri, label, Path(os.fsdecode(path)).name)
    result.dataset = label
    for line, fields, attributes in iter_cases(path, [] if skip_bad_rows else None, head, graph):
        triples = graph.case_terms(fields, line, attributes)
        result.cases += 1
        result.triples += len(triples)
        yield from triples
        if progress is not None:
            progress.step()
    for triple in graph.closing(load_mappings()):
        result.triples += 1
        yield triple


def check_cases(path: PathLike, skipped: list | None = None, header: Header | None = None) -> int:
    """Check the whole file (see :func:`iter_cases`) without keeping it; return its record count.
    With a list as *skipped*, bad rows are appended to it instead of stopping the check."""
    return sum(1 for _ in iter_cases(path, skipped, header))


def write_cases(triples_of, total: int, out: PathLike | None, *, format: str, base: str, progress: bool,
                prefixes: dict | None = None) -> None:
    """Write the cases' triples, ``triples_of(progress bar)``, as Turtle or N-Triples (*format*, a
    key of :data:`FORMATS`) to *out* atomically or to standard output, with a progress bar over
    *total* records; the Turtle prefixes are the case model's, plus *prefixes*. The one writer of
    every kind of case record (:func:`exitkg.linking.link.link_cases`, :func:`exitkg.linking.htcds.link_records`)."""
    import sys

    import pyoxigraph as ox

    from exitkg.core.fsutil import atomic_writer
    from exitkg.rdf.namespaces import PREFIXES
    from exitkg.core.progress import Progress

    fmt = ox.RdfFormat.TURTLE if FORMATS[format] == "turtle" else ox.RdfFormat.N_TRIPLES
    names = {"ekg": EKG, "ctdc": CTDC_NS, "dcterms": PREFIXES["dcterms"], "xsd": PREFIXES["xsd"],
             "skos": PREFIXES["skos"], "rdfs": PREFIXES["rdfs"], "country": COUNTRY_NS, "ageband": AGE_BAND_NS,
             "case": base + "case/", "factor": FACTOR_NS, **(prefixes or {})}
    options: dict = {"prefixes": names} if fmt == ox.RdfFormat.TURTLE else {}
    with Progress("linking cases", total, enabled=progress) as bar:
        triples = triples_of(bar)
        if out is None:
            ox.serialize(triples, sys.stdout.buffer, format=fmt, **options)
            sys.stdout.buffer.flush()
        else:
            with atomic_writer(out) as handle:
                ox.serialize(triples, handle, format=fmt, **options)


def __getattr__(name: str):
    # CTDC_COLUMNS, kept for callers of the earlier module (benchmarks/scaled.py): the Global
    # Dataset's columns, read from the codebook file when first asked for.
    if name == "CTDC_COLUMNS":
        return tuple(v.name for v in load_codebook() if v.dataset == "global")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_flag(column: str) -> bool:
    """Whether *column* is a flag column (1 = yes) of either CTDC dataset."""
    return any(v.kind == "flag" and column.lower() in {v.name.lower(), *map(str.lower, v.aliases)}
               for v in load_codebook())
