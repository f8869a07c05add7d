"""SHACL validation with small self-contained shapes."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph

from conftest import IO_FIXTURES, REPO_ROOT, VALIDATE_FIXTURES, run_exitkg, run_in_process
from exitkg.core.errors import InputError
from exitkg.graph.local import load
from exitkg.checks.validate import render_json, render_text, render_turtle, validate

SHAPES = [VALIDATE_FIXTURES / "tiny-shapes.ttl"]
ONTOLOGY = [VALIDATE_FIXTURES / "tiny-ontology.ttl"]
EKGID = "https://w3id.org/exitkg/id/"


def _validate(name: str, ontology: list = ONTOLOGY):
    return validate(load(only=[*ontology, VALIDATE_FIXTURES / name], ontology=False), shapes=SHAPES)


@pytest.fixture(scope="module")
def bad_result():
    return _validate("bad.ttl")


def test_good_data_conforms():
    result = _validate("good.ttl")
    assert result.conforms
    assert result.results == []
    assert result.exit_code == 0
    assert render_text(result).startswith("SHACL validation: conforms (0 violations")


def test_violations_are_reported(bad_result):
    assert not bad_result.conforms
    assert bad_result.exit_code == 1
    assert bad_result.violations == 4
    assert bad_result.warnings == 1
    focus = {r.focus for r in bad_result.results if r.severity == "Violation"}
    assert focus == {EKGID + "excerpt-2", EKGID + "excerpt-3", EKGID + "excerpt-4"}


def test_subclass_targets_need_the_ontology():
    result = _validate("bad.ttl", [])
    assert EKGID + "excerpt-4" not in {r.focus for r in result.results}


def test_warnings_alone_conform():
    result = _validate("warning-only.ttl", [])
    assert result.conforms
    assert result.warnings == 1
    assert result.exit_code == 0


def test_result_records(bad_result):
    by_component = {r.component.rsplit("#", 1)[1]: r for r in bad_result.results}
    datatype = by_component["DatatypeConstraintComponent"]
    assert datatype.value == '"42"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert datatype.path == "https://w3id.org/exitkg/ontology#quote"
    # anonymous property shape -> its named node shape
    assert datatype.shape == "https://w3id.org/exitkg/shapes#ExcerptShape"
    assert datatype.message == "an excerpt needs exactly one quote string"
    sparql = by_component["SPARQLConstraintComponent"]
    assert sparql.message == "a quote must not be blank"
    warning = by_component["MaxCountConstraintComponent"]
    assert warning.severity == "Warning"
    assert warning.shape == "https://w3id.org/exitkg/shapes#PageShape"
    assert warning.path == "<https://w3id.org/exitkg/ontology#source>/^<https://w3id.org/exitkg/ontology#cites>"
    # sh:maxCount is reported without sh:value; the values it counted are listed (scenario 23)
    assert warning.value is None
    assert warning.values == ("https://w3id.org/exitkg/id/c1", "https://w3id.org/exitkg/id/c2")


def test_render_text(bad_result):
    lines = render_text(bad_result).splitlines()
    assert lines[0] == "SHACL validation: does not conform (4 violations, 1 warning, 0 infos; 4 focus nodes)"
    assert len(lines) == 6
    assert ("Violation  ekgid:excerpt-3  path=ekg:quote  value=\"42\"^^xsd:integer  "
            "shape=ekgsh:ExcerptShape: an excerpt needs exactly one quote string") in lines
    assert ("Warning  ekgid:excerpt-5  path=ekg:source/^ekg:cites  value=ekgid:c1, ekgid:c2  "
            "shape=ekgsh:PageShape: more than one source") in lines
    focus_order = [line.split()[1] for line in lines[1:]]
    assert focus_order == sorted(focus_order)


def test_render_json_is_stable(bad_result):
    text = render_json(bad_result)
    document = json.loads(text)
    assert document["conforms"] is False
    assert document["violations"] == 4
    assert document["warnings"] == 1
    assert len(document["results"]) == 5
    again = _validate("bad.ttl")
    assert render_json(again) == text


def test_render_turtle(bad_result):
    g = Graph().parse(data=render_turtle(bad_result), format="turtle")
    assert len(g) > 0


def test_bad_input_raises():
    with pytest.raises(InputError):
        validate(load(only=[IO_FIXTURES / "empty.ttl"], ontology=False), shapes=SHAPES)
    with pytest.raises(InputError):
        validate(load(only=[], ontology=False), shapes=SHAPES)
    with pytest.raises(InputError):
        validate(load(), shapes=[IO_FIXTURES / "bad_syntax.ttl"])


@pytest.mark.slow
def test_progress_on_a_terminal_and_the_sparql_cache_is_removed_afterwards():
    """``exitkg validate`` says what it is doing on a terminal, nothing in a pipe; the parsed-query
    cache it installs in rdflib while pySHACL runs is gone when validation ends."""
    from rdflib.plugins.sparql.processor import SPARQLProcessor

    from conftest import run_on_terminal
    from exitkg.checks.validate import validate

    code, out, seen = run_on_terminal("validate")
    assert code == 0 and "conforms" in out
    assert b"validating: running SHACL" in seen
    result = run_exitkg("validate")
    assert result.code == 0 and result.stderr == ""
    before = SPARQLProcessor.query
    validate()
    assert SPARQLProcessor.query is before


def test_shapes_with_a_federated_query_are_refused(tmp_path):
    """pySHACL returns a ValidationFailure (it does not raise) for a SPARQL constraint with SERVICE."""
    import exitkg
    from exitkg.checks import validate as shacl

    shapes = tmp_path / "service.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ a sh:SPARQLConstraint ;\n"
        '  sh:select "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/> { $this ?p ?o } }" ] .\n', encoding="utf-8")
    with pytest.raises(exitkg.core.errors.InputError, match="federated query"):
        shacl.validate(shapes=[shapes])


CYCLE = """@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:A rdfs:subClassOf ex:B . ex:B rdfs:subClassOf ex:C . ex:C rdfs:subClassOf ex:A .
"""


def test_a_cycle_of_subclasses_is_a_warning_and_fails_only_under_strict(tmp_path):
    """Scenario 25: validation ends, warns about the cycle (each class of it, the same every run),
    exits 0; ``--strict`` makes a warning exit 1. The OWL 2 RL classification ends on it too."""
    data = tmp_path / "cycle.ttl"
    data.write_text(CYCLE, encoding="utf-8")
    code, out, err = run_in_process("validate", "--data", data, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    cycle = [r for r in document["results"] if r["shape"] == "https://w3id.org/exitkg/shapes#Hierarchy-subClassCycle"]
    assert sorted(r["focus"] for r in cycle) == [f"http://example.org/{c}" for c in "ABC"]
    assert {r["severity"] for r in cycle} == {"Warning"} and document["conforms"] is True
    assert run_in_process("validate", "--data", data, "--format", "json")[1] == out
    code, _, err = run_in_process("validate", "--data", data, "--strict")
    assert code == 1, err
    code, out, err = run_in_process("reason", "--engine", "rl", "--data", data)
    assert code == 0, err


def test_shapes_that_select_nothing_are_named_and_fail_under_strict(tmp_path):
    """Scenarios 8 and 24: validating a graph the shapes do not reach says so (focus nodes, the
    shapes that select no node); plain validation conforms, ``--strict`` exits 1."""
    data = tmp_path / "other.ttl"
    data.write_text("<http://example.org/a> <http://example.org/p> 1 .\n", encoding="utf-8")
    code, out, err = run_in_process("validate", "--only", data, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    from rdflib.namespace import SH

    from exitkg.checks.validate import shapes_graph

    shapes = shapes_graph()
    targeted = {str(s) for t in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
                for s in shapes.subjects(t, None)}
    # only the ontology's subclasses are selected (by the hierarchy lint)
    assert document["idle_shapes"] == sorted(targeted - {"https://w3id.org/exitkg/shapes#Hierarchy"})
    code, out, err = run_in_process("validate", "--only", data, "--strict")
    assert code == 1, err
    assert f"; {document['focus_nodes']} focus nodes)" in out.splitlines()[0]
    assert out.splitlines()[-1].startswith("Note  ") and "ekgsh:Study" in out.splitlines()[-1]
    # the packaged graph: every shape selects something but those for what no source states yet, a
    # study's appraisal and a factor's tie to a stage of change (the review leaves that to future research)
    code, out, err = run_in_process("validate", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["idle_shapes"] == ["https://w3id.org/exitkg/shapes#Appraisal",
                                              "https://w3id.org/exitkg/shapes#StageTie"]
    code, out, err = run_in_process("validate", "--strict")
    assert code == 1 and out.splitlines()[-1].startswith("Note  ") and "ekgsh:StageTie" in out.splitlines()[-1], out


def test_a_recursive_shape_over_cyclic_data_is_a_note_and_deterministic(tmp_path):
    """Scenario 26: a shape that refers to itself through sh:node, on data that runs in a cycle:
    the same result every time, and a note naming the shape (which --strict counts)."""
    from exitkg.graph.local import load
    from exitkg.checks.validate import render_json

    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
                      "ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;\n"
                      "  sh:property [ sh:path ex:knows ; sh:node ex:PersonShape ; sh:minCount 1 ] .\n",
                      encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text("@prefix ex: <http://example.org/> .\n"
                    "ex:a a ex:Person ; ex:knows ex:b . ex:b a ex:Person ; ex:knows ex:a .\n", encoding="utf-8")
    graph = load(only=[data], ontology=False)
    first = validate(graph, shapes=[shapes])
    assert first.conforms and first.exit_code == 0 and first.strict_exit_code == 1
    assert len(first.notes) == 1 and first.notes[0].startswith("recursive shape http://example.org/PersonShape:")
    assert render_json(validate(graph, shapes=[shapes])) == render_json(first)


@pytest.mark.parametrize("extra", [
    'ex:S sh:rule [ a sh:SPARQLRule ; sh:construct "CONSTRUCT { $this ex:p [] } WHERE { }" ] .',
    'ex:S sh:js [ a sh:JSConstraint ; sh:jsFunctionName "check" ; sh:jsLibrary ex:lib ] .',
])
def test_shapes_with_rules_or_javascript_are_refused(tmp_path, extra):
    """Scenario 27: a rule (which would add statements, blank nodes among them) or SHACL-JS (code)
    in the shapes is refused before validation, with one line."""
    from exitkg.checks import validate as shacl

    shapes = tmp_path / "rules.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
                      "ex:S a sh:NodeShape ; sh:targetNode ex:a .\n" + extra + "\n", encoding="utf-8")
    flag = "`allow_rules`" if "sh:rule" in extra else "`allow_js`"  # the library names its options, not flags
    with pytest.raises(InputError, match=f"exitkg (runs|applies) only with {flag}$"):
        shacl.validate(shapes=[shapes])
    # each opt-in lets only its own kind through
    with pytest.raises(InputError, match=f"only with {flag}$"):
        shacl.validate(shapes=[shapes], **({"allow_js": True} if "sh:rule" in extra else {"allow_rules": True}))


_JS_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:ShortLabel a sh:NodeShape ; sh:targetSubjectsOf ex:label ;
  sh:js [ a sh:JSConstraint ; sh:message "label too long" ;
          sh:jsLibrary [ sh:jsLibraryURL "LIBRARY" ] ; sh:jsFunctionName "shortLabel" ] .
"""
_JS_LIBRARY = """function shortLabel($this) {
  var found = $data.find($this, TermFactory.namedNode("http://example.org/label"), null);
  for (var t = found.next(); t; t = found.next()) { if (t.object.lex.length > 10) { return false; } }
  return true;
}
function forever($this) { while (true) {} }
"""


