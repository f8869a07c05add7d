"""Curating a study from its own text: the template, its checks, and the source folder it becomes.

A template is a folder of two tab-separated sheets, the form spreadsheets export:

``study.tsv``
    one row: the study's bibliographic record, what the curators read of its sample (each
    characteristic from a closed list), where in the study the sample is described, and who
    curated it and when.
``findings.tsv``
    one row per statement of the study that a factor facilitates or hinders exit: the factor (an
    existing one, or a new one with its label and level), the role, the verbatim quote (at most 25
    words) and the part of the study it stands in.

Row 1 of each sheet names the columns; row 2 explains them (its first cell starts with ``#``) and
is skipped, as is any other row whose first cell starts with ``#``. Columns may come in any order;
unknown columns are errors, so a misspelt header is not silently ignored.

The template also lists the existing factors (``factors.tsv``, to pick from; never read back). The
same sheets may come as one ``.xlsx`` workbook (sheets ``study``, ``findings``, ``factors``) with
drop-down lists on the closed columns (:func:`write_xlsx_template`; openpyxl, the ``xlsx`` extra).

A finding restricted to a sub-sample names its population (a country of the study, or a population
of the study); a study already in the graph (by identifier or DOI) gets a new source, named by
``source_id``, and keeps its one IRI and record.

:func:`add_study` checks the template completely before writing anything, reporting every problem
as ``file:row:column``; it then builds the study's source (one named graph, ``id/source/<study>``),
validates the whole graph with SHACL, and only if all is well writes the folder: sorted Turtle, one
file, written to a temporary folder and renamed into place.
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from exitkg.core.citations import short_citation
from exitkg.core import errors
from exitkg.core.errors import ExitkgError, InputError, OutputError, UsageError
from exitkg.rdf import vocabulary
from exitkg.rdf.namespaces import BIBO, DCTERMS, EKG, EKG_ID, FOAF, PROV, RDF, RDFS, SKOS, XSD
from exitkg.rdf.vocabulary import effective_role

STUDY_SHEET = "study.tsv"
FINDINGS_SHEET = "findings.tsv"
SHEETS = (STUDY_SHEET, FINDINGS_SHEET)
FACTORS_SHEET = "factors.tsv"  # the existing factors, to pick from; written by the template, never read by add

LICENSE = "https://creativecommons.org/licenses/by/4.0/"

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ORCID = re.compile(r"^(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
_YES = {"yes": True, "no": False}


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    explanation: str
    closed: str | None = None   # the ekg class whose individuals' labels are the allowed values


STUDY_COLUMNS = (
    Column("study_id", True, "identifier of the study: lower-case words joined by hyphens, e.g. smith-2022; "
                             "a study already in the graph keeps its identifier (the same DOI is the same study)"),
    Column("source_id", False, "identifier of this source, when it differs from study_id (optional); required "
                               "for a study already in the graph, e.g. smith-2022-abstract"),
    Column("title", True, "the article's title"),
    Column("year", True, "year of publication, e.g. 2022"),
    Column("authors", True, "authors as printed, 'Surname, I.; Surname, I.'"),
    Column("journal", True, "journal title"),
    Column("volume", False, "volume (optional)"),
    Column("issue", False, "issue (optional)"),
    Column("pages", False, "pages, e.g. 12-30 (optional)"),
    Column("doi", False, "DOI without https://doi.org/, e.g. 10.1080/12345678.2022.1234567 (optional)"),
    Column("design", True, "study design", f"{EKG}StudyDesign"),
    Column("gender", True, "gender composition of the sample", f"{EKG}GenderComposition"),
    Column("age_group", True, "age group of the sample", f"{EKG}AgeGroup"),
    Column("countries", True, "nationalities of the sample: ISO 3166 alpha-2 codes separated by ';', e.g. NP;IN "
                              "(one value set)"),
    Column("site", True, "site of exploitation", f"{EKG}ExploitationSite"),
    Column("route", True, "migratory route", f"{EKG}MigratoryRoute"),
    Column("sample_size", False, "number of participants (optional)"),
    Column("sample_description", False, "the sample in the curator's words, e.g. '12 women interviewed' (optional)"),
    Column("sample_section", True, "the part of the study that describes the sample, e.g. Method"),
    Column("curator_name", True, "the curator's full name"),
    Column("curator_orcid", False, "the curator's ORCID iD, e.g. 0000-0002-1825-0097 (optional)"),
    Column("curated_on", True, "date of curation, YYYY-MM-DD"),
)

FINDING_COLUMNS = (
    Column("factor", True, "an existing factor's identifier (the end of its IRI, e.g. family, stigma, spirituality; "
                           f"the list: {FACTORS_SHEET}), or a new one"),
    Column("new_factor_label", False, "for a new factor only: its label"),
    Column("new_factor_level", False, "for a new factor only: its level", f"{EKG}Level"),
    Column("role", True, "what the study says the factor does: facilitating or hindering"),
    Column("population", False, "for a statement restricted to a sub-sample: the ISO 3166 alpha-2 code of its "
                                "participants' country, one of the study's countries (e.g. IN), or an existing "
                                "population's identifier; empty for the whole sample"),
    Column("about_absence", False, "yes when the statement is about the factor's absence or low level (default no)"),
    Column("quote", True, "the statement, verbatim from the study's text, at most 25 words"),
    Column("section", True, "the part of the study the quote stands in, e.g. Results"),
    Column("factor_named", False, "yes when the quote names the factor in its own words, "
                                  "no when the curators matched it (default yes)"),
    Column("wording_note", False, "why the quote names the factor or the role in other words (optional)"),
)

COLUMNS = {STUDY_SHEET: STUDY_COLUMNS, FINDINGS_SHEET: FINDING_COLUMNS}


def _roles() -> dict[str, str]:
    """The roles a finding may state (label -> IRI): those of the ontology's roles that are a direction."""
    return {name: iri for name, iri in sorted(vocabulary.labels(vocabulary.ROLE).items())
            if effective_role(iri, False) is not None}


_CHARACTERISTICS = {  # column -> (class, property)
    "design": ("DesignCharacteristic", "design"),
    "gender": ("GenderCharacteristic", "genderComposition"),
    "age_group": ("AgeGroupCharacteristic", "ageGroup"),
    "site": ("SiteCharacteristic", "site"),
    "route": ("RouteCharacteristic", "route"),
}


