"""The SSSOM mapping set from exit factors to case-data fields.

``mappings/exit-factors-to-case-data.sssom.tsv`` relates the factors of the review (subjects,
``factor:`` = ``https://w3id.org/exitkg/id/factor/``) to fields and values of the IOM Human
Trafficking Case Data Standard (``htcds:``) and to codes of the two CTDC case datasets (``ctdc:``:
a yes/no column by its name, a category value as ``<column>/<code>``; see ``exitkg.linking.ctdc``). HTCDS
and CTDC publish no IRIs for their fields, so both prefixes are exitkg's own namespaces under
``https://w3id.org/exitkg/ref/``, followed by the field or column name exactly as the source
spells it. See ``mappings/README.md`` for what a mapping claims and what it does not.

The file is an SSSOM TSV: a YAML metadata block in ``#`` lines, then a tab-separated table with
one mapping per row. This module reads the table with the :mod:`csv` module and the metadata block with PyYAML
(every scalar a string; ``key: value`` lines, one level of nested mapping or list).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from exitkg.core.errors import InputError
from exitkg.rdf.namespaces import REF

MAPPINGS_FILE = "exit-factors-to-case-data.sssom.tsv"

HTCDS_NS = REF + "htcds/"
CTDC_NS = REF + "ctdc/"

#: Columns every row must have, with a non-empty value.
REQUIRED_COLUMNS = (
    "subject_id", "subject_label", "predicate_id", "object_id", "object_label",
    "mapping_justification", "author_label", "confidence", "object_source", "comment",
)
#: Columns whose values are CURIEs that must expand with the set's curie_map.
CURIE_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")


@dataclass(frozen=True)
class MappingRow:
    """One mapping: a row of the table, with its CURIEs expanded."""

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str
    mapping_justification: str
    author_label: str
    confidence: float
    object_source: str
    comment: str
    subject_iri: str
    predicate_iri: str
    object_iri: str
    #: Every cell of the row as written, keyed by column name, in column order.
    values: dict[str, str]


@dataclass(frozen=True)
class MappingSet:
    """The parsed mapping set: metadata block, columns and rows."""

    path: Path
    metadata: dict[str, object]
    curie_map: dict[str, str]
    #: The metadata block as written (the ``#`` lines), for an exact TSV copy.
    header: tuple[str, ...]
    columns: tuple[str, ...]
    mappings: tuple[MappingRow, ...]

    @property
    def mapping_set_id(self) -> str:
        return str(self.metadata.get("mapping_set_id", ""))

    @property
    def version(self) -> str:
        return str(self.metadata.get("mapping_set_version", ""))

    def expand(self, curie: str) -> str:
        """The IRI a CURIE stands for; a full ``http(s)://`` IRI is returned unchanged."""
        return _expand(curie, self.curie_map, self.path)


class FactorLink(NamedTuple):
    """A factor mapped to a case-data column (see :func:`mappings_for`)."""

    factor_iri: str
    predicate: str
    confidence: float
    comment: str


# --------------------------------------------------------------------------- #
# Loading
# --------------------------------------------------------------------------- #

def default_path() -> Path:
    """The packaged mapping set file."""
    from exitkg.core.resources import resource_dir

    return resource_dir("mappings") / MAPPINGS_FILE