def _js_case(tmp_path, library="js/short.js", function="shortLabel"):
    folder = tmp_path / "shapes"
    (folder / "js").mkdir(parents=True)
    (folder / "js" / "short.js").write_text(_JS_LIBRARY, encoding="utf-8")
    shapes = folder / "js-shapes.ttl"
    shapes.write_text(_JS_SHAPES.replace("LIBRARY", library).replace("shortLabel", function), encoding="utf-8")
    data = tmp_path / "labels.ttl"
    data.write_text('@prefix ex: <http://example.org/> .\nex:a ex:label "short" .\n'
                    'ex:b ex:label "a label far too long" .\n', encoding="utf-8")
    return shapes, data


def test_javascript_runs_only_when_allowed_with_local_libraries(tmp_path):
    """Scenario 27, the opt-in for SHACL-JS: --allow-js runs the shapes' code, its library read
    from beside the shapes file whatever the working folder, and finds what pySHACL alone finds;
    without the flag, the shapes are refused."""
    import pyshacl
    from rdflib import Graph

    from conftest import run_in_process

    from exitkg.checks import validate as shacl
    from exitkg.graph.local import load

    shapes, data = _js_case(tmp_path)
    result = shacl.validate(load(only=[data], ontology=False), shapes=[shapes], allow_js=True)
    assert [(r.focus, r.message, r.severity) for r in result.results] == [
        ("http://example.org/b", "label too long", "Violation")]
    alone = Graph().parse(data)
    resolved = Graph().parse(shapes)
    for library, url in list(resolved.subject_objects(shacl.SH.jsLibraryURL)):
        resolved.set((library, shacl.SH.jsLibraryURL, type(url)(str(shapes.parent / str(url)))))
    conforms, report, _ = pyshacl.validate(alone, shacl_graph=resolved, js=True, advanced=True)
    assert not conforms and {str(f) for f in report.objects(None, shacl.SH.focusNode)} == {"http://example.org/b"}
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--allow-js", "--format", "json")
    assert code == 1 and json.loads(out)["violations"] == 1, err
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes)
    assert (code, out) == (2, "") and "--allow-js" in err