class TemplateError(ExitkgError):
    """Problems in a template, each ``file:row:column: message``; nothing was written."""

    default_exit_code = errors.FAILED

    def __init__(self, problems: list[str]):
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"template not added, {len(problems)} {noun}: " + " | ".join(problems))


@dataclass
class Cell:
    value: str
    file: str
    row: int
    column: int
    name: str

    def where(self) -> str:
        return f"{self.file}:{self.row}:{self.column} ({self.name})"


@dataclass
class Row:
    cells: dict[str, Cell]
    file: str
    row: int

    def get(self, name: str) -> Cell:
        return self.cells[name]

    def where(self) -> str:
        return f"{self.file}:{self.row}"


@dataclass
class AddResult:
    """What :func:`add_study` wrote."""

    study: str
    source: str
    folder: Path
    findings: int
    new_factors: list[str] = field(default_factory=list)
    existing: bool = False  # the study was in the graph already: a new source about it

    def describe(self) -> str:
        extra = f", {len(self.new_factors)} new factor(s)" if self.new_factors else ""
        what = f"a source about {self.study} (in the graph already)" if self.existing else self.study
        return f"added {what}: {self.findings} finding(s){extra}; source {self.source} written to {self.folder}\n"


# --------------------------------------------------------------------------- #
# The empty template
# --------------------------------------------------------------------------- #

def _value_map(cls: str) -> dict[str, str]:
    """Allowed value (lower case) -> individual IRI, for the individuals of *cls* (read from the
    ontology, :func:`exitkg.rdf.vocabulary.labels`)."""
    return vocabulary.labels(cls)


def _explanation(column: Column) -> str:
    text = ("required: " if column.required else "") + column.explanation
    if column.closed:
        text += "; one of: " + ", ".join(sorted(_value_map(column.closed)))
    return text


def write_template(out: str | os.PathLike[str], format: str = "tsv", data=None) -> list[Path]:
    """Write an empty template: the two sheets (header and explanation rows) and the list of the
    existing factors (in the packaged sources and *data*) into folder *out*; with
    ``format="xlsx"``, one workbook *out* with the same sheets and drop-down lists
    (:func:`write_xlsx_template`)."""
    from exitkg.core.fsutil import atomic_write_text

    if format == "xlsx":
        return [write_xlsx_template(out, data)]
    if format != "tsv":
        raise UsageError(f"unknown template format {format!r}; tsv or xlsx")
    folder = Path(os.fsdecode(out))
    try:
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder")
        for sheet in (*SHEETS, FACTORS_SHEET):
            target = folder / sheet
            if target.exists():
                raise OutputError(f"{target}: already exists; the template is not overwritten")
    except OSError as exc:  # a name too long ...
        raise OutputError(f"cannot write the template to {str(folder)[:200]}: {exc.strerror or exc}") from None
    written = []
    for sheet, columns in COLUMNS.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, dialect="excel-tab", lineterminator="\n")
        writer.writerow([c.name for c in columns])
        writer.writerow(["# " + _explanation(columns[0])] + [_explanation(c) for c in columns[1:]])
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot create folder: {exc.strerror or exc}") from None
        written.append(atomic_write_text(folder / sheet, buffer.getvalue()))
    buffer = io.StringIO()
    csv.writer(buffer, dialect="excel-tab", lineterminator="\n").writerows(
        [list(FACTOR_LIST_COLUMNS), *existing_factors(data)])
    written.append(atomic_write_text(folder / FACTORS_SHEET, buffer.getvalue()))
    return written


FACTOR_LIST_COLUMNS = ("factor", "label", "levels")


def existing_factors(data=None) -> list[tuple[str, str, str]]:
    """The factors of the graph (the packaged sources and *data*), to pick a finding's factor from:
    (identifier, label, the levels sources give it), by identifier."""
    from exitkg.graph.local import load

    return _factor_rows(load(data))


def _factor_rows(graph) -> list[tuple[str, str, str]]:
    level_names = {iri: name for name, iri in _value_map(f"{EKG}Level").items()}
    rows = graph.store.query(
        "SELECT ?f (SAMPLE(?label) AS ?l) (GROUP_CONCAT(DISTINCT STR(?level); separator=' ') AS ?levels) WHERE { "
        f"?f a <{EKG}Factor> ; <{SKOS}prefLabel> ?label . FILTER(LANGMATCHES(LANG(?label), 'en')) "
        f"OPTIONAL {{ ?c <{EKG}classifies> ?f ; <{EKG}level> ?level }} }} GROUP BY ?f")
    out = []
    for row in rows:
        iri = row["f"].value
        if not iri.startswith(f"{EKG_ID}factor/"):
            continue
        levels = sorted({level_names.get(x, x.rsplit("#", 1)[-1]) for x in row["levels"].value.split()})
        out.append((iri[len(f"{EKG_ID}factor/"):], row["l"].value, "; ".join(levels)))
    return sorted(out)


# --------------------------------------------------------------------------- #
# The template as one workbook (.xlsx), with drop-down lists
# --------------------------------------------------------------------------- #

XLSX_SUFFIX = ".xlsx"
_XLSX_ROWS = 500  # the rows of the findings sheet that get the drop-down lists


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise UsageError("the .xlsx template needs the package 'openpyxl': pip install 'exitkg[xlsx]'") from None
    return openpyxl


def _sheet_title(sheet: str) -> str:
    """The worksheet of a sheet: its file name without the extension (study, findings, factors)."""
    return sheet.rsplit(".", 1)[0]


