"""The catalogue of canned SPARQL queries, their parameters, and result rendering.

Each ``queries/*.rq`` file starts with a header of ``# key: value`` lines that a person and a
tool can read::

    # id: studies-by-design
    # title: The 13 studies by design
    # reproduces: Results: "of which 9 were qualitative, 3 quantitative and 1 mixed method"
    # kind: reproduction
    # dimension: ekg:byDesign
    # expected: studies-by-design.expected.csv
    # param: include_inferred boolean = true -- count values the curators inferred

``kind`` is ``reproduction`` (recomputes a number the review states; ``dimension`` links it to
the review's stated counts), ``evidence`` (shows the findings behind a result), ``question``
(a parameterised question) or ``violation`` (must return no rows; the file name ends in
``-violation.rq``). ``expected`` names the CSV file beside the query holding its result on the
packaged graph. ``empty`` says what an empty answer means (the command prints it as a note when
the query finds nothing). A ``param`` line declares a parameter: name, type, optional default (``any``
leaves it unbound) and a description; an ``example`` line gives example values (``factor=stigma``),
one set per line. Parameters are bound as RDF terms to the variable of the same name; user text
never enters the query string.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from exitkg.rdf import vocabulary
from exitkg.sparql.engine import Result
from exitkg.core.errors import InputError, QueryError
from exitkg.rdf.namespaces import EKG, EKG_ID, PREFIXES, XSD, compact
from exitkg.rdf.terms import is_iri, lexical

KINDS = ("reproduction", "evidence", "question", "violation")

#: Parameter types that name a resource of the graph by its slug (or a full IRI).
SLUG_TYPES = {
    "factor": EKG_ID + "factor/",
    "study": EKG_ID + "study/",
    "country": EKG_ID + "country/",
    "source": EKG_ID + "source/",
    "review": EKG_ID + "review/",
}
#: Prefixes a header value may use (``dimension: dimension:by-design``).
HEADER_PREFIXES = {"ekg": EKG, "dimension": EKG_ID + "dimension/", "unit": EKG_ID + "unit/"}
#: Parameter types that take a value from a closed list of the ontology (:mod:`exitkg.rdf.vocabulary`).
CLOSED_TYPES = vocabulary.ClosedNames({
    "design": vocabulary.STUDY_DESIGN,
    "age_group": vocabulary.AGE_GROUP,
    "level": vocabulary.LEVEL,
    "role": vocabulary.ROLE,
    # the attributes of a linked case (exitkg.linking.ctdc.PROPERTIES), to split a cohort by
    "case_attribute": ("registrationYear", "dataSource", "gender", "ageBand", "majorityStatus",
                       "majorityStatusAtExploitation", "majorityStatusAtEntry", "citizenship", "countryOfExploitation",
                       "traffickingDuration", "meansOfControl", "exploitationType", "labourType",
                       "sexualExploitationType", "wayOfEntry", "recruiterRelation", "recruitmentMethod",
                       "vulnerability", "traffickingStatus", "educationLevel", "supportPlanType"),
})
PARAM_TYPES = ("boolean", "integer", "string", "iri", *SLUG_TYPES, *CLOSED_TYPES)

_HEADER = re.compile(r"^#\s*([a-z_]+)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z_]+)"
    r"(?:\s*=\s*(?P<default>\S+))?\s*(?:--\s*(?P<doc>.*))?$"
)
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    doc: str

    @property
    def required(self) -> bool:
        return self.default is None

    def describe(self) -> str:
        text = f"{self.name} ({self.type}"
        if self.type in CLOSED_TYPES:
            text += ": " + "|".join(CLOSED_TYPES[self.type])
        text += ", required)" if self.required else f", default {self.default})"
        return text + (f": {self.doc}" if self.doc else "")


@dataclass
class Query:
    id: str
    title: str
    kind: str
    text: str
    path: Path
    reproduces: str = ""
    dimension: str | None = None
    expected: str | None = None
    params: list[Param] = field(default_factory=list)
    #: Example parameter values (``# example: factor=stigma``), for documentation and tests.
    examples: list[dict[str, str]] = field(default_factory=list)
    #: What an empty answer means (``# empty: ...``), shown as a note when the query finds nothing.
    empty: str = ""

    @property
    def expected_path(self) -> Path | None:
        return self.path.parent / self.expected if self.expected else None

    def as_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "reproduces": self.reproduces,
            "dimension": self.dimension, "expected": self.expected,
            "params": [p.__dict__ for p in self.params], "examples": self.examples,
        }


def parse_query_file(path: Path) -> Query:
    """Read a query file and its header. Raises :class:`QueryError` on a bad header."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QueryError(f"{path}: no such query file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read query file: {exc}") from None
    header: dict[str, str] = {}
    params: list[Param] = []
    examples: list[dict[str, str]] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group("type") not in PARAM_TYPES:
                raise QueryError(f"{path.name}: bad parameter declaration {value!r}")
            params.append(Param(pm.group("name"), pm.group("type"), pm.group("default"), pm.group("doc") or ""))
        elif key == "example":
            examples.append(parse_param_args(value.split()))
        else:
            header[key] = value
    qid = header.get("id") or path.stem
    kind = header.get("kind", "question")
    if kind not in KINDS:
        raise QueryError(f"{path.name}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    dimension = header.get("dimension")
    if dimension:
        prefix, sep, local = dimension.partition(":")
        if sep and prefix in HEADER_PREFIXES:
            dimension = HEADER_PREFIXES[prefix] + local
    return Query(
        id=qid, title=header.get("title", qid), kind=kind, text=text, path=path,
        reproduces=header.get("reproduces", ""), dimension=dimension,
        expected=header.get("expected"), params=params, examples=examples or [{}],
        empty=header.get("empty", ""),
    )


def catalogue() -> dict[str, Query]:
    """All packaged queries by id, in file-name order."""
    from exitkg.core.resources import resource_files

    queries: dict[str, Query] = {}
    for path in resource_files("queries", (".rq",)):
        query = parse_query_file(path)
        if query.id in queries:
            raise QueryError(f"duplicate query id {query.id!r} in {path.name}")
        queries[query.id] = query
    return queries


def resolve(name: str) -> Query:
    """A packaged query by id, or a query file by path."""
    queries = catalogue()
    if name in queries:
        return queries[name]
    path = Path(name)
    if path.suffix == ".rq" or path.exists():
        if path.is_dir():
            raise QueryError(f"{name}: is a directory, not a query file")
        return parse_query_file(path)
    known = ", ".join(sorted(queries))
    raise QueryError(f"unknown query {name!r}; known queries: {known}")


def parse_param_args(items: list[str] | None) -> dict[str, str]:
    """Turn ``["key=value", ...]`` into a dict; raises :class:`QueryError` on bad items."""
    values: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise QueryError(f"parameter {item!r} is not of the form KEY=VALUE")
        if key in values:
            raise QueryError(f"parameter {key!r} given twice")
        values[key] = value
    return values


def convert(param: Param, value: str):
    """Convert a user-supplied string to the RDF term (pyoxigraph) bound for *param*."""
    import pyoxigraph as ox

    kind = param.type
    if kind == "string":
        return ox.Literal(value)
    if kind == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise QueryError(f"parameter {param.name}: expected true or false, got {value!r}")
        return ox.Literal(lowered, datatype=ox.NamedNode(XSD + "boolean"))
    if kind == "integer":
        if not re.fullmatch(r"[+-]?[0-9]+", value):
            raise QueryError(f"parameter {param.name}: expected an integer, got {value!r}")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if kind in CLOSED_TYPES:
        allowed = CLOSED_TYPES[kind]
        if value not in allowed:
            raise QueryError(f"parameter {param.name}: expected one of {', '.join(allowed)}, got {value!r}")
        return ox.NamedNode(EKG + value)
    if kind in SLUG_TYPES and _SLUG.fullmatch(value):
        return ox.NamedNode(SLUG_TYPES[kind] + (value.upper() if kind == "country" else value))
    what = f"a {param.type} slug or an absolute IRI" if param.type in SLUG_TYPES else "an absolute IRI"
    return ox.NamedNode(absolute_iri(value, f"parameter {param.name}", what))


def absolute_iri(value: str, name: str, what: str = "an absolute IRI", error=QueryError) -> str:
    """Return *value* if it is an absolute IRI with none of the characters IRIs forbid."""
    scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value)
    if not scheme or _IRI_FORBIDDEN.search(value):
        raise error(f"{name}: expected {what}, got {value!r}")
    import pyoxigraph as ox

    try:
        ox.NamedNode(value)
    except ValueError:
        raise error(f"{name}: not a valid IRI: {value!r}") from None
    return value