@pytest.mark.parametrize("library, expected", [
    ("missing.js", "is not a file"),
    ("http://127.0.0.1:PORT/short.js", "is not a local file, and exitkg fetches nothing"),
    ("https://example.org/short.js", "is not a local file, and exitkg fetches nothing"),
])
def test_a_javascript_library_must_be_a_local_file(tmp_path, library, expected):
    """A SHACL-JS library on the web is refused, not fetched (a listening loopback address named
    as the library gets no connection); a missing one is named. One line, exit 2."""
    import socket

    from conftest import assert_one_error_line, run_in_process

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        shapes, data = _js_case(tmp_path, library.replace("PORT", str(listener.getsockname()[1])))
        code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--allow-js")
        with pytest.raises(socket.timeout):
            listener.accept()
    assert (code, out) == (2, "")
    assert_one_error_line(err, expected)


@pytest.mark.slow
def test_javascript_that_never_returns_is_stopped_at_the_deadline(tmp_path):
    """SHACL-JS code runs in a JavaScript engine Python cannot interrupt: a function that loops
    for ever is stopped after --js-timeout with one line and exit 7, and its process is gone."""
    import time

    from conftest import assert_one_error_line, run_in_process

    shapes, data = _js_case(tmp_path, function="forever")
    started = time.monotonic()
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--allow-js", "--js-timeout", "2")
    assert (code, out) == (7, "")
    assert_one_error_line(err, "ran past 2 s; stopped (raise --js-timeout)")
    assert time.monotonic() - started < 60
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--js-timeout", "2")
    assert (code, out) == (3, "")
    assert_one_error_line(err, "--js-timeout goes with --allow-js")