def write_xlsx_template(out: str | os.PathLike[str], data=None) -> Path:
    """Write the template as one workbook *out*: the study and findings sheets (row 1 the columns,
    row 2 their explanations), the factors sheet, and a drop-down list (data validation) on every
    column with a closed list. The factor column offers the existing factors and accepts a new one
    (a warning, not a refusal); the closed lists refuse any other value."""
    from exitkg.core.fsutil import atomic_write_bytes

    openpyxl = _openpyxl()
    from openpyxl.worksheet.datavalidation import DataValidation
    target = Path(os.fsdecode(out))
    if target.suffix.lower() != XLSX_SUFFIX:
        raise UsageError(f"{target}: an .xlsx template is a file whose name ends in {XLSX_SUFFIX}")
    try:
        if target.exists():
            raise OutputError(f"{target}: already exists; the template is not overwritten")
    except OSError as exc:
        raise OutputError(f"cannot write the template to {str(target)[:200]}: {exc.strerror or exc}") from None
    book = openpyxl.Workbook()
    lists = book.active
    lists.title = "lists"
    closed: dict[str, list[str]] = {
        "role": sorted(_roles()), "yes/no": ["yes", "no"],
        **{c.closed: sorted(_value_map(c.closed)) for cs in COLUMNS.values() for c in cs if c.closed}}
    ranges = {}
    for index, (name, values) in enumerate(sorted(closed.items()), start=1):
        letter = openpyxl.utils.get_column_letter(index)
        lists.cell(1, index, name.rsplit("#", 1)[-1])
        for row, value in enumerate(values, start=2):
            lists.cell(row, index, value)
        ranges[name] = f"lists!${letter}$2:${letter}${len(values) + 1}"
    import pyoxigraph as ox

    from exitkg.graph.local import load

    graph = load(data)
    factors = _factor_rows(graph)
    codes = sorted({q.subject.value.rsplit("/", 1)[-1] for q in graph.store.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode(EKG + "Country"), ox.DefaultGraph())})
    code_column = len(closed) + 1
    lists.cell(1, code_column, "country codes")
    for row, code in enumerate(codes, start=2):
        lists.cell(row, code_column, code)
    letter = openpyxl.utils.get_column_letter(code_column)
    ranges["population"] = f"lists!${letter}$2:${letter}${len(codes) + 1}"
    for sheet, columns in COLUMNS.items():
        ws = book.create_sheet(_sheet_title(sheet))
        ws.append([c.name for c in columns])
        ws.append(["# " + _explanation(columns[0])] + [_explanation(c) for c in columns[1:]])
        last = 3 if sheet == STUDY_SHEET else _XLSX_ROWS
        for index, column in enumerate(columns, start=1):
            letter = openpyxl.utils.get_column_letter(index)
            key = column.closed or ("role" if column.name == "role" else "yes/no"
                                    if column.name in ("about_absence", "factor_named") else None)
            if column.name == "factor":
                formula, strict = f"factors!$A$2:$A${len(factors) + 1}", False
            elif column.name == "population":  # a country's code, or a population's identifier
                formula, strict = ranges["population"], False
            elif key:
                formula, strict = ranges[key], True
            else:
                continue
            rule = DataValidation(type="list", formula1=formula, allow_blank=True,
                                  errorStyle="stop" if strict else "warning",
                                  error=_explanation(column)[:255], showErrorMessage=True)
            rule.add(f"{letter}3:{letter}{last}")
            ws.add_data_validation(rule)
    ws = book.create_sheet(_sheet_title(FACTORS_SHEET))
    ws.append(list(FACTOR_LIST_COLUMNS))
    for factor in factors:
        ws.append(list(factor))
    book.move_sheet("lists", offset=len(book.sheetnames) - 1)
    lists.sheet_state = "hidden"
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target.parent}: cannot create folder: {exc.strerror or exc}") from None
    return atomic_write_bytes(target, buffer.getvalue())


def _xlsx_text(value) -> str:
    """A cell's value as the text a tab-separated sheet would hold: whole numbers without '.0',
    dates as YYYY-MM-DD."""
    from datetime import datetime

    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, sheet: str) -> tuple[str, list[list[str]]]:
    """The rows of one sheet of a workbook template, as text; the name errors give it."""
    import zipfile

    openpyxl = _openpyxl()
    shown = f"{os.fsdecode(path)}[{_sheet_title(sheet)}]"
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{os.fsdecode(path)}: not a readable .xlsx workbook ({exc})") from None
    try:
        if _sheet_title(sheet) not in book.sheetnames:
            raise InputError(f"{shown}: sheet not found; a template has the sheets "
                             + " and ".join(_sheet_title(s) for s in SHEETS) + " (see 'exitkg template')")
        rows = [[_xlsx_text(v) for v in row] for row in book[_sheet_title(sheet)].iter_rows(values_only=True)]
    finally:
        book.close()
    while rows and not any(rows[-1]):
        rows.pop()
    for values in rows:
        while values and not values[-1]:
            values.pop()
    return shown, rows


# --------------------------------------------------------------------------- #
# Reading a filled template
# --------------------------------------------------------------------------- #

def _read_sheet(folder: Path, sheet: str) -> list[Row]:
    from exitkg.rdf.files import read_text

    if folder.suffix.lower() == XLSX_SUFFIX and folder.is_file():
        shown, table = _xlsx_rows(folder, sheet)
        return _rows(_Lines(table), shown, sheet)
    path = folder / sheet
    shown = os.fsdecode(path)
    if not path.is_file():
        raise InputError(f"{shown}: sheet not found; a template has {' and '.join(SHEETS)} (see 'exitkg template')")
    text = read_text(path)  # InputError (exit 2) on bytes that are not UTF-8, with the position
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel-tab")
    return _rows(reader, shown, sheet)


class _Lines:
    """A workbook sheet's rows read as a csv reader reads a sheet: iterated, with ``line_num``."""

    def __init__(self, rows: list[list[str]]):
        self._rows = iter(rows)
        self.line_num = 0

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        row = next(self._rows)
        self.line_num += 1
        return row


def _rows(reader, shown: str, sheet: str) -> list[Row]:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{shown}:1:1: sheet is empty; row 1 names the columns") from None
    except csv.Error as exc:
        raise InputError(f"{shown}:1: {exc}") from None
    header = [h.strip() for h in header]
    known = {c.name: c for c in COLUMNS[sheet]}
    for index, name in enumerate(header, start=1):
        if name not in known:
            raise InputError(f"{shown}:1:{index}: unknown column {name!r}; the columns are "
                             + ", ".join(known))
        if header.index(name) != index - 1:
            raise InputError(f"{shown}:1:{index}: column {name!r} appears twice")
    for column in COLUMNS[sheet]:
        if column.required and column.name not in header:
            raise InputError(f"{shown}:1:{len(header) + 1}: missing column {column.name!r} ({column.explanation})")
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values) or (values and values[0].lstrip().startswith("#")):
                continue
            if len(values) > len(header):
                raise InputError(f"{shown}:{line}:{len(header) + 1}: more cells than columns")
            cells = {}
            for index, name in enumerate(header):
                value = values[index].strip() if index < len(values) else ""
                cells[name] = Cell(unicodedata.normalize("NFC", value), shown, line, index + 1, name)
            for column in COLUMNS[sheet]:
                if column.name not in cells:
                    cells[column.name] = Cell("", shown, line, len(header) + 1, column.name)
            rows.append(Row(cells, shown, line))
    except csv.Error as exc:
        raise InputError(f"{shown}:{reader.line_num}: {exc}") from None
    return rows