def bind(query: Query, values: Mapping[str, str]) -> dict:
    """Check *values* against the query's parameters and convert them to RDF terms.

    Unknown or missing parameters raise :class:`QueryError`. A default of ``any`` leaves the
    variable unbound.
    """
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        allowed = ", ".join(declared) or "none"
        raise QueryError(f"query {query.id!r}: unknown parameter {unknown[0]!r} (parameters: {allowed})")
    bindings = {}
    for param in query.params:
        if param.name in values:
            bindings[param.name] = convert(param, values[param.name])
        elif param.required:
            raise QueryError(f"query {query.id!r}: missing parameter {param.name!r} ({param.describe()})")
        elif param.default != "any":
            bindings[param.name] = convert(param, param.default)  # type: ignore[arg-type]  # not required: a default
    return bindings


def run(query: Query, engine, values: Mapping[str, str] | None = None) -> Result:
    """Run *query* on *engine* with parameter *values* (strings, converted and bound as terms)."""
    return engine.run(query.text, bind(query, values or {}))


_MENTIONED = "ASK WHERE { { ?term ?p ?o } UNION { ?s ?p ?term } }"


def absent(query: Query, engine, values: Mapping[str, str] | None = None) -> list[str]:
    """For each parameter whose value is an IRI that *engine*'s graph never mentions (as subject
    or object), a line saying so: why a query may have found nothing (a misspelt slug)."""
    import pyoxigraph as ox

    return [f"parameter {name}: the graph holds nothing about <{term.value}>"
            for name, term in bind(query, values or {}).items()
            if isinstance(term, ox.NamedNode) and not engine.run(_MENTIONED, {"term": term}).boolean]


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a cell that a spreadsheet would read as a formula with a quote."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def render_csv(result: Result) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if result.boolean is not None:
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buffer.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([neutralise(lexical(row.get(v))) for v in result.variables])
    return buffer.getvalue()