def test_killing_validate_ends_its_javascript_process(tmp_path):
    """SIGKILL of ``exitkg validate --allow-js`` (no chance to clean up) while its JavaScript loops
    leaves no process behind: the child running the code ends with it."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from conftest import REPO_ROOT, descendants

    def alive(pid: int) -> bool:  # a zombie, dead but not yet collected, does not count
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    shapes, data = _js_case(tmp_path, function="forever")
    proc = subprocess.Popen([sys.executable, "-m", "exitkg", "validate", "--only", str(data), "--shapes", str(shapes),
                             "--allow-js", "--js-timeout", "300"], cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not descendants(proc.pid):
            time.sleep(0.1)
        below = descendants(proc.pid)
        assert below, "the JavaScript process did not start"
        time.sleep(0.5)  # the child is in the loop
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(pid) for pid in below):
            time.sleep(0.1)
        assert [below[pid] for pid in below if alive(pid)] == []
    finally:
        if proc.poll() is None:
            proc.kill()


def test_shapes_named_by_a_url_are_refused_not_fetched():
    from conftest import assert_one_error_line, run_in_process

    code, out, err = run_in_process("validate", "--shapes", "https://example.org/shapes.ttl")
    assert (code, out) == (2, "")
    assert_one_error_line(err, "a URL; exitkg reads shapes from files and fetches nothing")


def test_javascript_without_its_engine_is_a_clear_error(tmp_path, monkeypatch):
    """Without the JavaScript engine (the ``js`` extra), --allow-js names what to install."""
    import sys

    from exitkg.core import errors

    from exitkg.checks import validate as shacl
    from exitkg.graph.local import load

    shapes, data = _js_case(tmp_path)
    monkeypatch.setitem(sys.modules, "pyduktape2", None)
    with pytest.raises(errors.UsageError, match=r"pip install 'exitkg\[js\]'"):
        shacl.validate(load(only=[data], ontology=False), shapes=[shapes], allow_js=True)


_RULE_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix ex: <http://example.org/> .
ex:Mark a sh:NodeShape ; sh:targetClass ekg:Factor ;
  sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate ex:checked ; sh:object ex:yes ] .
ex:Checked a sh:NodeShape ; sh:targetClass ekg:Factor ;
  sh:property [ sh:path ex:checked ; sh:minCount 1 ; sh:hasValue ex:yes ] .
"""