# --------------------------------------------------------------------------- #
# Checking and building
# --------------------------------------------------------------------------- #

def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "section"


def _orcid_ok(digits: str) -> bool:
    """ISO 7064 11,2 check digit of an ORCID iD."""
    total = 0
    plain = digits.replace("-", "")
    for ch in plain[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return plain[-1] == ("X" if check == 10 else str(check))


class _Builder:
    """Collects problems and triples; nothing is written until the template is clean."""

    def __init__(self, graph, source_text: str):
        from exitkg.checks.check_quotes import normalise_whitespace

        self.graph = graph
        self.text = normalise_whitespace(source_text)
        self.problems: list[str] = []
        self.triples: list[tuple] = []
        self.sections = 0
        self.subjects: dict[str, Cell | Row] = {}  # IRI -> where it comes from, to place SHACL results
        self.populations: dict[str, dict] = {}  # populations the findings make: IRI -> country, study, title

    # -- helpers --------------------------------------------------------------
    def problem(self, cell: Cell | Row, message: str) -> None:
        self.problems.append(f"{cell.where()}: {message}")

    def required(self, cell: Cell) -> str | None:
        if not cell.value:
            self.problem(cell, "required value is empty")
            return None
        return cell.value

    def closed(self, cell: Cell, cls: str, what: str) -> str | None:
        if not cell.value:
            return None
        values = _value_map(cls)
        iri = values.get(cell.value.lower())
        if iri is None:
            self.problem(cell, f"{cell.value!r} is not a {what}; one of: " + ", ".join(sorted(values)))
        return iri

    def add(self, s: str, p: str, o) -> None:
        self.triples.append((s, p, o))

    def _ask(self, iri: str) -> bool:
        import pyoxigraph as ox

        return any(True for _ in self.graph.store.quads_for_pattern(ox.NamedNode(iri), None, None))

    def is_a(self, iri: str, cls: str) -> bool:
        import pyoxigraph as ox

        return any(True for _ in self.graph.store.quads_for_pattern(
            ox.NamedNode(iri), ox.NamedNode(RDF + "type"), ox.NamedNode(cls), ox.DefaultGraph()))

    def quote_found(self, quote: str) -> bool:
        from exitkg.checks.check_quotes import quote_found

        return quote_found(quote, self.text)


def _lit(value: str, datatype: str | None = None, lang: str | None = None):
    import pyoxigraph as ox

    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def _iri(value: str):
    import pyoxigraph as ox

    return ox.NamedNode(value)


def _build_study(b: _Builder, row: Row) -> dict | None:
    c = row.get
    study_id = b.required(c("study_id"))
    if study_id and not _SLUG.match(study_id):
        b.problem(c("study_id"), f"{study_id!r} is not an identifier: lower-case letters and digits joined by hyphens")
        study_id = None
    study = f"{EKG_ID}study/{study_id}" if study_id else None
    existing = bool(study and b.is_a(study, EKG + "Study"))
    if study and not existing and b._ask(study):
        b.problem(c("study_id"), f"{study_id!r} is already in the graph, and not as a study")
    source_id = _source_id(b, c("source_id"), study_id, existing)
    source = f"{EKG_ID}source/{source_id}" if source_id else None
    if source and b._ask(source):
        b.problem(c("source_id") if c("source_id").value else c("study_id"),
                  f"source {source_id!r} is already in the graph" + (
                      "" if c("source_id").value else "; give this source its own source_id"))

    title = b.required(c("title"))
    year_text = b.required(c("year"))
    year = None
    if year_text:
        if re.fullmatch(r"(19|20)\d\d", year_text):
            year = year_text
        else:
            b.problem(c("year"), f"{year_text!r} is not a year such as 2022")
    authors = b.required(c("authors"))
    journal = b.required(c("journal"))
    doi = c("doi").value
    if doi.lower().startswith(("https://doi.org/", "http://doi.org/", "doi:")):
        b.problem(c("doi"), f"{doi!r}: give the DOI without the resolver or 'doi:' prefix, "
                            "e.g. 10.1080/12345678.2022.1234567")
        doi = ""
    elif doi and not _DOI.match(doi):
        b.problem(c("doi"), f"{doi!r} is not a DOI: '10.', a registrant code of 4 to 9 digits, '/', "
                            "a suffix without spaces")
        doi = ""
    if doi and study_id:
        _same_doi(b, c("doi"), doi, study_id, existing)
    if existing and study:
        _same_record(b, row, study)
    sample_size = c("sample_size").value
    if sample_size and not re.fullmatch(r"[1-9]\d*", sample_size):
        b.problem(c("sample_size"), f"{sample_size!r} is not a positive whole number")
        sample_size = ""
    section_name = b.required(c("sample_section"))
    curator = b.required(c("curator_name"))
    orcid_cell = c("curator_orcid")
    orcid = None
    if orcid_cell.value:
        match = _ORCID.match(orcid_cell.value)
        if not match or not _orcid_ok(match.group(1)):
            b.problem(orcid_cell, f"{orcid_cell.value!r} is not a valid ORCID iD "
                                  "(0000-0000-0000-0000, last digit a checksum)")
        else:
            orcid = match.group(1)
    curated_text = b.required(c("curated_on"))
    curated = None
    if curated_text:
        try:
            curated = date.fromisoformat(curated_text)
            if len(curated_text) != 10:
                raise ValueError
        except ValueError:
            b.problem(c("curated_on"), f"{curated_text!r} is not a date YYYY-MM-DD")
            curated = None
        if curated and curated > date.today():
            b.problem(c("curated_on"), f"{curated_text} is in the future")
    values = {}
    for name, (_cls_name, _prop) in _CHARACTERISTICS.items():
        column = next(col for col in STUDY_COLUMNS if col.name == name)
        assert column.closed is not None  # every characteristic has its closed list
        values[name] = b.closed(c(name), column.closed, column.explanation) if b.required(c(name)) else None
    countries = []
    if b.required(c("countries")):
        for code in [part.strip().upper() for part in c("countries").value.split(";") if part.strip()]:
            iri = f"{EKG_ID}country/{code}"
            if not b.is_a(iri, EKG + "Country"):
                b.problem(c("countries"), f"{code!r} is not a country of the graph "
                                          "(ISO 3166 alpha-2 code of data/common/countries.ttl)")
            else:
                countries.append(iri)
    if not study or not source_id:
        return None
    assert study_id is not None and source is not None  # set together with study

    # the study's record (a study already in the graph keeps its own: only a DOI it lacks is added)
    b.subjects[study] = row
    if existing:
        if doi and not _study_doi(b, study):
            b.add(study, BIBO + "doi", _lit(doi))
    else:
        b.add(study, RDF + "type", _iri(EKG + "Study"))
    if title and not existing:
        b.add(study, DCTERMS + "title", _lit(title, lang="en"))
    if year and not existing:
        b.add(study, EKG + "year", _lit(year, XSD + "integer"))
    if authors and not existing:
        b.add(study, EKG + "authorsAsPrinted", _lit(authors))
    if journal and not existing:
        b.add(study, EKG + "journalTitle", _lit(journal))
    for name, prop in (("volume", "volume"), ("issue", "issue"), ("pages", "pages")):
        if c(name).value and not existing:
            b.add(study, BIBO + prop, _lit(c(name).value))
    if doi and not existing:
        b.add(study, BIBO + "doi", _lit(doi))

    # the source, its curator and date
    if orcid:
        person = f"https://orcid.org/{orcid}"
    else:
        person = f"{EKG_ID}person/{_slug(curator or 'curator')}"
    short = short_citation(authors or "", year) or f"Study {year or ''}".strip()
    b.subjects[source] = row
    b.add(source, RDF + "type", _iri(EKG + "Source"))
    b.add(source, DCTERMS + "title", _lit(f"{short}: the study's own statements", lang="en"))
    b.add(source, DCTERMS + "description", _lit(
        "What the study states of its sample and of the factors that facilitate or hinder exit, "
        "curated from its own text.", lang="en"))
    b.add(source, EKG + "encodes", _iri(study))
    b.add(source, DCTERMS + "license", _iri(LICENSE))
    b.add(source, DCTERMS + "creator", _iri(person))
    if curated:
        b.add(source, DCTERMS + "created", _lit(curated.isoformat(), XSD + "date"))
    b.add(person, RDF + "type", _iri(FOAF + "Person"))
    b.add(person, RDF + "type", _iri(PROV + "Agent"))
    if curator:
        b.add(person, FOAF + "name", _lit(curator))

    # the section that describes the sample, and the characteristics
    section = _section(b, source_id, study, section_name or "Method")
    char_base = f"{EKG_ID}characteristic/{source_id}/"
    chars = []
    for name, (cls_name, prop) in _CHARACTERISTICS.items():
        chosen = values.get(name)
        if chosen:
            chars.append((f"{char_base}{name.replace('_', '-')}", cls_name, prop, _iri(chosen), c(name)))
    if countries:  # one characteristic, its countries one value set (a source gives one of each kind)
        chars.append((f"{char_base}nationality", "NationalityCharacteristic", "country",
                      [_iri(country) for country in countries], c("countries")))
    if sample_size:
        chars.append((f"{char_base}sample", "SampleCharacteristic", "sampleSize",
                      _lit(sample_size, XSD + "integer"), c("sample_size")))
        b.add(f"{char_base}sample", EKG + "sampleDescription",
              _lit(c("sample_description").value or f"{sample_size} participants"))
    elif c("sample_description").value:
        b.problem(c("sample_description"), "a sample description needs the sample size")
    for subject, cls_name, prop, value, cell in chars:
        b.subjects[subject] = cell
        b.add(study, EKG + "hasCharacteristic", _iri(subject))
        b.add(subject, RDF + "type", _iri(EKG + cls_name))
        b.add(subject, EKG + "inSource", _iri(source))
        for one in value if isinstance(value, list) else [value]:
            b.add(subject, EKG + prop, one)
        b.add(subject, EKG + "provenance", _iri(EKG + "StatedInReview"))
        b.add(subject, EKG + "locatedIn", _iri(section))
    return {"id": source_id, "study_id": study_id, "study": study, "source": source, "short": short,
            "countries": countries, "row": row, "existing": existing}


def _source_id(b: _Builder, cell: Cell, study_id: str | None, existing: bool) -> str | None:
    """The new source's identifier: the source_id cell, else the study's (a new study only)."""
    if cell.value and not _SLUG.match(cell.value):
        b.problem(cell, f"{cell.value!r} is not an identifier: lower-case letters and digits joined by hyphens")
        return None
    if existing and not cell.value:
        b.problem(cell, f"study {study_id!r} is already in the graph: a source about it keeps its study_id and "
                        f"names itself in source_id (e.g. {study_id}-abstract)")
        return None
    return cell.value or study_id


def _study_doi(b: _Builder, study: str) -> str | None:
    import pyoxigraph as ox

    for q in b.graph.store.quads_for_pattern(ox.NamedNode(study), ox.NamedNode(BIBO + "doi"), None,
                                             ox.DefaultGraph()):
        return q.object.value
    return None


def _same_doi(b: _Builder, cell: Cell, doi: str, study_id: str, existing: bool) -> None:
    """Identity by DOI: a DOI names one study. A study row whose DOI is another study's is refused
    (not mapped: the identifiers of the source's findings are made from the study_id the curator
    wrote, so the curator corrects it, in one place); a study already in the graph with another DOI
    is another paper."""
    import pyoxigraph as ox

    for q in b.graph.store.quads_for_pattern(None, ox.NamedNode(BIBO + "doi"), None, ox.DefaultGraph()):
        if q.object.value.lower() != doi.lower() or not isinstance(q.subject, ox.NamedNode):
            continue
        other = q.subject.value
        if other != f"{EKG_ID}study/{study_id}" and other.startswith(f"{EKG_ID}study/"):
            other_id = other[len(f"{EKG_ID}study/"):]
            b.problem(cell, f"DOI {doi} is that of study {other_id!r}, already in the graph: the same paper keeps "
                            f"its identifier, so write study_id {other_id!r} (and this source's own source_id)")
            return
    if existing:
        known = _study_doi(b, f"{EKG_ID}study/{study_id}")
        if known and known.lower() != doi.lower():
            b.problem(cell, f"study {study_id!r} in the graph has DOI {known}, not {doi}: another paper; "
                            "give it its own study_id")


def _same_record(b: _Builder, row: Row, study: str) -> None:
    """A study already in the graph keeps its record: the template's title and year must be its."""
    import pyoxigraph as ox

    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", text).lower()))

    for name, prop in (("title", DCTERMS + "title"), ("year", EKG + "year")):
        cell = row.get(name)
        known = [q.object.value for q in b.graph.store.quads_for_pattern(
            ox.NamedNode(study), ox.NamedNode(prop), None, ox.DefaultGraph())]
        if cell.value and known and words(cell.value) not in {words(k) for k in known}:
            b.problem(cell, f"{cell.value!r} is not the {name} of study {study.rsplit('/', 1)[-1]!r} in the graph "
                            f"({known[0]!r}); a study's record is the graph's")


def _section(b: _Builder, study_id: str, study: str, name: str) -> str:
    iri = f"{EKG_ID}section/{study_id}/{_slug(name)}"
    if iri not in b.subjects:
        b.subjects[iri] = None  # type: ignore[assignment]
        b.sections += 1
        b.add(iri, RDF + "type", _iri(EKG + "ReviewSection"))
        b.add(iri, EKG + "order", _lit(str(b.sections), XSD + "integer"))
        b.add(iri, RDFS + "label", _lit(name, lang="en"))
        b.add(iri, DCTERMS + "isPartOf", _iri(study))
    return iri


def _factor_label(b: _Builder, factor: str) -> str | None:
    import pyoxigraph as ox

    for q in b.graph.store.quads_for_pattern(ox.NamedNode(factor), ox.NamedNode(SKOS + "prefLabel"), None,
                                             ox.DefaultGraph()):
        return q.object.value
    return None


def _build_findings(b: _Builder, rows: list[Row], study: dict | None, findings_file: str) -> tuple[int, list[str]]:
    if not rows:
        b.problems.append(f"{findings_file}:3: no findings; a study is added with at least one finding")
        return 0, []
    new_factors: dict[str, dict] = {}
    built = 0
    used_ids: dict[str, int] = {}
    first_rows: dict[tuple, int] = {}  # each statement's first row
    for row in rows:
        c = row.get
        factor_id = b.required(c("factor"))
        if factor_id and not _SLUG.match(factor_id):
            b.problem(c("factor"), f"{factor_id!r} is not a factor identifier (lower-case words joined by hyphens)")
            factor_id = None
        factor = f"{EKG_ID}factor/{factor_id}" if factor_id else None
        label_cell, level_cell = c("new_factor_label"), c("new_factor_level")
        if factor and b.is_a(factor, EKG + "Factor"):
            label = _factor_label(b, factor)
            if label_cell.value or level_cell.value:
                b.problem(label_cell if label_cell.value else level_cell,
                          f"factor {factor_id!r} exists ({label}); leave new_factor_label and new_factor_level empty")
        elif factor and factor in new_factors and not label_cell.value and not level_cell.value:
            label = new_factors[factor]["label"]  # declared on an earlier row
        elif factor:
            label = label_cell.value
            if not label_cell.value:
                b.problem(c("factor"), f"unknown factor {factor_id!r}{_did_you_mean(b, factor_id or '')}: give "
                                       "new_factor_label and new_factor_level to declare it, or use an existing "
                                       f"factor's identifier ({FACTORS_SHEET})")
            elif not level_cell.value:
                b.problem(level_cell, f"new factor {factor_id!r} needs a level")
            level = b.closed(level_cell, f"{EKG}Level", "level") if level_cell.value else None
            known = new_factors.get(factor)
            if known and label and (known["label"] != label or (level and known["level"] != level)):
                b.problem(label_cell, f"new factor {factor_id!r} is declared twice with different labels or levels")
            elif not known and label:
                new_factors[factor] = {"id": factor_id, "label": label, "level": level, "roles": set(),
                                       "section": None, "row": row}
        else:
            label = None
        role_text = b.required(c("role"))
        role = None
        if role_text:
            role = _roles().get(role_text.lower())
            if role is None:
                b.problem(c("role"), f"{role_text!r} is not a role; one of: {', '.join(_roles())}")
        population = _population(b, c("population"), study)
        absence = _yes_no(b, c("about_absence"), False)
        named = _yes_no(b, c("factor_named"), True)
        quote = b.required(c("quote"))
        if quote and not b.quote_found(quote):
            b.problem(c("quote"), "quote not found verbatim in the source text "
                                  "(whitespace aside, every character must match)")
        section_name = b.required(c("section"))
        if factor and role and quote:  # a row repeated (pasted twice) is one statement, not two findings
            statement = (factor, role, absence, " ".join(quote.split()))
            if statement in first_rows:
                b.problem(c("quote"), f"repeats row {first_rows[statement]} (the same factor, role, absence and "
                                      "quote): one finding; delete one of the two rows")
                continue
            first_rows[statement] = row.row
        if not (study and factor and role and role_text and quote and section_name):
            continue
        slug = f"{study['id']}-{factor_id}"
        used_ids[slug] = used_ids.get(slug, 0) + 1
        finding = f"{EKG_ID}finding/{study['id']}/{factor_id}" + (f"-{used_ids[slug]}" if used_ids[slug] > 1 else "")
        section = _section(b, study["id"], study["study"], section_name)
        b.subjects[finding] = row
        b.add(finding, RDF + "type", _iri(EKG + "Finding"))
        b.add(finding, EKG + "inSource", _iri(study["source"]))
        restricted = f" ({population[1]})" if population else ""
        b.add(finding, RDFS + "label", _lit(f"{study['short']}: {label or factor_id} {role_text.lower()}{restricted}",
                                            lang="en"))
        if population:
            b.add(finding, EKG + "population", _iri(population[0]))
            if population[0] in b.populations:  # a population the template makes: where the study names it
                b.populations[population[0]].setdefault("section", section)
        b.add(finding, EKG + "fromStudy", _iri(study["study"]))
        b.add(finding, EKG + "aboutFactor", _iri(factor))
        b.add(finding, EKG + "statedRole", _iri(role))
        b.add(finding, EKG + "aboutAbsence", _lit("true" if absence else "false", XSD + "boolean"))
        b.add(finding, EKG + "quote", _lit(quote))
        b.add(finding, EKG + "locatedIn", _iri(section))
        b.add(finding, EKG + "factorLinkProvenance", _iri(EKG + ("StatedInReview" if named else "CuratorInference")))
        if c("wording_note").value:
            b.add(finding, EKG + "quoteWordingNote", _lit(c("wording_note").value))
        b.add(finding, PROV + "wasDerivedFrom", _iri(study["study"]))
        built += 1
        if factor in new_factors:
            effective = effective_role(role, absence)
            new_factors[factor]["roles"].add(effective)
            new_factors[factor]["section"] = new_factors[factor]["section"] or section
    for factor, info in new_factors.items():
        if not (info["level"] and info["roles"] and study):
            continue
        role = next(iter(info["roles"])) if len(info["roles"]) == 1 else EKG + "controversial"
        b.subjects[factor] = info["row"]
        b.add(factor, RDF + "type", _iri(EKG + "Factor"))
        b.add(factor, SKOS + "prefLabel", _lit(info["label"], lang="en"))
        b.add(factor, SKOS + "inScheme", _iri(EKG + "FactorScheme"))
        cls = f"{EKG_ID}classification/{study['id']}/{info['id']}"
        b.subjects[cls] = info["row"]
        b.add(cls, RDF + "type", _iri(EKG + "FactorClassification"))
        b.add(cls, RDFS + "label", _lit(f"{study['short']}: {info['label']}, as the curators classify it", lang="en"))
        b.add(cls, EKG + "classifies", _iri(factor))
        b.add(cls, EKG + "inSource", _iri(study["source"]))
        b.add(cls, EKG + "level", _iri(info["level"]))
        b.add(cls, EKG + "role", _iri(role))
        b.add(cls, EKG + "locatedIn", _iri(info["section"]))
        b.add(cls, EKG + "factorLinkProvenance", _iri(EKG + "CuratorInference"))
        b.add(cls, EKG + "provenance", _iri(EKG + "CuratorInference"))
        b.add(cls, EKG + "inferenceNote", _lit(
            "The level is the curator's; the role is what the study's findings about the factor say "
            "(controversial when they point both ways)."))
        b.add(cls, PROV + "wasDerivedFrom", _iri(study["study"]))
    return built, sorted(new_factors)


def _did_you_mean(b: _Builder, factor_id: str) -> str:
    """'; did you mean 'stigma'?' for an unknown factor identifier close to existing ones (difflib)."""
    import difflib

    import pyoxigraph as ox

    ids = sorted({q.subject.value[len(f"{EKG_ID}factor/"):] for q in b.graph.store.quads_for_pattern(
        None, ox.NamedNode(RDF + "type"), ox.NamedNode(EKG + "Factor"), ox.DefaultGraph())
        if q.subject.value.startswith(f"{EKG_ID}factor/")})
    close = difflib.get_close_matches(factor_id, ids, n=3, cutoff=0.7)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(one) for one in close) + "?"