def load_mappings(path: str | os.PathLike[str] | None = None) -> MappingSet:
    """Read and check the SSSOM TSV at *path* (default: the packaged mapping set).

    Raises :class:`InputError` when the file is missing or unreadable, when the metadata block
    has no ``curie_map`` or uses YAML this reader does not handle, when a required column or
    value is missing, when a confidence is not a number between 0 and 1, or when a CURIE uses a
    prefix the curie_map does not declare.
    """
    target = Path(path) if path is not None else default_path()
    from exitkg.rdf.files import read_text

    text = read_text(target)

    lines = text.splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    metadata = _parse_metadata([line[1:] for line in header], target)
    curie_map = metadata.get("curie_map")
    if not isinstance(curie_map, dict) or not curie_map:
        raise InputError(f"{target}: the metadata block has no curie_map")

    body = "\n".join(lines[len(header):])
    reader = csv.reader(io.StringIO(body), delimiter="\t")
    rows = [row for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError(f"{target}: no table after the metadata block")
    columns = tuple(rows[0])
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise InputError(f"{target}: missing column(s): {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        raise InputError(f"{target}: a column name occurs twice")

    mappings = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(columns):
            raise InputError(f"{target}: table row {number} has {len(row)} cells, expected {len(columns)}")
        values = dict(zip(columns, row, strict=False))
        mappings.append(_mapping_row(values, curie_map, target, number))
    if not mappings:
        raise InputError(f"{target}: the table has no mappings")
    return MappingSet(target, metadata, dict(curie_map), tuple(header), columns, tuple(mappings))


def _mapping_row(values: dict[str, str], curie_map: dict[str, str], path: Path, number: int) -> MappingRow:
    where = f"{path}: table row {number}"
    for column in REQUIRED_COLUMNS:
        if not values[column].strip():
            raise InputError(f"{where}: empty {column}")
    try:
        confidence = float(values["confidence"])
    except ValueError:
        raise InputError(f"{where}: confidence {values['confidence']!r} is not a number") from None
    if not 0.0 <= confidence <= 1.0:
        raise InputError(f"{where}: confidence {confidence:g} is not between 0 and 1")
    for column in CURIE_COLUMNS:
        _expand(values[column], curie_map, path, where=f"{where}, {column}")
    return MappingRow(
        subject_id=values["subject_id"],
        subject_label=values["subject_label"],
        predicate_id=values["predicate_id"],
        object_id=values["object_id"],
        object_label=values["object_label"],
        mapping_justification=values["mapping_justification"],
        author_label=values["author_label"],
        confidence=confidence,
        object_source=values["object_source"],
        comment=values["comment"],
        subject_iri=_expand(values["subject_id"], curie_map, path),
        predicate_iri=_expand(values["predicate_id"], curie_map, path),
        object_iri=_expand(values["object_id"], curie_map, path),
        values=values,
    )


def _expand(curie: str, curie_map: dict[str, str], path: Path, where: str | None = None) -> str:
    if curie.startswith(("http://", "https://")):
        return curie
    prefix, sep, local = curie.partition(":")
    if not sep or not prefix or not local:
        raise InputError(f"{where or path}: {curie!r} is not a CURIE")
    if prefix not in curie_map:
        raise InputError(f"{where or path}: prefix {prefix!r} of {curie!r} is not in the curie_map")
    return curie_map[prefix] + local


def _parse_metadata(lines: list[str], path: Path) -> dict[str, object]:
    """Parse the metadata block with PyYAML, every scalar read as a string (as SSSOM's own
    readers keep CURIEs, versions and dates): a mapping whose values are scalars, mappings of
    scalars or lists of scalars. A key given twice or given no value is refused."""
    import yaml

    class Loader(yaml.BaseLoader):
        """YAML's structure with no implicit types; a plain empty scalar is no value."""

        def construct_scalar(self, node):
            value = super().construct_scalar(node)
            return None if node.style is None and value == "" else value

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise InputError(f"{path}: metadata key {key!r} occurs twice")
                seen.add(key)
            return super().construct_mapping(node, deep=True)

    text = "\n".join(lines)
    for line in lines:
        if "\t" in line and line.strip() and not line.strip().startswith("#"):
            raise InputError(f"{path}: tab in the metadata block: {line.strip()!r}")
    try:
        result = yaml.load(text, Loader=Loader)  # noqa: S506 - BaseLoader builds strings, lists and dicts only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1} of the block)" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}: cannot read the metadata block as YAML: {problem}{where}") from None
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise InputError(f"{path}: the metadata block is not a mapping of 'key: value' lines")
    for key, value in result.items():
        if value is None:
            raise InputError(f"{path}: metadata key {key!r} has no value")
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
        if any(not isinstance(item, str) for item in items):
            raise InputError(f"{path}: unsupported YAML in the metadata block: {key!r} nests deeper than one level "
                             "or has an item with no value")
    return result


# --------------------------------------------------------------------------- #
# Use
# --------------------------------------------------------------------------- #

def mappings_for(columns: set[str], mapping_set: MappingSet | None = None) -> list[FactorLink]:
    """The factors mapped to any of the CTDC *columns*, in the order of the mapping set.

    *columns* are CTDC column names as they appear in the data (``meansOfControlDebtBondage``);
    a ``ctdc:`` CURIE is accepted too. Each result gives the factor IRI, the predicate IRI
    (e.g. ``http://www.w3.org/2004/02/skos/core#relatedMatch``), the confidence and the comment
    saying in which sense the two are related. Call it with one column to learn which factors
    that column bears on. Names that no mapping uses are ignored.
    """
    ms = mapping_set if mapping_set is not None else load_mappings()
    wanted = {c[len("ctdc:"):] if c.startswith("ctdc:") else c for c in columns}
    links = []
    for m in ms.mappings:
        if m.object_iri.startswith(CTDC_NS) and m.object_iri[len(CTDC_NS):] in wanted:
            links.append(FactorLink(m.subject_iri, m.predicate_iri, m.confidence, m.comment))
    return links


def to_rdf(mapping_set: MappingSet):
    """An :class:`rdflib.Graph` with one plain triple per mapping: subject predicate object."""
    from rdflib import Graph, URIRef

    graph = Graph()
    for prefix, namespace in sorted(mapping_set.curie_map.items()):
        graph.bind(prefix, namespace, override=True, replace=True)
    for m in mapping_set.mappings:
        graph.add((URIRef(m.subject_iri), URIRef(m.predicate_iri), URIRef(m.object_iri)))
    return graph


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #

def render_tsv(mapping_set: MappingSet) -> str:
    """The SSSOM TSV: the metadata block as written, then the table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(mapping_set.columns)
    for m in mapping_set.mappings:
        writer.writerow([m.values[c] for c in mapping_set.columns])
    header = "".join(line + "\n" for line in mapping_set.header)
    return header + buffer.getvalue()


def render_json(mapping_set: MappingSet) -> str:
    """The metadata and the mappings as one JSON object, with SSSOM slot names."""
    document: dict[str, object] = dict(mapping_set.metadata)
    rows = []
    for m in mapping_set.mappings:
        row: dict[str, object] = {c: v for c, v in m.values.items() if v != ""}
        row["confidence"] = m.confidence
        rows.append(row)
    document["mappings"] = rows
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_turtle(mapping_set: MappingSet) -> str:
    """The plain SKOS triples of :func:`to_rdf`, in Turtle."""
    return to_rdf(mapping_set).serialize(format="turtle")


def render_table(mapping_set: MappingSet) -> str:
    """An aligned text table for people: factor, predicate, case-data field, confidence."""
    header = ["subject_id", "predicate_id", "object_id", "confidence"]
    body = [[m.subject_id, m.predicate_id, m.object_id, f"{m.confidence:g}"] for m in mapping_set.mappings]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in body]
    n = len(body)
    lines.append(f"({n} mapping{'s' if n != 1 else ''}; {mapping_set.mapping_set_id} {mapping_set.version})")
    return "\n".join(lines) + "\n"


RENDERERS = {"table": render_table, "tsv": render_tsv, "json": render_json, "turtle": render_turtle}