def test_rules_run_only_when_allowed_on_a_copy_of_the_data(tmp_path):
    """Scenario 27, the opt-in: --allow-rules applies the shapes' rules before validating, so a
    constraint sees what they add (every factor marked); without the rule nothing is marked and
    every factor violates; the loaded graph is not changed."""
    from conftest import run_in_process

    from exitkg.checks import validate as shacl
    from exitkg.graph.local import load

    shapes = tmp_path / "rules.ttl"
    shapes.write_text(_RULE_SHAPES, encoding="utf-8")
    graph = load()
    before = len(graph)
    with pytest.raises(InputError, match="`allow_rules`"):
        shacl.validate(graph, shapes=[shapes])
    result = shacl.validate(graph, shapes=[shapes], allow_rules=True)
    assert result.conforms and result.focus_nodes > 0
    assert len(graph) == before
    unruled = tmp_path / "unruled.ttl"
    unruled.write_text(_RULE_SHAPES.replace("  sh:rule", "  ex:noRule"), encoding="utf-8")
    without = shacl.validate(graph, shapes=[unruled], allow_rules=True)
    assert not without.conforms and len({r.focus for r in without.results}) == result.focus_nodes
    code, out, err = run_in_process("validate", "--shapes", shapes, "--allow-rules")
    assert code == 0, err
    code, out, err = run_in_process("validate", "--shapes", shapes)
    assert (code, out) == (2, "")
    assert "--allow-rules" in err and "Traceback" not in err


def test_a_shape_targeting_what_rules_add_is_not_idle(tmp_path):
    """With --allow-rules, focus nodes are counted on the copy the rules extended: a shape whose
    target class only the rules assert selects the factors the rules typed, so it is not reported
    as selecting nothing (which would make the run exit 1), and its constraint sees them."""
    from conftest import run_in_process

    from exitkg.checks import validate as shacl
    from exitkg.graph.local import load

    shapes = tmp_path / "typing.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix ex: <http://example.org/> .
ex:Type a sh:NodeShape ; sh:targetClass ekg:Factor ;
  sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate rdf:type ; sh:object ex:Typed ] .
ex:TypedShape a sh:NodeShape ; sh:targetClass ex:Typed ;
  sh:property [ sh:path skos:prefLabel ; sh:minCount 1 ] .
ex:Unlabelled a sh:NodeShape ; sh:targetClass ex:Typed ;
  sh:property [ sh:path ex:nothing ; sh:minCount 1 ; sh:severity sh:Info ] .
""", encoding="utf-8")
    graph = load()
    factors = len(graph.run("SELECT DISTINCT ?f WHERE { ?f a <https://w3id.org/exitkg/ontology#Factor> }").rows)
    result = shacl.validate(graph, shapes=[shapes], allow_rules=True)
    assert result.idle_shapes == []
    assert result.focus_nodes == factors
    # the typed factors were validated: each gets the informational result of ex:Unlabelled
    assert len({r.focus for r in result.results if r.severity == "Info"}) == factors
    assert result.conforms
    code, out, err = run_in_process("validate", "--shapes", shapes, "--allow-rules", "--format", "json")
    assert "select no node" not in out + err and "Traceback" not in err
    assert json.loads(out)["idle_shapes"] == []
    # with SHACL-JS too, pySHACL runs in a child process, which hands the extended copy back
    js_shapes, data = _js_case(tmp_path)
    js_shapes.write_text(js_shapes.read_text(encoding="utf-8") + """