def _study_populations(b: _Builder, study: str) -> dict[str, str | None]:
    """The populations of *study* in the graph: IRI -> the IRI of its country (None when it names none)."""
    import pyoxigraph as ox

    out: dict[str, str | None] = {}
    for q in b.graph.store.quads_for_pattern(ox.NamedNode(study), ox.NamedNode(EKG + "hasPopulation"), None,
                                             ox.DefaultGraph()):
        countries = [c.object.value for c in b.graph.store.quads_for_pattern(
            q.object, ox.NamedNode(EKG + "country"), None, ox.DefaultGraph())]
        out[q.object.value] = countries[0] if len(countries) == 1 else None
    return out


def _population(b: _Builder, cell: Cell, study: dict | None) -> tuple[str, str] | None:
    """The population (sub-sample) a finding is restricted to, as (IRI, title): one of the study's
    populations, named by its identifier or by its country's code; a code of one of the study's
    countries that no population of the study has yet makes a new population, which the source
    writes (with its country) and links to the study. None for the whole sample."""
    if not cell.value or not study:
        return None
    value = cell.value
    known = _study_populations(b, study["study"])
    known.update({iri: info["country"] for iri, info in b.populations.items()})
    if re.fullmatch(r"[A-Za-z]{2}", value):
        country = f"{EKG_ID}country/{value.upper()}"
        if country not in study["countries"]:
            codes = ";".join(c.rsplit("/", 1)[-1] for c in study["countries"]) or "none"
            b.problem(cell, f"{value!r} is not one of the study's countries ({codes}, the countries column of "
                            f"{STUDY_SHEET})")
            return None
        matching = sorted(iri for iri, of in known.items() if of == country)
        if len(matching) > 1:
            b.problem(cell, f"the study has several populations in {value.upper()}: name one by its identifier, "
                            + " or ".join(repr(m.rsplit("/", 1)[-1]) for m in matching))
            return None
        if matching:
            return matching[0], _population_title(b, matching[0])
        iri = f"{EKG_ID}population/{study['study_id']}-{value.lower()}"
        label = _country_label(b, country)
        b.populations[iri] = {"country": country, "study": study["study"], "row": cell,
                              "title": f"{study['short']}: the participants from {label}"}
        return iri, b.populations[iri]["title"]
    iri = f"{EKG_ID}population/{value}"
    if iri not in known:
        import difflib

        ids = [k.rsplit("/", 1)[-1] for k in sorted(known)]
        close = difflib.get_close_matches(value, ids, n=1, cutoff=0.6)
        b.problem(cell, f"{value!r} is not a population of study {study['study_id']!r}"
                        + (f"; did you mean {close[0]!r}?" if close else "")
                        + " (give a population's identifier, or the code of one of the study's countries)")
        return None
    return iri, _population_title(b, iri)