def _json_term(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    return {"type": "uri", "value": term.value}


def render_json(result: Result) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if result.boolean is not None:
        document = {"head": {}, "boolean": result.boolean}
    else:
        document = {
            "head": {"vars": result.variables},
            "results": {"bindings": [
                {v: _json_term(t) for v, t in row.items() if t is not None} for row in result.rows
            ]},
        }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


#: Prefixes for the table format: the fixed ones plus the resource kinds people read most.
_TABLE_PREFIXES = {**PREFIXES, **{p: EKG_ID + kind + "/" for p, kind in (
    ("factor", "factor"), ("study", "study"), ("country", "country"), ("pop", "population"),
    ("source", "source"), ("work", "work"), ("finding", "finding"), ("cited", "cited-evidence"),
    ("remark", "remark"), ("cls", "classification"))}}


def _display(term) -> str:
    if term is None:
        return ""
    if is_iri(term):
        return compact(term.value, _TABLE_PREFIXES, path=True)
    return " ".join(term.value.split())


def render_table(result: Result) -> str:
    """An aligned text table with compacted IRIs, for people."""
    if result.boolean is not None:
        return ("true" if result.boolean else "false") + "\n"
    header = result.variables
    body = [[_display(row.get(v)) for v in header] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


RENDERERS = {"table": render_table, "csv": render_csv, "json": render_json}


def render_catalogue(queries: Mapping[str, Query]) -> str:
    lines = []
    for q in queries.values():
        lines.append(f"{q.id}  [{q.kind}]  {q.title}")
        for p in q.params:
            lines.append(f"    --param {p.describe()}")
    return "\n".join(lines) + "\n"


#: Where the catalogue as data names each query.
QUERY_NS = EKG_ID + "query/"
_FORM = re.compile(r"^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)
_FORM_PROPERTY = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a query, read past its comments and prologue
    (a word in a comment, such as "drops", never makes it look like an update)."""
    body = "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith("#") and not re.match(r"\s*(PREFIX|BASE)\b", line, re.I))
    match = _FORM.search(body)
    return match.group(1).upper() if match else "SELECT"


def render_catalogue_turtle(queries: Mapping[str, Query]) -> str:
    """The catalogue as data, in the style of the SIB SPARQL examples: each query a
    ``sh:SPARQLExecutable`` (and ``sh:SPARQLSelectExecutable`` ...) with its title as
    ``rdfs:label``, the sentence of the review it reproduces as ``rdfs:comment``, its kind as
    ``schema:keywords``, its parameters as ``sh:parameter`` nodes, and its text, so other SPARQL
    tools can offer the same queries."""
    import pyoxigraph as ox

    from exitkg.rdf.namespaces import DCTERMS as DCT, RDF, RDFS, SH

    SCHEMA = PREFIXES["schema"]
    rdf_type = ox.NamedNode(RDF + "type")
    triples = []
    for q in queries.values():
        node = ox.NamedNode(QUERY_NS + q.id)
        form = query_form(q.text)
        prop = _FORM_PROPERTY[form]
        triples += [
            ox.Triple(node, rdf_type, ox.NamedNode(SH + "SPARQLExecutable")),
            ox.Triple(node, rdf_type, ox.NamedNode(SH + f"SPARQL{form.capitalize()}Executable")),
            ox.Triple(node, ox.NamedNode(RDFS + "label"), ox.Literal(q.title, language="en")),
            ox.Triple(node, ox.NamedNode(SCHEMA + "keywords"), ox.Literal(q.kind)),
            ox.Triple(node, ox.NamedNode(DCT + "identifier"), ox.Literal(q.id)),
            ox.Triple(node, ox.NamedNode(SH + prop), ox.Literal(q.text)),
        ]
        if q.reproduces:
            triples.append(ox.Triple(node, ox.NamedNode(RDFS + "comment"), ox.Literal(q.reproduces, language="en")))
        if q.dimension:
            triples.append(ox.Triple(node, ox.NamedNode(DCT + "subject"), ox.NamedNode(q.dimension)))
        for p in q.params:
            param = ox.BlankNode(f"{q.id.replace('-', '_')}_{p.name}")
            triples += [
                ox.Triple(node, ox.NamedNode(SH + "parameter"), param),
                ox.Triple(param, ox.NamedNode(SH + "path"), ox.NamedNode(QUERY_NS + q.id + "#" + p.name)),
                ox.Triple(param, ox.NamedNode(SH + "name"), ox.Literal(p.name)),
                ox.Triple(param, ox.NamedNode(SH + "description"), ox.Literal(p.describe())),
                ox.Triple(param, ox.NamedNode(SH + "optional"), ox.Literal("false" if p.required else "true",
                                                                           datatype=ox.NamedNode(XSD + "boolean"))),
            ]
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = {"sh": SH, "rdfs": RDFS, "schema": SCHEMA, "dcterms": DCT, "ekg": EKG, "query": QUERY_NS}
    # pyoxigraph's stub: serialize without an output returns bytes
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode("utf-8")  # type: ignore[union-attr]


class Queryable:
    """What every graph offers on top of ``run(text, bindings)``: canned queries by name."""

    name = "graph"

    def run(self, text: str, bindings: Mapping | None = None) -> Result:  # pragma: no cover
        raise NotImplementedError

    def query(self, name: str, **params: str) -> Result:
        """Run a canned query (its id, see :func:`exitkg.sparql.queries.catalogue`) or a ``.rq`` file.

        *params* are the query's declared parameters, as text (``factor="stigma"``); each is
        checked against its declared type and bound as an RDF term. Raises
        :class:`~exitkg.core.errors.QueryError` for an unknown query or a bad parameter.
        """
        return run(resolve(name), self, {k: str(v) for k, v in params.items()})