ex:Type a sh:NodeShape ; sh:targetSubjectsOf ex:label ;
  sh:rule [ a sh:TripleRule ; sh:subject sh:this ; sh:predicate rdf:type ; sh:object ex:Typed ] .
ex:TypedShape a sh:NodeShape ; sh:targetClass ex:Typed ; sh:property [ sh:path ex:label ; sh:maxLength 10 ] .
""".replace("rdf:type", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"), encoding="utf-8")
    both = shacl.validate(load(only=[data], ontology=False), shapes=[js_shapes], allow_rules=True, allow_js=True)
    assert both.idle_shapes == [] and both.focus_nodes == 2
    # ex:b's label is too long for the JavaScript constraint and for the typed nodes' sh:maxLength
    assert sorted(r.focus for r in both.results) == ["http://example.org/b"] * 2


def test_rules_that_never_stop_adding_are_stopped(tmp_path):
    """A rule that mints a blank node every round (one more statement each time) never reaches a
    fixed point: it is stopped at pySHACL's limit of rounds, with one line and exit 9."""
    from conftest import assert_one_error_line, run_in_process

    shapes = tmp_path / "minting.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
                      "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
                      '  sh:rule [ a sh:SPARQLRule ; sh:construct "CONSTRUCT { $this <http://example.org/p> [] } '
                      'WHERE { $this a <http://example.org/Thing> }" ] .\n', encoding="utf-8")
    data = tmp_path / "thing.ttl"
    data.write_text("<http://example.org/a> a <http://example.org/Thing> .\n", encoding="utf-8")
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--allow-rules")
    assert (code, out) == (9, "")
    assert_one_error_line(err, "still add statements after 100 rounds")


_DOUBLING = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
             "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;\n"
             '  sh:rule [ a sh:SPARQLRule ; sh:construct "CONSTRUCT { $this <http://example.org/p> [] } '
             'WHERE { $this <http://example.org/p> ?o }" ] .\n')


