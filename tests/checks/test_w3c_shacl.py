"""The W3C SHACL test suite (Core and SHACL-SPARQL), vendored in tests/w3c/shacl (ORIGIN.md says
from where, at which commit, under which licence).

Each test runs through :func:`exitkg.checks.validate.validate`, its files read with the base IRI the suite
publishes them under (``http://datashapes.org/sh/tests/...``), and its report is compared with
the manifest's expected one as the suite's own comparison does: ``sh:conforms``, and the set of
results by focus node, path, severity, source shape, source constraint, source constraint
component and value, blank nodes compared by what they hold (a path by its SPARQL syntax, any
other blank node as a blank node), ``sh:resultMessage`` ignored; results nested under a result
(``sh:detail``) are compared under it where the expected report gives them, and are never counted
as results of the report. A test expecting a failure (``sht:Failure``) passes when validation
refuses the shapes (:class:`InputError`, exit 2).

The tests exitkg refuses are listed in tests/w3c/shacl/REFUSED.md, the one table docs/validation.md
mirrors: each must be refused, through the CLI with exit 2 and one line. Every other test must
agree with the manifest.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace
from rdflib.collection import Collection

from conftest import REPO_ROOT, assert_one_error_line, run_exitkg
from exitkg.core.errors import InputError
from exitkg.graph.local import load
from exitkg.checks.validate import SH, render_path, validate

pytestmark = pytest.mark.slow  # the whole W3C suite

SUITE = REPO_ROOT / "tests" / "w3c" / "shacl"
#: the IRI the suite's files are published under; the file ``x.ttl`` is the document ``x.test``
ROOT = "http://datashapes.org/sh/tests/"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
README = REPO_ROOT / "docs" / "validation.md"


def _iri(path: Path) -> str:
    relative = path.relative_to(SUITE).as_posix()
    return ROOT + (relative[:-4] + ".test" if relative.endswith(".ttl") else relative)


def _path(iri: str) -> Path:
    assert iri.startswith(ROOT), iri
    relative = iri[len(ROOT):]
    return SUITE / (relative[:-5] + ".ttl" if relative.endswith(".test") else relative)


@cache
def _graph(path: Path) -> Graph:
    """The file's triples, literals as written (rdflib would rewrite "2011-01-01"^^xsd:dateTime)."""
    import rdflib

    graph = Graph()
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        graph.parse(path, format="turtle", publicID=_iri(path))
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    return graph


def _entries(path: Path) -> list[tuple]:
    graph = _graph(path)
    found = []
    for manifest in graph.subjects(RDF.type, MF.Manifest):
        for head in graph.objects(manifest, MF.entries):
            for entry in Collection(graph, head):
                assert (entry, RDF.type, SHT.Validate) in graph, entry
                action = graph.value(entry, MF.action)
                data = _path(str(graph.value(action, SHT.dataGraph)))
                shapes = _path(str(graph.value(action, SHT.shapesGraph)))
                found.append((str(entry)[len(ROOT):], data, shapes, graph, graph.value(entry, MF.result)))
    return found


def _tests() -> list[tuple]:
    """Every test: those of the manifests (from manifest.ttl, through mf:include), then those of the
    suite's files that no manifest includes (sparql/component/nodeValidator-001): (id, data file,
    shapes file, the test's graph, its expected result)."""
    found, included = [], set()
    pending = [SUITE / "manifest.ttl"]
    while pending:
        path = pending.pop(0)
        included.add(path)
        graph = _graph(path)
        for manifest in graph.subjects(RDF.type, MF.Manifest):
            pending.extend(_path(str(i)) for i in graph.objects(manifest, MF.include))
        found.extend(_entries(path))
    for path in sorted(SUITE.rglob("*.ttl")):
        if path not in included:
            found.extend(_entries(path))
    return sorted(found, key=lambda t: t[0])


TESTS = _tests()


def _refused() -> dict[str, str]:
    """tests/w3c/shacl/REFUSED.md's table: test id -> why exitkg refuses it."""
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \|$", (SUITE / "REFUSED.md").read_text(encoding="utf-8"), re.M)
    return dict(rows)


REFUSED = _refused()


# --------------------------------------------------------------------------- #
# Comparison
# --------------------------------------------------------------------------- #

_FIELDS = (SH.focusNode, SH.resultPath, SH.resultSeverity, SH.sourceShape, SH.sourceConstraint,
           SH.sourceConstraintComponent, SH.value)


def _term(graph: Graph, node, predicate) -> object:
    """A blank-node-free form of a result's field: IRIs and literals as they are, a path in SPARQL
    syntax, any other blank node as ``_``."""
    if node is None:
        return None
    if predicate == SH.resultPath:
        return render_path(graph, node)
    return "_" if isinstance(node, BNode) else node


def _result(graph: Graph, node, with_details: bool) -> tuple:
    fields = tuple(_term(graph, graph.value(node, p), p) for p in _FIELDS)
    if not with_details:
        return fields
    return fields + (tuple(sorted((_result(graph, d, True) for d in graph.objects(node, SH.detail)), key=str)),)


def _report(graph: Graph, report, with_details: bool) -> tuple[bool, list]:
    conforms = graph.value(report, SH.conforms)
    assert isinstance(conforms, Literal), "the report has no sh:conforms"
    return conforms.toPython(), sorted((_result(graph, r, with_details) for r in graph.objects(report, SH.result)),
                                       key=str)