def _population_title(b: _Builder, iri: str) -> str:
    import pyoxigraph as ox

    if iri in b.populations:
        return b.populations[iri]["title"]
    for q in b.graph.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(DCTERMS + "title"), None,
                                             ox.DefaultGraph()):
        return q.object.value
    return iri.rsplit("/", 1)[-1]


def _country_label(b: _Builder, country: str) -> str:
    import pyoxigraph as ox

    labels = {q.object.language: q.object.value for q in b.graph.store.quads_for_pattern(
        ox.NamedNode(country), ox.NamedNode(SKOS + "prefLabel"), None, ox.DefaultGraph())}
    return labels.get("en") or next(iter(labels.values()), country.rsplit("/", 1)[-1])


def _build_populations(b: _Builder) -> None:
    """The populations the template's findings made: each with its title, country and study."""
    for iri, info in b.populations.items():
        b.subjects[iri] = info["row"]
        b.add(info["study"], EKG + "hasPopulation", _iri(iri))
        b.add(iri, RDF + "type", _iri(EKG + "Population"))
        b.add(iri, DCTERMS + "title", _lit(info["title"], lang="en"))
        b.add(iri, EKG + "country", _iri(info["country"]))
        b.add(iri, EKG + "provenance", _iri(EKG + "StatedInReview"))
        if info.get("section"):
            b.add(iri, EKG + "locatedIn", _iri(info["section"]))