def test_rules_whose_output_doubles_are_stopped_at_the_statement_bound(tmp_path):
    """A rule that adds a fresh statement for each one it finds doubles its output each round: its
    100 rounds would add 2^100 statements. It is stopped once the rules have added more than
    --max-rule-triples statements (a small bound here, reached in a few rounds), with one line and
    exit 9; the bound goes with --allow-rules, and its default is the one docs/validation.md and the help give."""
    from conftest import assert_one_error_line

    from exitkg.core import errors

    from exitkg.checks import validate as shacl

    shapes = tmp_path / "doubling.ttl"
    shapes.write_text(_DOUBLING, encoding="utf-8")
    data = tmp_path / "thing.ttl"
    data.write_text("<http://example.org/a> a <http://example.org/Thing> ; <http://example.org/p> 1 .\n",
                    encoding="utf-8")
    graph = load(only=[data], ontology=False)
    with pytest.raises(errors.RulesError, match="more than 300 statements") as caught:
        shacl.validate(graph, shapes=[shapes], allow_rules=True, max_rule_triples=300)
    assert caught.value.exit_code == errors.RULES == 9
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--allow-rules",
                                    "--max-rule-triples", "300")
    assert (code, out) == (9, "")
    assert_one_error_line(err, "more than 300 statements", "--max-rule-triples")
    code, out, err = run_in_process("validate", "--only", data, "--shapes", shapes, "--max-rule-triples", "300")
    assert code == 3 and "--allow-rules" in err
    # with SHACL-JS, pySHACL runs in a child process, which hands the same error back
    js_shapes, js_data = _js_case(tmp_path)
    js_shapes.write_text(js_shapes.read_text(encoding="utf-8") + _DOUBLING.split("\n", 2)[2], encoding="utf-8")
    js_data.write_text(js_data.read_text(encoding="utf-8") + "ex:a a ex:Thing ; ex:p 1 .\n", encoding="utf-8")
    with pytest.raises(errors.RulesError, match="more than 300 statements"):
        shacl.validate(load(only=[js_data], ontology=False), shapes=[js_shapes], allow_rules=True, allow_js=True,
                       max_rule_triples=300)
    # rules that settle within the bound run: one statement added, with a bound of one
    settling = tmp_path / "settling.ttl"
    settling.write_text(_DOUBLING.replace("$this <http://example.org/p> []", "$this <http://example.org/q> 2"),
                        encoding="utf-8")
    assert shacl.validate(graph, shapes=[settling], allow_rules=True, max_rule_triples=1).conforms
    readme = (REPO_ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert f"`--max-rule-triples` statements (default {shacl.MAX_RULE_TRIPLES};" in readme
    code, out, err = run_in_process("validate", "--help")
    assert f"default: {shacl.MAX_RULE_TRIPLES})" in " ".join(out.split())


def test_a_constraint_with_service_is_refused_and_fetches_nothing(tmp_path):
    """Scenario 27: a SPARQL-based constraint that would query another endpoint (SERVICE) is
    refused, and shapes' owl:imports are not followed: a listening loopback address named in
    either is never reached."""
    import socket

    from exitkg.checks import validate as shacl

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        shapes = tmp_path / "service.ttl"
        shapes.write_text(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n"
            "ex:S a sh:NodeShape ; sh:targetClass <https://w3id.org/exitkg/ontology#Factor> ;\n"
            f'  sh:sparql [ sh:select """SELECT $this WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> '
            '{ ?s ?p ?o } }""" ] .\n', encoding="utf-8")
        with pytest.raises(InputError, match="SERVICE"):
            shacl.validate(shapes=[shapes])
        imports = tmp_path / "imports.ttl"  # owl:imports are not followed
        imports.write_text(f"<http://example.org/shapes> <http://www.w3.org/2002/07/owl#imports> "
                           f"<http://127.0.0.1:{port}/more-shapes.ttl> .\n", encoding="utf-8")
        assert shacl.validate(shapes=[imports]).conforms
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_abort_on_first_stops_at_the_first_constraint_violated(tmp_path):
    """Scenario 24: the report is complete by default; with --abort-on-first it holds what the
    first shape violated found (a part of the complete report), and says it stopped. Both halves:
    SHACL Core shapes (pySHACL stops), and a SPARQL-based constraint when the Core ones hold
    (evaluated on the store: the results of that constraint)."""
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
                      "<https://example.org/f1> a ekg:Finding ; ekg:aboutFactor <https://w3id.org/exitkg/id/factor/stigma> .\n"
                      "<https://example.org/f2> a ekg:Finding ; ekg:quote \"x\" .\n", encoding="utf-8")
    code, out, err = run_in_process("validate", "--data", broken, "--format", "json")
    assert code == 1, err
    full = json.loads(out)
    assert len({(r["shape"], r["component"]) for r in full["results"]}) > 1 and full["notes"] == []
    code, out, err = run_in_process("validate", "--data", broken, "--format", "json", "--abort-on-first")
    assert code == 1, err
    first = json.loads(out)
    assert first["results"] and all(r in full["results"] for r in first["results"])
    assert len(first["results"]) < len(full["results"])
    assert first["notes"] == ["validation stopped at the first shape violated (--abort-on-first): the report holds "
                              "what that shape found, not every result"]
    # only the SPARQL-based constraint (a blank quote) fails, for two nodes: both results, one constraint
    blank = tmp_path / "blank.ttl"
    blank.write_text("@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
                     "<https://w3id.org/exitkg/id/excerpt-7> a ekg:Excerpt ; ekg:quote \"  \" .\n"
                     "<https://w3id.org/exitkg/id/excerpt-8> a ekg:Excerpt ; ekg:quote \" \" .\n", encoding="utf-8")
    graph = load(only=[*ONTOLOGY, blank], ontology=False)
    complete, stopped = validate(graph, shapes=SHAPES), validate(graph, shapes=SHAPES, abort_on_first=True)
    assert not complete.conforms and not stopped.conforms
    assert [r.component for r in complete.results] == ["http://www.w3.org/ns/shacl#SPARQLConstraintComponent"] * 2
    assert stopped.results == complete.results and stopped.notes and not complete.notes
    good = validate(load(only=[*ONTOLOGY, VALIDATE_FIXTURES / "good.ttl"], ontology=False), shapes=SHAPES,
                    abort_on_first=True)
    assert good.conforms and good.notes == []