def _outcome(data: Path, shapes: Path, with_details: bool = False) -> tuple[bool, list] | str:
    """What exitkg's validate makes of a test: its report in the compared form, or the refusal."""
    try:
        result = validate(load(only=[data], ontology=False, base=_iri(data)), shapes=[shapes], base=_iri(shapes))
    except InputError as exc:
        return f"refused: {exc.message}"
    report = result.report_graph
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    conforms, results = _report(report + _graph(shapes), node, with_details)
    # the results exitkg lists are the report's own (not those nested under them), and its verdict
    # fails for a violation or a severity of the shapes' own, not for warnings and infos
    assert len(result.results) == len(results), "exitkg lists other results than its report's"
    assert conforms == (not result.results)
    severities = {report.value(r, SH.resultSeverity) for r in report.objects(node, SH.result)}
    assert result.exit_code == (0 if severities <= {SH.Warning, SH.Info} else 1)
    return conforms, results


def _expects_failure(graph: Graph, expected) -> bool:
    return expected == SHT.Failure or (expected, RDF.type, SHT.Failure) in graph


@pytest.mark.parametrize("name, data, shapes, graph, expected", TESTS, ids=[t[0] for t in TESTS])
def test_w3c_shacl(name, data, shapes, graph, expected):
    with_details = (None, SH.detail, None) in graph
    outcome = _outcome(data, shapes, with_details)
    if name in REFUSED or _expects_failure(graph, expected):
        assert isinstance(outcome, str), f"{name} should be refused, but validation ran"
        return
    assert not isinstance(outcome, str), outcome
    assert outcome == _report(graph, expected, with_details)


def test_the_suite_is_whole():
    """Every test file of the vendored suite is run, the tests sharing a file being counted apart,
    and every test REFUSED.md names is one of them."""
    assert len(TESTS) == len({t[0] for t in TESTS})
    test_files = {p for p in SUITE.rglob("*.ttl") if _entries(p)}
    assert {_path(ROOT + t[0] + ".test") for t in TESTS} == test_files
    assert set(REFUSED) <= {t[0] for t in TESTS}
    assert (SUITE / "ORIGIN.md").is_file() and (SUITE / "LICENSE.md").is_file()


def _cli_cases() -> list[tuple]:
    """Through the CLI: each refused test, each test the suite expects to fail, and a conforming,
    a violating, a warnings-only and a custom-severity test (single-file tests: one --base)."""
    by_name = {t[0]: t for t in TESTS}
    chosen = sorted(set(REFUSED) | {t[0] for t in TESTS if _expects_failure(t[3], t[4])})
    chosen += ["core/misc/severity-001", "core/misc/severity-002", "core/node/class-001", "sparql/node/sparql-001"]
    return [by_name[name] for name in chosen]


@pytest.mark.parametrize("name, data, shapes, graph, expected", _cli_cases(), ids=[t[0] for t in _cli_cases()])
def test_w3c_shacl_through_the_cli(name, data, shapes, graph, expected):
    """A refusal is one line and exit 2, never a crash; otherwise the exit status is the verdict:
    1 for a violation or a severity of the shapes' own, 0 when every result is a warning or an info."""
    assert data == shapes
    code, out, err = run_exitkg("validate", "--only", data, "--shapes", shapes, "--base", _iri(data),
                                "--format", "turtle")
    if name in REFUSED or _expects_failure(graph, expected):
        assert (code, out) == (2, ""), err
        assert_one_error_line(err)
        return
    assert "Traceback" not in err
    report = Graph().parse(data=out, format="turtle")
    (node,) = report.subjects(RDF.type, SH.ValidationReport)
    severities = {report.value(r, SH.resultSeverity) for r in report.objects(node, SH.result)}
    assert severities, f"{name} was chosen for its results"
    assert code == (0 if severities <= {SH.Warning, SH.Info} else 1)
    assert report.value(node, SH.conforms) == Literal(False)  # SHACL 3.6.1: a result, so not conforming
    own = sum(1 for r in report.objects(node, SH.result)
              if report.value(r, SH.resultSeverity) not in (SH.Violation, SH.Warning, SH.Info))
    if own:  # the text report counts them too
        code, out, err = run_exitkg("validate", "--only", data, "--shapes", shapes, "--base", _iri(data))
        assert code == 1 and f"{own} of a severity of the shapes' own" in out.splitlines()[0]


def test_shapes_read_with_the_base_given():
    """--base is the base of the --shapes files too: a test whose shapes use relative IRIs reads
    with it, and without a base the relative IRI is an error, not another IRI."""
    path = SUITE / "sparql" / "node" / "prefixes-001.ttl"
    code, out, err = run_exitkg("validate", "--only", path, "--shapes", path, "--base", _iri(path))
    assert code == 1 and "Traceback" not in err, err
    code, out, err = run_exitkg("validate", "--only", path, "--shapes", path)
    assert (code, out) == (2, "")
    assert_one_error_line(err, "relative IRI")


def _readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("W3C SHACL test suite")
    return text[start:text.index("\n## ", start)]


def test_readme_gives_the_pass_count_and_the_refusal_table():
    """docs/validation.md's count and refusal table are REFUSED.md's and the suite's."""
    section = _readme_section()
    passing = len(TESTS) - len(REFUSED)
    assert f"{passing} of its {len(TESTS)} tests pass" in section
    rows = dict(re.findall(r"^\| `([^`]+)` \| (.+?) \|$", section, re.M))
    assert rows == REFUSED
