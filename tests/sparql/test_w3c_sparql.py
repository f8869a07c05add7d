"""A sample of the W3C SPARQL 1.1 query evaluation tests, run through ``exitkg query``.

The tests are vendored, unchanged, in ``tests/w3c/sparql/`` (origin, commit and licence in its
``ORIGIN.md``). Each ``mf:QueryEvaluationTest`` of their manifests runs as

    exitkg query TEST.rq --only DATA ... --without-ontology --allow-empty --base IRI --format json

so the query sees exactly the test's data (an empty file when it has none; the suite's IRI of the
data file as the base of its relative IRIs). Every IN_SUBPROCESS_EVERY-th test, and every refused
one, runs the command in a subprocess; the rest run the same command line in this process
(:func:`exitkg.cli.main`, what the ``exitkg`` command runs), which is faster. The answer is
compared with the expected ``.srx`` or ``.srj``: the same variables, and the same solutions as a
multiset of RDF terms, blank nodes matched up to renaming, in the same order when the query has
an outer ``ORDER BY``.

The tests that do not give the expected answer stand in one of four lists, each entry with its
reason, and each checked: :data:`REFUSED` (exitkg stops with one error line and the exit code
given), :data:`NAMED_GRAPHS` (not run: a dataset the command line cannot give),
:data:`NUMBER_FORMS` (the same numbers in another lexical form) and :data:`DIFFERS` (another
answer). An entry that comes to give the expected answer fails its check, so the lists stay
true. docs/queries.md states the counts; a test checks them against the manifests and the lists.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import REPO_ROOT, assert_one_error_line, run_exitkg
from exitkg.core import errors

pytestmark = pytest.mark.slow  # the whole W3C suite

SUITE = REPO_ROOT / "tests" / "w3c" / "sparql"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
QT = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_ONLY_SELECT_ASK = ("only SELECT and ASK", "exitkg query answers SELECT and ASK queries (CONSTRUCT is refused)")
_RELATIVE = ("malformed SPARQL", "the query names a graph or a file by a relative IRI, and exitkg reads a query "
                                 "without a base IRI")

#: Tests exitkg refuses: test id -> (exit code, what the error line says, reason). Each is run in a
#: subprocess and must stop with one ``exitkg: error:`` line, that exit code, and no output.
REFUSED: dict[str, tuple[int, str, str]] = {
    "construct/constructwhere01": (errors.QUERY, *_ONLY_SELECT_ASK),
    "construct/constructwhere02": (errors.QUERY, *_ONLY_SELECT_ASK),
    "construct/constructwhere03": (errors.QUERY, *_ONLY_SELECT_ASK),
    "construct/constructlist": (errors.QUERY, *_ONLY_SELECT_ASK),
    "subquery/subquery12": (errors.QUERY, *_ONLY_SELECT_ASK),
    "subquery/subquery14": (errors.QUERY, *_ONLY_SELECT_ASK),
    "construct/constructwhere04": (errors.QUERY, *_RELATIVE),  # FROM <data.ttl>
    "exists/exists03": (errors.QUERY, *_RELATIVE),  # GRAPH <exists02.ttl>
    "bindings/graph": (errors.QUERY, *_RELATIVE),  # VALUES ... <data01.ttl>
    "property-path/pp34": (errors.QUERY, *_RELATIVE),  # GRAPH <ng-01.ttl>
    "property-path/pp35": (errors.QUERY, *_RELATIVE),  # GRAPH <ng-01.ttl>
}

#: Tests not run: their dataset has named graphs (qt:graphData) apart from its default graph, which
#: the command line cannot express: the graph exitkg loads has the merge of every input as its
#: default graph (a TriG or N-Quads file keeps its named graphs, and its triples are in the merge too).
NAMED_GRAPHS = (
    "aggregates/agg-empty-group-count-graph", "exists/exists-graph-variable", "negation/graph-minus",
    "property-path/pp06", "property-path/pp07", "subquery/subquery01", "subquery/subquery02",
    "subquery/subquery03", "subquery/subquery04", "subquery/subquery05", "subquery/subquery07",
)

_NUMBER_FORM = ("the store keeps numbers as values and writes them in canonical form (2000 for the "
                "expected 2.0E3, 2 for 2.0); the same numbers, in another lexical form")

#: Tests answered with the expected numbers in another lexical form: test id -> reason. Each must
#: differ from the expected answer as RDF terms and equal it when numbers compare by value.
NUMBER_FORMS: dict[str, str] = {test: _NUMBER_FORM for test in (
    "aggregates/agg-sum-02", "aggregates/agg-avg-02", "aggregates/agg-min-01", "aggregates/agg-min-02",
    "aggregates/agg-max-01", "aggregates/agg-max-02", "aggregates/agg-err-02", "aggregates/agg-max-distinct",
    "aggregates/agg-min-distinct", "functions/plus-1-corrected", "functions/plus-2-corrected",
    "functions/coalesce01",
)}

_ZERO_LENGTH = ("a zero-length path from a constant the graph does not hold matches nothing; SPARQL 1.1 "
                "matches the constant itself")
_CONCAT_TAG = ("GROUP_CONCAT of literals that share a language tag keeps the tag (\"1 2\"@en), so the test's "
               "comparison with a simple literal is false")

#: Tests whose answer differs from the expected one (the engine's, Oxigraph's, behaviour): test id ->
#: reason. Each must run and give another answer; one that comes to match must leave the list.
DIFFERS: dict[str, str] = {
    "aggregates/agg-groupconcat-04": _CONCAT_TAG,
    "aggregates/agg-groupconcat-06": _CONCAT_TAG,
    "functions/bnode01": "BNODE(string) gives one blank node per string across solutions; SPARQL 1.1 asks "
                         "for a new one in each solution",
    "property-path/zero_or_more_set_start": _ZERO_LENGTH,
    "property-path/zero_or_more_set_end": _ZERO_LENGTH,
    "property-path/zero_or_one_set_start": _ZERO_LENGTH,
    "property-path/zero_or_one_set_end": _ZERO_LENGTH,
}

#: Every this-many-th test that runs, runs in a subprocess (the command itself); the others run the
#: same command line in this process.
IN_SUBPROCESS_EVERY = 15


@dataclass(frozen=True)
class Case:
    id: str          # folder/name, e.g. "bind/bind01"
    name: str
    query: Path
    data: tuple[Path, ...]
    graph_data: tuple[Path, ...]
    result: Path
    #: the IRI the data file has in the suite (its relative IRIs resolve against it there)
    base: str


def _manifest_cases() -> list[Case]:
    """Every mf:QueryEvaluationTest of the vendored manifests, in manifest order."""
    import rdflib
    from rdflib.collection import Collection

    cases = []
    for manifest in sorted(SUITE.glob("*/manifest.ttl")):
        graph = rdflib.Graph().parse(manifest)
        [root] = graph.subjects(rdflib.URIRef(RDF_TYPE), rdflib.URIRef(MF + "Manifest"))
        for entry in Collection(graph, graph.value(root, rdflib.URIRef(MF + "entries"))):
            if graph.value(entry, rdflib.URIRef(RDF_TYPE)) != rdflib.URIRef(MF + "QueryEvaluationTest"):
                continue
            action = graph.value(entry, rdflib.URIRef(MF + "action"))

            def files(subject, predicate, graph=graph):
                return tuple(sorted(Path(unquote(urlparse(str(o)).path))  # file: IRIs, the manifest's base
                                    for o in graph.objects(subject, rdflib.URIRef(predicate))))

            [query] = files(action, QT + "query")
            [result] = files(entry, MF + "result")
            data = files(action, QT + "data")
            folder = str(entry).rsplit("/", 1)[0] + "/"  # the suite's IRI of the manifest's folder
            cases.append(Case(f"{manifest.parent.name}/{str(entry).rsplit('#', 1)[-1]}",
                              str(graph.value(entry, rdflib.URIRef(MF + "name"))), query, data,
                              files(action, QT + "graphData"), result, folder + (data[0].name if data else "")))
    return cases


CASES = _manifest_cases()


# --------------------------------------------------------------------------- #
# Results: SPARQL XML and JSON, read into comparable terms
# --------------------------------------------------------------------------- #

def _literal(value: str, datatype: str | None, lang: str | None) -> tuple:
    if lang:
        return ("literal", value, RDF_LANG_STRING, lang.lower())  # tags compare without case (RDF 1.1)
    return ("literal", value, datatype or XSD_STRING, None)


def read_srx(text: str) -> tuple[list[str] | None, list[dict] | bool]:
    ns = "{http://www.w3.org/2005/sparql-results#}"
    root = ET.fromstring(text)
    boolean = root.find(f"{ns}boolean")
    if boolean is not None:
        return None, boolean.text.strip() == "true"
    variables = [v.get("name") for v in root.find(f"{ns}head").findall(f"{ns}variable")]
    rows = []
    for result in root.find(f"{ns}results").findall(f"{ns}result"):
        row = {}
        for binding in result.findall(f"{ns}binding"):
            [term] = list(binding)
            kind = term.tag[len(ns):]
            if kind == "uri":
                row[binding.get("name")] = ("uri", term.text or "")
            elif kind == "bnode":
                row[binding.get("name")] = ("bnode", term.text or "")
            else:
                row[binding.get("name")] = _literal(term.text or "", term.get("datatype"),
                                                    term.get("{http://www.w3.org/XML/1998/namespace}lang"))
        rows.append(row)
    return variables, rows


def read_srj(text: str) -> tuple[list[str] | None, list[dict] | bool]:
    document = json.loads(text)
    if "boolean" in document:
        return None, bool(document["boolean"])
    rows = []
    for binding in document["results"]["bindings"]:
        row = {}
        for name, term in binding.items():
            if term["type"] == "uri":
                row[name] = ("uri", term["value"])
            elif term["type"] == "bnode":
                row[name] = ("bnode", term["value"])
            else:  # "literal", or "typed-literal" in the first drafts of the format
                row[name] = _literal(term["value"], term.get("datatype"), term.get("xml:lang"))
        rows.append(row)
    return document["head"].get("vars", []), rows


def read_expected(path: Path):
    text = path.read_text(encoding="utf-8")
    return read_srx(text) if path.suffix == ".srx" else read_srj(text)


XSD = "http://www.w3.org/2001/XMLSchema#"
#: the numeric datatypes, whose values :func:`by_value` compares
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}


def by_value(term: tuple) -> tuple:
    """*term* with a number in its value's form (``"2.0E3"^^xsd:double`` as 2000): the answer
    then compares equal whatever lexical form the engine writes a number in."""
    if term[0] == "literal" and term[2] in NUMERIC:
        from decimal import Decimal, InvalidOperation

        try:
            value = Decimal(term[1].strip())
        except InvalidOperation:
            return term
        return ("number", term[2], value.normalize() if value.is_finite() else value)
    return term


def _match(expected: list[dict], actual: list[dict], ordered: bool) -> bool:
    """Whether the rows are equal (as multisets, or as lists when *ordered*) for some one-to-one
    renaming of the blank nodes."""
    if len(expected) != len(actual):
        return False

    def shape(row: dict) -> tuple:  # a row with its blank nodes' labels left out
        return tuple(sorted((k, v if v[0] != "bnode" else ("bnode",)) for k, v in row.items()))

    if not ordered and sorted(map(shape, expected)) != sorted(map(shape, actual)):
        return False

    def extend(mapping: dict, a: dict, b: dict) -> dict | None:
        if a.keys() != b.keys():
            return None
        mapping = dict(mapping)
        used = set(mapping.values())
        for key, term in a.items():
            other = b[key]
            if term[0] == "bnode" and other[0] == "bnode":
                if term[1] in mapping:
                    if mapping[term[1]] != other[1]:
                        return None
                elif other[1] in used:
                    return None
                else:
                    mapping[term[1]] = other[1]
                    used.add(other[1])
            elif term != other:
                return None
        return mapping

    def search(i: int, left: list[int], mapping: dict) -> bool:
        if i == len(expected):
            return True
        for j in ([i] if ordered else left):
            extended = extend(mapping, expected[i], actual[j])
            if extended is not None and search(i + 1, [k for k in left if k != j], extended):
                return True
        return False

    return search(0, list(range(len(actual))), {})


def same_answer(expected, actual, ordered: bool, numbers_by_value: bool = False) -> bool:
    """Whether two answers (variables, rows or a boolean) are the same: RDF terms equal (language
    tags without case), or, with *numbers_by_value*, numbers of one datatype equal in value."""
    (exp_vars, exp_rows), (act_vars, act_rows) = expected, actual
    if isinstance(exp_rows, bool) or isinstance(act_rows, bool):
        return exp_rows is act_rows
    if numbers_by_value:
        exp_rows, act_rows = ([{k: by_value(v) for k, v in row.items()} for row in rows]
                              for rows in (exp_rows, act_rows))
    return set(exp_vars) == set(act_vars) and _match(exp_rows, act_rows, ordered)


def is_ordered(query: Path) -> bool:
    """Whether the query's outermost solutions are ordered (an ORDER BY outside any subquery)."""
    text = re.sub(r"#[^\n]*", "", query.read_text(encoding="utf-8"))
    text = re.sub(r'"[^"\n]*"|\'[^\'\n]*\'|<[^<>\s]*>', '""', text)
    # the last ORDER BY at the outermost level of braces
    depth, outer = 0, []
    for char in text:
        depth += char == "{"
        depth -= char == "}"
        outer.append(char if depth == 0 else " ")
    return re.search(r"\bORDER\s+BY\b", "".join(outer), re.I) is not None


