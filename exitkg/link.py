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
import io
import re
from pathlib import Path

from exitkg.errors import InputError
from exitkg.namespaces import EKG
from exitkg.rdfio import PathLike

CTDC_NS = "https://w3id.org/exitkg/ref/ctdc/"
DEFAULT_BASE = "https://example.org/cases/"

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
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?![0-9.]))")


def is_flag(column: str) -> bool:
    """Flag columns hold 1 or 0 (or a missing code): means of control, is..., recruiter relation."""
    return column.startswith(FLAG_PREFIXES)


def read_cases(path: PathLike) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Read and check a CTDC-shaped CSV: (header, [(line number, row), ...])."""
    from exitkg.rdfio import read_text

    shown = str(path)
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{shown}: file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        known = set(CTDC_COLUMNS)
        seen: set[str] = set()
        for j, name in enumerate(header, 1):
            if name not in known:
                raise InputError(f"{shown}:1:{j}: unknown column {name!r}: not a column of the CTDC dataset")
            if name in seen:
                raise InputError(f"{shown}:1:{j}: column {name!r} appears twice")
            seen.add(name)
        rows = []
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != len(header):
                raise InputError(f"{shown}:{line}: the row has {len(fields)} fields, the header {len(header)}")
            for j, (name, value) in enumerate(zip(header, fields), 1):
                if _FORMULA.match(value):
                    raise InputError(f"{shown}:{line}:{j}: the cell {value[:30]!r} would run as a spreadsheet formula; refused")
                if is_flag(name) and value.strip() not in TRUE | FALSE | MISSING:
                    raise InputError(f"{shown}:{line}:{j}: column {name} takes 1, 0 or a missing code (-99, NA, empty), not {value[:30]!r}")
            rows.append((line, dict(zip(header, fields))))
    except csv.Error as exc:
        raise InputError(f"{shown}:{reader.line_num}: {exc}") from None
    if not rows:
        raise InputError(f"{shown}: no records after the header")
    return header, rows


def link(path: PathLike, base: str = DEFAULT_BASE):
    """The RDF graph of the cases in *path*, linked to the exit factors through the mapping set."""
    from rdflib import RDF, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, XSD

    from exitkg.mappings import load_mappings, mappings_for, to_rdf
    from exitkg.queries import absolute_iri
    from exitkg.errors import UsageError

    absolute_iri(base, "the base IRI", error=UsageError)
    header, rows = read_cases(path)
    mapping_set = load_mappings()
    related = {column: mappings_for({column}, mapping_set) for column in header}
    ekg = Namespace(EKG)
    graph = Graph()
    graph.bind("ekg", ekg)
    graph.bind("ctdc", CTDC_NS)
    source = Literal(Path(path).name)
    used_columns = set()
    for line, row in rows:
        case = URIRef(f"{base}row-{line}")
        graph.add((case, RDF.type, ekg.Case))
        graph.add((case, ekg.sourceRow, Literal(line, datatype=XSD.integer)))
        graph.add((case, DCTERMS.source, source))
        for column in header:
            value = row[column].strip()
            links = related[column]
            if not links or value in MISSING or value in FALSE:
                continue
            if is_flag(column) and value not in TRUE:
                continue
            attribute = URIRef(f"{case}/{column}")
            graph.add((case, ekg.hasAttribute, attribute))
            graph.add((attribute, RDF.type, ekg.CaseAttribute))
            graph.add((attribute, ekg.column, URIRef(CTDC_NS + column)))
            graph.add((attribute, ekg.cellValue, Literal(value)))
            for link_ in links:
                graph.add((attribute, ekg.relatedFactor, URIRef(link_.factor_iri)))
            used_columns.add(CTDC_NS + column)
    # the mappings that made the links travel with them
    for s, p, o in to_rdf(mapping_set):
        if str(o) in used_columns:
            graph.add((s, p, o))
    return graph