def _yes_no(b: _Builder, cell: Cell, default: bool) -> bool:
    if not cell.value:
        return default
    value = _YES.get(cell.value.lower())
    if value is None:
        b.problem(cell, f"{cell.value!r} is not yes or no")
        return default
    return value


_PREFIXES = {
    "ekg": EKG, "study": EKG_ID + "study/", "factor": EKG_ID + "factor/", "source": EKG_ID + "source/",
    "country": EKG_ID + "country/", "pop": EKG_ID + "population/", "dcterms": DCTERMS, "bibo": BIBO, "prov": PROV,
    "rdfs": RDFS,
    "skos": SKOS, "foaf": FOAF, "xsd": XSD,
}


def _turtle(triples: list[tuple], study_id: str) -> bytes:
    import pyoxigraph as ox

    prefixes = dict(_PREFIXES)
    for kind in ("finding", "section", "characteristic", "classification"):
        prefixes[kind[:4] if kind != "classification" else "cls"] = f"{EKG_ID}{kind}/{study_id}/"
    seen = set()
    quads = []
    for s, p, o in triples:
        key = (s, p, str(o))
        if key in seen:
            continue
        seen.add(key)
        quads.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), o))
    # type first, then by predicate and object; subjects in IRI order
    # subjects are named nodes (built above)
    quads.sort(key=lambda t: (t.subject.value, t.predicate.value != RDF + "type",  # type: ignore[union-attr]
                              t.predicate.value, str(t.object)))
    header = (f"# The source {study_id}: a study curated from its own text with 'exitkg add': its record,\n"
              "# the source (curator and date), what it states of its sample and its findings.\n\n").encode()
    # pyoxigraph's stub: serialize without an output returns bytes
    body = ox.serialize(quads, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode()  # type: ignore[union-attr]
    # stable and readable: prefixes sorted, a blank line between resources
    lines = body.splitlines()
    prefix_lines = sorted(line for line in lines if line.startswith("@prefix"))
    out: list[str] = []
    for line in lines:
        if line.startswith("@prefix"):
            continue
        if out and not line.startswith(("\t", " ")):
            out.append("")
        out.append(line.replace("\t", "    ", 1) if line.startswith("\t") else line)
    return header + ("\n".join(prefix_lines) + "\n\n" + "\n".join(out) + "\n").encode()


def _place_shacl(b: _Builder, result) -> list[str]:
    """Map SHACL violations on the new study's resources to the template's rows and columns."""
    from exitkg.rdf.namespaces import compact, local_name

    placed = []
    path_columns = {EKG + "quote": "quote", EKG + "statedRole": "role", EKG + "aboutFactor": "factor",
                    BIBO + "doi": "doi", DCTERMS + "title": "title",
                    EKG + "journalTitle": "journal", EKG + "authorsAsPrinted": "authors", EKG + "year": "year"}
    shape_columns = {"RoleAssertion-quoteNamesFactorAndRole": "quote"}
    for r in result.results:
        if r.severity != "Violation":
            continue
        where = b.subjects.get(r.focus)
        shape = local_name(r.shape or "")
        message = r.message.split("; ", 1)[-1]
        if isinstance(where, Row):
            column = path_columns.get(r.path or "") or shape_columns.get(shape)
            cell = where.cells.get(column) if column else None
            placed.append(f"{(cell or where).where()}: {message} [{shape}]")
        elif isinstance(where, Cell):
            placed.append(f"{where.where()}: {message} [{shape}]")
        else:
            placed.append(f"{compact(r.focus)}: {message} [{shape}]")
    return placed


def check_template(template: str | os.PathLike[str], source_text: str | os.PathLike[str],
                   data=None) -> tuple[_Builder, dict | None, int, list[str]]:
    """Read and check a template; return the builder with the study's triples. Raises
    :class:`TemplateError` listing every problem, or :class:`InputError` for an unreadable one."""
    from exitkg.graph.local import load
    from exitkg.checks.check_quotes import read_source

    folder = Path(os.fsdecode(template))
    workbook = folder.suffix.lower() == XLSX_SUFFIX and os.path.isfile(folder)
    if not os.path.isdir(folder) and not workbook:  # False for a name too long too
        raise InputError(f"{folder}: not a template folder (it holds {' and '.join(SHEETS)}; see 'exitkg template') "
                         f"nor an {XLSX_SUFFIX} template")
    study_rows = _read_sheet(folder, STUDY_SHEET)
    finding_rows = _read_sheet(folder, FINDINGS_SHEET)
    text = read_source(source_text)
    graph = load(data)
    b = _Builder(graph, text)
    study_file = (f"{os.fsdecode(folder)}[{_sheet_title(STUDY_SHEET)}]" if workbook
                  else os.fsdecode(folder / STUDY_SHEET))
    if len(study_rows) != 1:
        raise TemplateError([f"{study_file}:3: the study sheet has {len(study_rows)} data rows; it has exactly one"])
    study = _build_study(b, study_rows[0])
    findings_file = (f"{os.fsdecode(folder)}[{_sheet_title(FINDINGS_SHEET)}]" if workbook
                     else os.fsdecode(folder / FINDINGS_SHEET))
    count, new_factors = _build_findings(b, finding_rows, study, findings_file)
    _build_populations(b)
    if b.problems:
        raise TemplateError(b.problems)
    return b, study, count, new_factors


def add_study(template: str | os.PathLike[str], source_text: str | os.PathLike[str],
              out: str | os.PathLike[str], data=None) -> AddResult:
    """Check a filled template against the source text and the graph (the packaged sources and
    *data*), validate the graph with the study added, and write the study's source folder *out*.

    Nothing is written unless every check passes. Raises :class:`TemplateError` (exit code 1)
    naming ``file:row:column`` for each problem, :class:`InputError` (2) for unreadable input and
    :class:`OutputError` (8) when *out* exists or cannot be written.
    """
    from exitkg.graph.local import load
    from exitkg.checks.validate import validate

    from exitkg.core.fsutil import new_folder, require_new_folder
    from exitkg.graph.local import _as_list

    target = require_new_folder(out, "a study")
    b, study, count, new_factors = check_template(template, source_text, data)
    assert study is not None
    turtle = _turtle(b.triples, study["id"])
    with new_folder(target, "a study") as staging:
        (staging / "study.ttl").write_bytes(turtle)
        result = validate(load([*_as_list(data), staging]))
        if not result.conforms:
            raise TemplateError(_place_shacl(b, result))
    return AddResult(study["study"], study["source"], target, count, new_factors, study["existing"])