# --------------------------------------------------------------------------- #
# Running exitkg query
# --------------------------------------------------------------------------- #

def command(case: Case, empty: Path) -> list[str]:
    """The command line of a test: its data alone (an empty file when it has none; some of the
    suite's data files are empty too), read with the IRI the suite gives the data as the base."""
    data = [str(p) for p in case.data] or [str(empty)]
    return ["query", str(case.query), "--only", *data, "--without-ontology", "--allow-empty",
            "--base", case.base, "--format", "json"]


def run_in_process(args: list[str]) -> tuple[int, str, str]:
    from exitkg.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def empty(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("w3c") / "empty.ttl"
    path.write_text("", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- #
# The tests
# --------------------------------------------------------------------------- #

#: the tests that run: all but the refused and those with named graphs
RUN = [case for case in CASES if case.id not in REFUSED and case.id not in NAMED_GRAPHS]
EXACT = [case for case in RUN if case.id not in NUMBER_FORMS and case.id not in DIFFERS]


def _params(cases: list[Case]) -> list:
    return [pytest.param(case, id=case.id) for case in cases]


def _named(ids) -> list[Case]:
    by_id = {case.id: case for case in CASES}
    return [by_id[test] for test in ids]


def answer(case: Case, empty: Path):
    """The answer ``exitkg query`` gives (a subprocess for every IN_SUBPROCESS_EVERY-th test)."""
    args = command(case, empty)
    code, out, err = run_exitkg(*args) if RUN.index(case) % IN_SUBPROCESS_EVERY == 0 else run_in_process(args)
    assert code == errors.OK, err
    assert "Traceback" not in err
    return read_srj(out)


@pytest.mark.parametrize("case", _params(EXACT))
def test_gives_the_expected_answer(case, empty):
    assert same_answer(read_expected(case.result), answer(case, empty), is_ordered(case.query))


@pytest.mark.parametrize("case", _params(_named(NUMBER_FORMS)))
def test_gives_the_expected_numbers_in_another_lexical_form(case, empty):
    expected, actual, ordered = read_expected(case.result), answer(case, empty), is_ordered(case.query)
    assert not same_answer(expected, actual, ordered), "gives the expected terms now: remove it from NUMBER_FORMS"
    assert same_answer(expected, actual, ordered, numbers_by_value=True)


@pytest.mark.parametrize("case", _params(_named(DIFFERS)))
def test_differs_as_documented(case, empty):
    expected, actual, ordered = read_expected(case.result), answer(case, empty), is_ordered(case.query)
    assert not same_answer(expected, actual, ordered, numbers_by_value=True), \
        "gives the expected answer now: remove it from DIFFERS"


@pytest.mark.parametrize("case", _params(_named(REFUSED)))
def test_a_refused_test_stops_with_one_line(case, empty):
    code, out, err = run_exitkg(*command(case, empty))
    exit_code, says, _ = REFUSED[case.id]
    assert code == exit_code, err
    assert out == ""
    # notes about the inputs (an empty data file) may come first; then one error line, no traceback
    assert_one_error_line("\n".join(line for line in err.splitlines() if not line.startswith("exitkg: note: ")),
                          says)
    assert "Traceback" not in err


def test_the_lists_name_tests_of_the_suite_once_each():
    ids = [case.id for case in CASES]
    listed = [*REFUSED, *NAMED_GRAPHS, *NUMBER_FORMS, *DIFFERS]
    assert len(set(ids)) == len(ids)
    assert sorted(set(listed)) == sorted(listed), "a test stands in two lists"
    assert set(listed) <= set(ids)
    assert all(case.result.suffix in (".srx", ".srj") for case in RUN)


def test_named_graphs_are_the_tests_with_named_graph_data():
    with_graphs = {case.id for case in CASES if case.graph_data}
    assert set(NAMED_GRAPHS) <= with_graphs
    assert with_graphs <= set(NAMED_GRAPHS) | set(REFUSED), "a test with qt:graphData would run without its graphs"


def test_the_command_gives_the_same_answer_in_process_and_as_a_process(empty):
    case = EXACT[1]
    assert run_in_process(command(case, empty)) == tuple(run_exitkg(*command(case, empty)))


def test_the_readme_states_the_counts():
    """The query section of docs/queries.md gives the counts the manifests and these lists make."""
    readme = (REPO_ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    section = readme[readme.index("## `exitkg query "):]
    section = section[:section.index("\n## ")]
    counts = {r"of the (\d+) W3C SPARQL 1\.1 query evaluation tests": len(CASES),
              r"(\d+) give the expected answer": len(EXACT),
              r"(\d+) more the expected numbers in another lexical form": len(NUMBER_FORMS),
              r"(\d+) give another answer": len(DIFFERS),
              r"(\d+) are refused": len(REFUSED),
              r"(\d+) have named graphs": len(NAMED_GRAPHS)}
    for pattern, count in counts.items():
        match = re.search(pattern, " ".join(section.split()))
        assert match, f"the README's query section does not say {pattern!r}"
        assert int(match.group(1)) == count, pattern


# --------------------------------------------------------------------------- #
# The comparison itself can fail
# --------------------------------------------------------------------------- #

ONE = ("literal", "1", "http://www.w3.org/2001/XMLSchema#integer", None)
TWO = ("literal", "2", "http://www.w3.org/2001/XMLSchema#integer", None)


def test_the_comparison_tells_answers_apart():
    rows = [{"x": ONE, "b": ("bnode", "a")}, {"x": TWO, "b": ("bnode", "b")}]
    renamed = [{"x": TWO, "b": ("bnode", "q")}, {"x": ONE, "b": ("bnode", "p")}]
    assert same_answer((["x", "b"], rows), (["b", "x"], renamed), ordered=False)
    assert not same_answer((["x", "b"], rows), (["x", "b"], renamed), ordered=True)
    merged = [{"x": ONE, "b": ("bnode", "p")}, {"x": TWO, "b": ("bnode", "p")}]  # two blank nodes as one
    assert not same_answer((["x", "b"], rows), (["x", "b"], merged), ordered=False)
    assert not same_answer((["x"], [{"x": ONE}]), (["x"], [{"x": ONE}, {"x": ONE}]), ordered=False)  # a multiset
    assert not same_answer((["x"], [{"x": ONE}]), (["x"], [{"x": TWO}]), ordered=False)
    assert not same_answer((["x"], [{"x": ONE}]), (["y"], [{"y": ONE}]), ordered=False)
    assert not same_answer((None, True), (None, False), ordered=False)
    written = ("literal", "1.0E0", "http://www.w3.org/2001/XMLSchema#double", None)
    canonical = ("literal", "1", "http://www.w3.org/2001/XMLSchema#double", None)
    assert not same_answer((["x"], [{"x": written}]), (["x"], [{"x": canonical}]), ordered=False)
    assert same_answer((["x"], [{"x": written}]), (["x"], [{"x": canonical}]), ordered=False, numbers_by_value=True)
    assert not same_answer((["x"], [{"x": written}]), (["x"], [{"x": ONE}]), ordered=False, numbers_by_value=True)


def test_order_counts_only_for_an_outer_order_by(tmp_path):
    query = tmp_path / "q.rq"
    query.write_text("SELECT * { ?s ?p ?o } ORDER BY ?s", encoding="utf-8")
    assert is_ordered(query)
    query.write_text("SELECT * { { SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 1 } } # ORDER BY", encoding="utf-8")
    assert not is_ordered(query)
