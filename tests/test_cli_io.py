"""The CLI refuses unreadable input with exit 2 and one clear stderr line.

The error paths run in this process (``run_in_process``: ``exitkg.cli.main``, its exit code and
output); a few run the real console (``run_exitkg``: the process's exit status, one stderr line,
no traceback), as do those that need a process of their own (limits, a fresh interpreter, a store
reused by a later run).
"""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from conftest import (
    FIXTURES, IO_FIXTURES, VALIDATE_FIXTURES, assert_one_error_line, run_exitkg, run_in_process, sha256_tree,
)


def test_parse_error_reports_file_line_column():
    path = IO_FIXTURES / "bad_syntax.ttl"
    code, out, err = run_exitkg("validate", "--only", path)
    assert code == 2
    line = assert_one_error_line(err, f"{path}:4:32:")
    assert "undeclared" in line
    assert out == ""


def test_rdfxml_parse_error_has_position():
    path = IO_FIXTURES / "bad_xml.rdf"
    code, _, err = run_in_process("validate", "--only", path)
    assert code == 2
    assert_one_error_line(err, f"{path}:5:")


@pytest.mark.parametrize("name", ["empty.ttl", "blank.ttl"])
def test_empty_file_is_refused(name):
    path = IO_FIXTURES / name
    code, out, err = run_in_process("validate", "--only", path)
    assert code == 2
    assert_one_error_line(err, str(path), "empty")
    assert out == ""


def test_file_without_triples_is_refused():
    path = IO_FIXTURES / "prefixes_only.ttl"
    code, out, err = run_in_process("validate", "--only", path)
    assert code == 2
    assert_one_error_line(err, str(path), "no triples")
    assert out == ""


def test_allow_empty_reads_empty_files_as_no_statements():
    """Scenario 8, --allow-empty: empty, blank and triple-less files load as nothing, each named
    in a note; validation then reaches only the ontology, so --strict fails on the shapes that
    select no node."""
    paths = [IO_FIXTURES / name for name in ("empty.ttl", "blank.ttl", "prefixes_only.ttl")]
    code, out, err = run_in_process("validate", "--only", *paths, "--allow-empty", "--format", "json")
    assert code == 0, err
    notes = err.splitlines()
    assert len(notes) == 3 and all(n.startswith("exitkg: note: ") and "(--allow-empty)" in n for n in notes)
    assert {str(p) for p in paths} == {n.split(": ")[2] for n in notes}
    assert json.loads(out)["idle_shapes"]
    code, out, err = run_in_process("validate", "--only", *paths, "--allow-empty", "--strict")
    assert code == 1
    code, out, err = run_in_process("export", "--format", "ntriples", "--data", *paths, "--allow-empty")
    assert code == 0, err
    code, full, _ = run_in_process("export", "--format", "ntriples")
    assert out == full  # nothing added to the packaged graph


def test_missing_path_is_named(tmp_path):
    missing = tmp_path / "does-not-exist.ttl"
    code, _, err = run_in_process("validate", "--only", missing)
    assert code == 2
    assert_one_error_line(err, str(missing))


def test_folder_without_rdf_is_refused(tmp_path):
    code, _, err = run_in_process("validate", "--only", tmp_path)
    assert code == 2
    assert_one_error_line(err, str(tmp_path), "folder holds no RDF files")


def test_data_and_only_exclude_each_other():
    good = VALIDATE_FIXTURES / "good.ttl"
    code, out, err = run_in_process("validate", "--data", good, "--only", good)
    assert code == 3
    assert_one_error_line(err, "not allowed with")


def test_validate_adds_data_to_the_packaged_graph(tmp_path):
    """--data is checked together with the packaged sources: a finding about a packaged factor
    and study conforms without repeating them; --only the same file lacks them."""
    addition = tmp_path / "addition.ttl"
    addition.write_text(
        "@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "<https://example.org/f> a ekg:Finding ;\n"
        "  ekg:inSource <https://w3id.org/exitkg/id/source/ferrari-2021> ;\n"
        "  ekg:fromStudy <https://w3id.org/exitkg/id/study/hickle-2017> ;\n"
        "  ekg:aboutFactor <https://w3id.org/exitkg/id/factor/family> ; ekg:statedRole ekg:facilitating ;\n"
        "  ekg:aboutAbsence false ; ekg:quote \"the family helps\" ;\n"
        "  ekg:locatedIn <https://w3id.org/exitkg/id/section/ferrari-2021/results-relational-controversial> ;\n"
        "  ekg:factorLinkProvenance ekg:StatedInReview ;\n"
        "  prov:wasDerivedFrom <https://w3id.org/exitkg/id/review/ferrari-2021> .\n", encoding="utf-8")
    code, out, err = run_in_process("validate", "--data", addition)
    assert code == 0, out + err
    code, out, err = run_in_process("validate", "--only", addition)
    assert code == 1
    assert "https://w3id.org/exitkg/id/study/hickle-2017" in out or "ekgsh:Finding-fromStudy" in out


@pytest.mark.parametrize("name", ["billion_laughs.rdf", "entity_only.owl"])
def test_xml_doctype_and_entity_are_refused(name):
    path = IO_FIXTURES / name
    code, out, err = run_exitkg("validate", "--only", path, timeout=60)
    assert code == 2
    assert_one_error_line(err, str(path), "DOCTYPE/ENTITY declarations are refused")
    assert out == ""


def test_non_utf8_is_refused_with_position(tmp_path):
    path = tmp_path / "latin1.ttl"
    path.write_bytes(
        b'@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n'
        b'<https://w3id.org/exitkg/id/a> ekg:quote "caf\xe9" .\n'
    )
    code, _, err = run_in_process("validate", "--only", path)
    assert code == 2
    assert_one_error_line(err, f"{path}:2:", "UTF-8")


def test_unsupported_format_is_refused():
    path = IO_FIXTURES / "unsupported.n3"
    code, _, err = run_in_process("validate", "--only", path)
    assert code == 2
    assert_one_error_line(err, str(path), "N3 is not supported")


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("<https://e/a> <https://e/b> <https://e/c> .\n", encoding="utf-8")
    code, _, err = run_in_process("validate", "--only", path)
    assert code == 2
    assert_one_error_line(err, str(path), "unsupported format")


def test_first_bad_file_stops_validation():
    good = VALIDATE_FIXTURES / "good.ttl"
    bad = IO_FIXTURES / "bad_syntax.ttl"
    code, out, err = run_in_process("validate", "--only", good, bad)
    assert code == 2
    assert_one_error_line(err, str(bad))
    assert out == ""


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--format", "yaml"),
        ("validate", "--no-such-option"),
        ("no-such-command",),
        (),
        ("check-quotes",),  # --source is required
        ("check-quotes", "--source"),
    ],
)
def test_bad_arguments_exit_3(args):
    code, out, err = run_exitkg(*args)
    assert code == 3
    assert_one_error_line(err)
    assert out == ""


def test_an_unknown_argument_is_named_with_its_command():
    """An argument a command does not take is reported against that command's help, and a query's
    parameter written without --param says how to give it."""
    code, out, err = run_in_process("validate", "--no-such-option")
    assert (code, out) == (3, "")
    assert_one_error_line(err, "unrecognized arguments: --no-such-option (see 'exitkg validate --help')")
    code, out, err = run_in_process("--no-such-option", "validate")  # before the command: the top-level help
    assert (code, out) == (3, "")
    assert_one_error_line(err, "unrecognized arguments: --no-such-option (see 'exitkg --help')")
    code, out, err = run_in_process("query", "classifications-of-factor", "factor=stigma")
    assert (code, out) == (3, "")
    assert_one_error_line(err, "a query's parameter is given as --param KEY=VALUE (see 'exitkg query --help')")


def test_help_and_version():
    code, out, err = run_exitkg("--help")
    assert code == 0 and "validate" in out and "check-quotes" in out and err == ""
    code, out, err = run_exitkg("--version")
    assert code == 0 and out.strip() == "exitkg 0.1.0"


def test_inputs_are_not_modified(tmp_path):
    source = tmp_path / "source.txt"
    source.write_text("Some words here.\n", encoding="utf-8")
    before = sha256_tree(FIXTURES, source)
    for name in ("bad_syntax.ttl", "empty.ttl", "prefixes_only.ttl", "billion_laughs.rdf",
                 "valid.ttl", "valid.rdf"):
        run_in_process("validate", "--only", IO_FIXTURES / name)
    run_in_process("validate", "--only", VALIDATE_FIXTURES / "bad.ttl", "--format", "json")
    run_in_process("check-quotes", "--source", source, "--only", IO_FIXTURES / "valid.ttl")
    assert sha256_tree(FIXTURES, source) == before


def test_validate_json_output_fields():
    """Needs the packaged ontology and shapes."""
    code, out, err = run_in_process("validate", "--data", VALIDATE_FIXTURES / "good.ttl", "--format", "json")
    assert code in (0, 1), err
    document = json.loads(out)
    assert set(document) >= {"conforms", "violations", "warnings", "results"}
    assert isinstance(document["conforms"], bool)
    assert document["conforms"] == (code == 0)
    assert document["violations"] == sum(r["severity"] == "Violation" for r in document["results"])
    for result in document["results"]:
        assert set(result) == {"severity", "focus", "path", "value", "shape", "component", "message"}


def test_validate_turtle_output_is_a_report():
    """Needs the packaged ontology and shapes."""
    code, out, err = run_in_process("validate", "--data", VALIDATE_FIXTURES / "good.ttl", "--format", "turtle")
    assert code in (0, 1), err
    from rdflib import Graph, Namespace, RDF

    report = Graph().parse(data=out, format="turtle")
    assert len(list(report.subjects(RDF.type, Namespace("http://www.w3.org/ns/shacl#").ValidationReport))) == 1


def test_packaged_data_conforms():
    """The shipped knowledge graph must conform to the shipped shapes."""
    code, out, err = run_in_process("validate")
    assert code == 0, out + err
    assert out.startswith("SHACL validation: conforms")


def _replace_command(monkeypatch, name, run):
    from exitkg import cli

    monkeypatch.setitem(cli.COMMANDS, name, dataclasses.replace(cli.COMMANDS[name], run=run))
    monkeypatch.delenv("EXITKG_DEBUG", raising=False)


def test_internal_error_is_one_line_exit_70(monkeypatch, capsys):
    from exitkg import cli

    def boom(args):
        raise RuntimeError("something\nbroke")

    _replace_command(monkeypatch, "validate", boom)
    assert cli.main(["validate"]) == 70
    assert capsys.readouterr().err == "exitkg: internal error: RuntimeError: something broke\n"


def test_keyboard_interrupt_exits_130(monkeypatch, capsys):
    from exitkg import cli

    def interrupted(args):
        raise KeyboardInterrupt

    _replace_command(monkeypatch, "validate", interrupted)
    assert cli.main(["validate"]) == 130
    assert capsys.readouterr().err.count("\n") == 1


def test_exitkg_error_uses_its_exit_code(monkeypatch, capsys):
    from exitkg import cli
    from exitkg.core.errors import DeadlineError

    def slow(args):
        raise DeadlineError("took too long")

    _replace_command(monkeypatch, "validate", slow)
    assert cli.main(["validate"]) == 7
    assert capsys.readouterr().err == "exitkg: error: took too long\n"


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["report", "--help"]])
def test_start_up_imports_only_what_the_command_needs(argv):
    """``exitkg --help`` builds the parser without importing any command's module, and a command
    configures only its own options (start-up time is measured in benchmarks/, not here)."""
    import subprocess
    import sys

    # a template with braces of its own: %-formatting keeps it readable
    code = ("import sys\nfrom exitkg.cli import main\ntry:\n    main(%r)\nexcept SystemExit:\n    pass\n"  # noqa: UP031
            "print('LOADED:' + ' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyoxigraph', 'pyshacl', "
            "'owlready2', 'SPARQLWrapper', 'http') or m in ('exitkg.serve.serve', 'exitkg.graph.remote', 'exitkg.linking.ctdc', "
            "'exitkg.publish.export', 'exitkg.checks.reason'))))" % argv)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    loaded = out.rsplit("LOADED:", 1)[1].strip()
    allowed = {"exitkg.graph.remote", "http", "http.client"} if argv[0] == "report" else set()
    assert set(loaded.split()) <= allowed, loaded


@pytest.mark.parametrize("command", [
    ["export", "--format", "turtle", "--only", "{ttl}", "--out", "{ttl}"],
    ["export", "--format", "turtle", "--only", "{folder}", "--out", "{folder}/new.ttl"],
    ["query", "{rq}", "--out", "{rq}"],
    ["query", "included-studies", "--data", "{ttl}", "--out", "{ttl}"],
    ["link", "{csv}", "--out", "{csv}"],
])
def test_an_output_over_an_input_is_refused_and_the_input_kept(tmp_path, command):
    """``--out`` naming an input file, or a file inside an input folder, exits 3 and changes nothing."""
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    ttl = folder / "extra.ttl"
    ttl.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    rq = tmp_path / "q.rq"
    rq.write_text("SELECT * WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    csv = tmp_path / "cases.csv"
    shutil.copy(FIXTURES / "link" / "cohort.csv", csv)
    before = sha256_tree(tmp_path)
    args = [a.format(ttl=ttl, folder=folder, rq=rq, csv=csv) for a in command]
    code, out, err = run_in_process(*args)
    assert code == 3, err
    assert_one_error_line(err, "--out", "elsewhere")
    assert sha256_tree(tmp_path) == before


@pytest.mark.parametrize("out", ["{a}", "{b}", "{tmp}/./a.ttl", "{tmp}/sub/../a.ttl", "{link}", "{release}/CHANGES.md"])
def test_diff_refuses_an_output_over_either_input(tmp_path, out):
    """``diff A B --out A`` (or B, or A spelt another way or reached through a link, or a file in a
    release folder it reads) exits 3 like every other command, and changes nothing."""
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    b.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:d .\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.ttl").symlink_to(a)
    release = tmp_path / "release"
    release.mkdir()
    (release / "exitkg.trig").write_text("", encoding="utf-8")
    before = sha256_tree(tmp_path)
    old = release if "release" in out else a
    code, _, err = run_in_process("diff", old, b, "--out", out.format(a=a, b=b, tmp=tmp_path,
                                                                    link=tmp_path / "link.ttl", release=release))
    assert code == 3, err
    assert_one_error_line(err, "--out", "the input", "elsewhere")
    assert sha256_tree(tmp_path) == before


def test_skip_bad_rows_links_the_good_rows_and_names_each_bad_one(tmp_path):
    """Scenario 28, --skip-bad-rows: a ragged row, a formula and a bad flag are left out, each
    named with its line and column; the other rows are linked as without them."""
    good = tmp_path / "good.csv"
    good.write_text("yearOfRegistration,gender\n2016,Female\n2017,Male\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("yearOfRegistration,gender,isForcedLabour\n2016,Female,0\n2015\n2014,=1+1,0\n"
                     "2013,Male,yes\n2017,Male,0\n", encoding="utf-8")
    code, out, err = run_in_process("link", mixed, "--format", "nt")
    assert code == 2 and out == ""
    assert_one_error_line(err, "mixed.csv:3:2: the row has 1 fields")
    code, out, err = run_in_process("link", mixed, "--format", "nt", "--skip-bad-rows")
    assert code == 0, err
    assert err.splitlines() == [
        f"exitkg: note: {mixed}:3:2: the row has 1 fields, the header 3 (row skipped)",
        f"exitkg: note: {mixed}:4:2: the cell '=1+1' would run as a spreadsheet formula; refused (row skipped)",
        f"exitkg: note: {mixed}:5:3: column isForcedLabour takes 1, 0 or a missing code (-99, Unknown, empty), "
        "not 'yes' (row skipped)"]
    rows = {line.split()[2] for line in out.splitlines() if "#sourceRow>" in line}
    assert rows == {'"2"^^<http://www.w3.org/2001/XMLSchema#integer>', '"6"^^<http://www.w3.org/2001/XMLSchema#integer>'}
    bad = tmp_path / "bad.csv"
    bad.write_text("yearOfRegistration,gender\n2015\n", encoding="utf-8")
    code, out, err = run_in_process("link", bad, "--skip-bad-rows")
    assert code == 2
    assert_one_error_line(err, "no records after the header (1 bad row skipped)")


def test_in_place_replaces_an_input_with_the_whole_output(tmp_path):
    """Scenario 37, --in-place: the input is replaced, atomically, by the complete output; an output
    inside an input folder is still refused."""
    import shutil

    data = tmp_path / "extra.ttl"
    data.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    code, out, err = run_in_process("export", "--format", "ntriples", "--only", data, "--out", data, "--in-place")
    assert code == 0, err
    written = data.read_text(encoding="utf-8")
    assert "<http://example.org/a> <http://example.org/b> <http://example.org/c> ." in written.splitlines()
    assert written.count("\n") > 100  # the ontology too: the whole export, not a part
    assert [p.name for p in tmp_path.iterdir()] == ["extra.ttl"]  # no temporary file left
    cases = tmp_path / "cases.csv"
    shutil.copy(FIXTURES / "link" / "cohort.csv", cases)
    code, out, err = run_in_process("link", cases, "--out", cases, "--in-place", "--format", "nt")
    assert code == 0, err
    assert cases.read_text(encoding="utf-8").startswith("<")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n", encoding="utf-8")
    code, out, err = run_in_process("export", "--format", "turtle", "--only", folder, "--out", folder / "new.ttl", "--in-place")
    assert code == 3
    assert_one_error_line(err, "inside --only")


def test_a_relative_iri_in_json_ld_is_refused_not_dropped(tmp_path):
    data = tmp_path / "relative.jsonld"
    data.write_text('{"@context": {"ex": "http://example.org/"}, "@graph": ['
                    '{"@id": "ex:a", "ex:p": {"@id": "b"}}, {"@id": "ex:c", "ex:q": "x"}]}', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "relative.jsonld", "relative IRI 'b'")
    based = tmp_path / "based.jsonld"
    based.write_text('{"@context": {"ex": "http://example.org/", "@base": "http://example.org/"}, '
                     '"@id": "ex:a", "ex:p": {"@id": "b"}}', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", based, "--format", "ntriples")
    assert code == 0 and "<http://example.org/a> <http://example.org/p> <http://example.org/b> ." in out


@pytest.mark.parametrize("document, key", [
    ('{"@context": {"name": "http://schema.org/name"}, "@id": "http://example.org/a", "name": "A", '
     '"nmae": "typo"}', "nmae"),
    ('[{"@id": "http://example.org/a", "http://schema.org/name": "A", "knows": {"@id": "http://example.org/b"}}]',
     "knows"),
    ('{"@context": [{"ex": "http://example.org/"}], "@graph": [{"@id": "ex:a", "ex:p": "x", '
     '"child": {"@id": "ex:b", "ex:q": "y"}}]}', "child"),
])
def test_a_json_ld_key_without_a_mapping_is_refused_not_dropped(tmp_path, document, key):
    """JSON-LD drops a key its context does not map (a typo, a missing term); exitkg names it."""
    data = tmp_path / "unmapped.jsonld"
    data.write_text(document, encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2 and out == ""
    assert_one_error_line(err, "unmapped.jsonld", f"{key!r} is not defined by the @context")


def test_json_ld_with_every_key_mapped_loads(tmp_path):
    data = tmp_path / "mapped.jsonld"
    data.write_text('{"@context": {"@vocab": "http://example.org/v/"}, "@id": "http://example.org/a", '
                    '"x": "A", "@type": "T"}', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 0, err
    assert '<http://example.org/a> <http://example.org/v/x> "A" .' in out
    assert "<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/v/T> ." in out


_KEPT = '{"@id": "http://example.org/ok", "http://example.org/p": "kept"}'


@pytest.mark.parametrize("bad, named", [
    ('{"@id": "http://example.org/a b", "http://example.org/p": "x"}', "the node IRI <http://example.org/a b>"),
    ('{"@id": "http://example.org/a", "http://example.org/p q": "x"}', "the property IRI <http://example.org/p q>"),
    ('{"@id": "http://example.org/a", "@type": "http://example.org/T U"}', "the type IRI <http://example.org/T U>"),
    ('{"@id": "http://example.org/a", "http://example.org/p": {"@value": "x", "@language": "en GB"}}',
     "the language tag 'en GB'"),
    ('{"@id": "http://example.org/a", "http://example.org/p": {"@id": "http://example.org/{b}"}}',
     "the value IRI <http://example.org/{b}>"),
    ('{"@id": "http://example.org/a b", "@graph": [{"@id": "http://example.org/b", "http://example.org/p": "x"}]}',
     "the graph IRI <http://example.org/a b>"),
])
def test_json_ld_statements_a_processor_drops_are_refused_and_named(tmp_path, bad, named):
    """JSON-LD processors drop a statement whose IRI is invalid or whose language tag is ill-formed,
    and pyoxigraph does so without a word; exitkg stops (exit 2) naming what would be dropped, so
    every statement of the file is loaded or refused, never lost."""
    data = tmp_path / "drops.jsonld"
    data.write_text(f'{{"@graph": [{_KEPT},\n {bad}]}}', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2 and out == ""
    assert_one_error_line(err, f"{data}:2:", "JSON-LD would drop 1 statement", named)
    fixed = tmp_path / "fixed.jsonld"  # the same statements, percent-encoded and tagged well, load whole
    for wrong, right in (("a b", "a%20b"), ("p q", "p%20q"), ("T U", "T%20U"), ("en GB", "en-GB"), ("{b}", "%7Bb%7D")):
        bad = bad.replace(wrong, right)
    fixed.write_text(f'{{"@graph": [{_KEPT},\n {bad}]}}', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", fixed, "--format", "nquads")
    assert code == 0, err
    assert '<http://example.org/ok> <http://example.org/p> "kept"' in out
    assert any(right in out for right in ("%20", "%7Bb%7D", '"x"@en-GB'))


def test_json_nested_too_deep_is_refused_before_parsing(tmp_path):
    """pyoxigraph's JSON-LD parser ends the process (a segmentation fault) a few thousand levels down."""
    data = tmp_path / "deep.jsonld"
    data.write_text('{"@id": "http://example.org/a", "http://example.org/p": ' + "[" * 5000 + "1" + "]" * 5000 + "}",
                    encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "nested 5001 levels deep", "at most 500")


def test_a_literal_beyond_the_parser_limit_is_an_input_error(tmp_path):
    data = tmp_path / "big.nt"
    data.write_text('<http://example.org/a> <http://example.org/p> "' + "x" * (17 * 2**20) + '" .\n', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "big.nt", "up to 16 MiB")


def test_a_byte_order_mark_is_accepted_on_every_path(tmp_path):
    """A file for the merge only goes to the bulk loader, which does not skip a UTF-8 BOM itself."""
    data = tmp_path / "bom.nt"
    data.write_bytes(b'\xef\xbb\xbf<http://example.org/a> <http://example.org/p> "x" .\n')
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 0, err
    assert '<http://example.org/a> <http://example.org/p> "x" .' in out


def test_an_unknown_prefix_gets_a_hint(tmp_path):
    data = tmp_path / "prefix.ttl"
    data.write_text("@prefix ex: <http://example.org/> .\nex:a foo:b ex:c .\n", encoding="utf-8")
    code, out, err = run_in_process("validate", "--only", data)
    assert code == 2
    assert_one_error_line(err, "prefix.ttl:2:", "foo:", "add '@prefix foo: <...> .'")


@pytest.mark.parametrize("context, url", [
    ('"https://example.org/ctx.jsonld"', "https://example.org/ctx.jsonld"),
    ('["http://example.org/ctx.jsonld"]', "http://example.org/ctx.jsonld"),
    ('"file://CTX"', "file://CTX"),
    ('{"@import": "https://example.org/ctx.jsonld", "p": "http://example.org/p"}', "https://example.org/ctx.jsonld"),
])
def test_a_remote_context_is_named(tmp_path, context, url):
    """Scenario 12: a context by URL (http, https, file, or through @import) is refused and named."""
    ctx = tmp_path / "ctx.jsonld"
    ctx.write_text('{"@context": {"p": "http://example.org/p"}}', encoding="utf-8")
    context, url = context.replace("CTX", str(ctx)), url.replace("CTX", str(ctx))
    data = tmp_path / "remote.jsonld"
    data.write_text('{"@context": ' + context + ', "@id": "http://example.org/a", "p": 1}', encoding="utf-8")
    code, out, err = run_in_process("validate", "--only", data)
    assert code == 2
    assert_one_error_line(err, url, "not loaded")


@pytest.mark.parametrize("context", ['"URL"', '["URL", {"q": "http://example.org/q"}]',
                                     '{"@import": "URL", "q": "http://example.org/q"}'])
def test_a_context_map_reads_a_local_copy_and_fetches_nothing(tmp_path, context):
    """Scenario 12, --context-map: a mapped context URL (directly, in an array, through @import) is
    read from its local copy, with no connection to it; an unmapped one is still refused."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1.0)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/ctx.jsonld"
        (tmp_path / "copies").mkdir()
        (tmp_path / "copies" / "ctx.jsonld").write_text('{"@context": {"p": "http://example.org/p"}}', encoding="utf-8")
        mapping = tmp_path / "contexts.json"
        mapping.write_text(json.dumps({url: "copies/ctx.jsonld"}), encoding="utf-8")
        data = tmp_path / "mapped.jsonld"
        data.write_text('{"@context": ' + context.replace("URL", url) + ', "@id": "http://example.org/a", "p": "x"}',
                        encoding="utf-8")
        code, out, err = run_in_process("export", "--only", data, "--format", "ntriples", "--context-map", mapping)
        assert code == 0, err
        assert '<http://example.org/a> <http://example.org/p> "x" .' in out.splitlines()
        with pytest.raises(TimeoutError):
            listener.accept()
    other = tmp_path / "other.jsonld"
    other.write_text('{"@context": "https://example.org/other.jsonld", "@id": "http://example.org/a", "p": 1}',
                     encoding="utf-8")
    code, out, err = run_in_process("export", "--only", other, "--format", "ntriples", "--context-map", mapping)
    assert code == 2
    assert_one_error_line(err, "https://example.org/other.jsonld", "not loaded", "--context-map")


@pytest.mark.parametrize("content, fragment", [
    ("[1]", "a context map is a JSON object from context URLs to local files"),
    ('{"https://example.org/c": "missing.jsonld"}', "maps to"),
    ("{", "the context map is not JSON"),
])
def test_a_bad_context_map_is_named(tmp_path, content, fragment):
    mapping = tmp_path / "contexts.json"
    mapping.write_text(content, encoding="utf-8")
    code, out, err = run_in_process("validate", "--context-map", mapping)
    assert code == 2 and out == ""
    assert_one_error_line(err, "contexts.json", fragment)


def test_a_remote_context_is_never_fetched(tmp_path):
    """A context at a listening loopback address: refused, and no connection reaches it."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1.0)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/ctx.jsonld"
        data = tmp_path / "remote.jsonld"
        data.write_text('{"@context": "' + url + '", "@id": "http://example.org/a", "p": 1}', encoding="utf-8")
        code, _, err = run_in_process("export", "--only", data, "--format", "ntriples")
        assert code == 2
        assert_one_error_line(err, url, "not loaded")
        with pytest.raises(TimeoutError):
            listener.accept()


def test_a_pipe_is_refused_instead_of_read_forever(tmp_path):
    import os

    fifo = tmp_path / "pipe.ttl"
    os.mkfifo(fifo)
    code, out, err = run_exitkg("validate", "--only", fifo, timeout=60)
    assert code == 2
    assert_one_error_line(err, "not a regular file")


@pytest.mark.parametrize("row, fragment", [("2016,-2+3", ":2:2: the cell '-2+3'"), ("2016", ":2:2: the row has 1 fields"),
                                          ("2016,@SUM(1)", ":2:2: the cell '@SUM(1)'"),
                                          ("2016,=1+1", ":2:2: the cell '=1+1'")])
def test_csv_formula_and_ragged_rows_are_placed(tmp_path, row, fragment):
    cases = tmp_path / "cases.csv"
    cases.write_text(f"yearOfRegistration,gender\n{row}\n", encoding="utf-8")
    code, out, err = run_in_process("link", cases)
    assert code == 2
    assert_one_error_line(err, fragment)


@pytest.mark.parametrize("iri, shown", [("http://example.org/a b", "'<http://example.org/a b>'"),
                                        ("http://example.org/a\x01b", "'<http://example.org/a\\x01b>'")])
def test_a_bad_iri_is_shown_with_control_characters_escaped(tmp_path, iri, shown):
    data = tmp_path / "bad.nt"
    data.write_text(f'<{iri}> <http://example.org/p> "x" .\n', encoding="utf-8")
    code, out, err = run_in_process("validate", "--only", data)
    assert code == 2
    line = assert_one_error_line(err, "bad.nt:1:1: Invalid IRI code point", shown)
    assert not any(ord(c) < 32 for c in line)


def test_duplicate_statements_are_loaded_once_and_counted(tmp_path):
    """Scenario 22: a statement written twice in a file, or again in a later file, is loaded once,
    exit 0, and the load says how many of each file's statements repeat others."""
    import exitkg

    line = '<http://example.org/a> <http://example.org/p> "1" .\n'
    first = tmp_path / "first.nt"
    first.write_text(line * 2 + '<http://example.org/b> <http://example.org/p> "2" .\n', encoding="utf-8")
    second = tmp_path / "second.nt"
    second.write_text(line, encoding="utf-8")
    code, out, err = run_in_process("export", "--only", first, second, "--format", "ntriples")
    assert code == 0, err
    assert out.count(line) == 1
    assert f"exitkg: note: {first}: 1 of 3 statements repeat" in err
    assert f"exitkg: note: {second}: 1 of 1 statements repeat" in err
    graph = exitkg.load(only=[first, second])
    assert [(p.triples, p.duplicates) for p in graph.parts if p.kind == "file"] == [(3, 1), (1, 1)]
    source = tmp_path / "source.ttl"  # a file that declares a source is kept in its own graph
    source.write_text("@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n<http://example.org/s> a ekg:Source .\n"
                      "<http://example.org/s> a ekg:Source .\n", encoding="utf-8")
    code, out, err = run_in_process("export", "--only", source, "--format", "ntriples")
    assert code == 0 and f"{source}: 1 of 2 statements repeat others of the file" in err


def test_iris_not_in_nfc_are_kept_as_written_and_named(tmp_path):
    """Scenario 7: an IRI in NFD is kept byte for byte, and named, with the note that its NFC
    twin is another IRI; a file in NFC gets no note."""
    import unicodedata

    nfd, nfc = unicodedata.normalize("NFD", "café"), unicodedata.normalize("NFC", "café")
    data = tmp_path / "unicode.ttl"
    data.write_text(f"<http://example.org/{nfd}> <http://example.org/p> <http://example.org/{nfc}> .\n",
                    encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 0, err
    assert f"<http://example.org/{nfd}> <http://example.org/p> <http://example.org/{nfc}> ." in out
    assert "1 IRI is not in Unicode NFC, kept as written (<http://example.org/cafe\\u0301>); " \
           "1 also appears in NFC, as a different IRI" in err
    clean = tmp_path / "clean.ttl"
    clean.write_text(f"<http://example.org/{nfc}> <http://example.org/p> \"é\" .\n", encoding="utf-8")
    code, out, err = run_in_process("export", "--only", clean, "--format", "ntriples")
    assert code == 0 and "NFC" not in err


@pytest.mark.parametrize("name, content, told, says", [
    ("graph.ttl", '{"@id": "http://example.org/a", "http://example.org/p": "x"}', "jsonld", "but JSON-LD"),
    ("graph.owl", '@prefix e: <http://example.org/> .\ne:a e:p "x" .\n', "turtle", "but Turtle"),
    ("graph.nt", '@prefix e: <http://example.org/> .\ne:a e:p "x" .\n', "turtle", "but Turtle"),
    ("graph.jsonld", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/a"><e:p>x</e:p>'
     '</rdf:Description></rdf:RDF>\n', "rdfxml", "but RDF/XML"),
    ("graph", '<http://example.org/a> <http://example.org/p> "x" .\n', "ntriples", "--input-format"),
])
def test_content_that_does_not_match_its_extension_is_named_and_input_format_reads_it(
        tmp_path, name, content, told, says):
    """Scenario 10: a file whose content is in another format than its extension says (or that
    has no extension) is an error naming what it reads as; ``--input-format`` reads it."""
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2 and out == ""
    assert_one_error_line(err, name, says)
    code, out, err = run_in_process("export", "--only", data, "--input-format", told, "--format", "ntriples")
    assert code == 0, err
    assert '<http://example.org/a> <http://example.org/p> "x" .' in out


def test_a_broken_file_keeps_its_syntax_error(tmp_path):
    data = tmp_path / "broken.ttl"
    data.write_text('@prefix e: <http://example.org/> .\ne:a e:p "x" ', encoding="utf-8")
    code, _, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "broken.ttl:2:")


def test_inputs_too_large_for_the_memory_are_refused_before_loading(tmp_path, monkeypatch):
    """Scenario 18: inputs that would need more memory than the process may use are refused with
    exit 2 and one line, before anything is read; below the limit they load. The limit is the
    system's (here an address-space limit of 600 MiB, set on the child) or ``EXITKG_MEMORY``."""
    import resource
    import subprocess
    import sys

    big = tmp_path / "big.nt"
    line = '<http://example.org/s{}> <http://example.org/p> "a literal of some length, {}" .\n'
    with open(big, "w", encoding="utf-8") as handle:
        for i in range(900_000):
            handle.write(line.format(i, i))
    assert big.stat().st_size > 70 * 2**20

    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (600 * 2**20, 600 * 2**20))

    env = {k: v for k, v in os.environ.items() if k not in ("EXITKG_MEMORY", "EXITKG_DEBUG")}
    proc = subprocess.run([sys.executable, "-m", "exitkg", "export", "--only", str(big), "--format", "ntriples",
                           "--out", str(tmp_path / "out.nt")], capture_output=True, text=True, env=env,
                          preexec_fn=limited, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert_one_error_line(proc.stderr, "would need about", "address-space limit")
    assert not (tmp_path / "out.nt").exists()

    small = tmp_path / "small.nt"
    small.write_text(line.format(1, 1), encoding="utf-8")
    monkeypatch.setenv("EXITKG_MEMORY", "150M")  # less than the base a load plans for
    code, _, err = run_in_process("export", "--only", small, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "EXITKG_MEMORY is 0.1 GiB")
    monkeypatch.setenv("EXITKG_MEMORY", "a lot")
    code, _, err = run_in_process("export", "--only", small, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "EXITKG_MEMORY='a lot' is not a size")
    monkeypatch.setenv("EXITKG_MEMORY", "2G")
    code, out, err = run_in_process("export", "--only", small, "--format", "ntriples")
    assert code == 0 and line.format(1, 1) in out


def test_csv_with_a_byte_order_mark_or_quoted_newlines_links_and_another_delimiter_is_named(tmp_path):
    """Scenario 28: a UTF-8 BOM and a newline inside a quoted cell are read; a file separated by
    semicolons is refused at its header with the column it could not place."""
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfyearOfRegistration,gender\n2019,Female\n")
    code, out, err = run_in_process("link", bom)
    assert code == 0, err
    assert "ekg:sourceRow 2" in out
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('yearOfRegistration,typeOfExploitConcatenated\n2019,"Sexual exploitation;\nOther"\n2020,Other\n',
                      encoding="utf-8")
    code, out, err = run_in_process("link", quoted)
    assert code == 0, err
    assert "ekg:sourceRow 3" in out  # the row after the quoted newline keeps its own number
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("yearOfRegistration;gender\n2019;Female\n", encoding="utf-8")
    code, out, err = run_in_process("link", semicolons)
    assert code == 2 and out == ""
    assert_one_error_line(err, "semicolons.csv:1:1: unknown column 'yearOfRegistration;gender'")


@pytest.mark.parametrize("char", [" ", "{", "}", '"', "|", "^", "`", "<"])
def test_an_iri_with_a_character_iris_cannot_hold_is_refused_in_turtle(tmp_path, char):
    """Scenario 5, in Turtle: the IRI and its position are named, nothing is loaded."""
    data = tmp_path / "bad.ttl"
    data.write_text(f'<http://example.org/a{char}b> <http://example.org/p> "x" .\n', encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2 and out == ""
    assert_one_error_line(err, "bad.ttl:1:")


@pytest.mark.parametrize("char, encoded", [(" ", "%20"), ("{", "%7B"), ("}", "%7D"), ('"', "%22"), ("|", "%7C"),
                                           ("^", "%5E"), ("`", "%60"), ("<", "%3C"), ("\\", "%5C"), ("\t", "%09"),
                                           ("\x01", "%01")])
@pytest.mark.parametrize("name", ["bad.ttl", "bad.nt"])
def test_repair_iris_percent_encodes_and_names_each_change(tmp_path, char, encoded, name):
    """Scenario 5, --repair-iris: the IRI is read percent-encoded, the change is named with its
    position, strings and comments keep the same characters, and the file is not changed. An
    N-Triples file goes through the bulk loader, which reads the repaired text."""
    data = tmp_path / name
    comment = "" if name.endswith(".nt") else "# <http://example.org/not an iri>\n"
    text = f'{comment}<http://example.org/a{char}b> <http://example.org/p> "<http://example.org/c d>" .\n'
    data.write_text(text, encoding="utf-8")
    before = data.read_bytes()
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples", "--repair-iris")
    assert code == 0, err
    assert f'<http://example.org/a{encoded}b> <http://example.org/p> "<http://example.org/c d>" .' in out.splitlines()
    [note] = [line for line in err.splitlines() if "IRI repaired" in line]
    line = 2 if comment else 1
    assert note.startswith(f"exitkg: note: {data}:{line}:1: IRI repaired, <http://example.org/a")
    assert note.endswith(f"read as <http://example.org/a{encoded}b>")
    assert not any(ord(c) < 32 for c in note)
    assert data.read_bytes() == before


def test_repair_iris_counts_beyond_the_first_hundred_and_refuses_other_formats(tmp_path):
    data = tmp_path / "many.nt"
    data.write_text("".join(f'<http://example.org/a {i}> <http://example.org/p> "x" .\n' for i in range(150)))
    code, out, err = run_in_process("validate", "--only", data, "--repair-iris", "--format", "json")
    assert code in (0, 1), err
    notes = [line for line in err.splitlines() if line.startswith("exitkg: note: ")]
    assert len([n for n in notes if "IRI repaired" in n]) == 100
    assert any(n.endswith("50 more IRIs repaired (150 in all)") for n in notes)
    rdfxml = tmp_path / "bad.rdf"
    rdfxml.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                      '<rdf:Description rdf:about="http://example.org/a b"/></rdf:RDF>\n')
    code, out, err = run_in_process("export", "--only", rdfxml, "--format", "ntriples", "--repair-iris")
    assert code == 2 and out == ""
    assert_one_error_line(err, "bad.rdf: --repair-iris repairs the IRIs of Turtle, TriG, N-Triples and N-Quads files, "
                               "not of RDF/XML")
    bad = tmp_path / "bad.ttl"
    bad.write_text('<http://example.org/a b> <http://example.org/p> "x" .\n')
    code, out, err = run_in_process("export", "--only", bad, "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "bad.ttl:1:1: Invalid IRI code point", "--repair-iris reads such IRIs percent-encoded")


def test_repair_iris_is_part_of_what_a_kept_store_was_loaded_with(tmp_path):
    """A store loaded with --repair-iris is not reused by a load without it (which refuses the file).
    Two runs, each its own process, as a kept store is meant to be reused."""
    data = tmp_path / "bad.ttl"
    data.write_text('<http://example.org/a b> <http://example.org/p> "x" .\n')
    store = tmp_path / "store"
    code, out, err = run_exitkg("query", "included-studies", "--only", data, "--repair-iris", "--store", store)
    assert code == 0, err
    code, out, err = run_exitkg("query", "included-studies", "--only", data, "--store", store)
    assert code == 2
    assert_one_error_line(err, "Invalid IRI code point")


@pytest.mark.parametrize("name, content, expected", [
    ("relative.ttl", '<a> <http://example.org/p> "x" .\n', '<https://example.org/d/a> <http://example.org/p> "x" .'),
    ("relative.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:e="http://example.org/"><rdf:Description rdf:about="a"><e:p>x</e:p></rdf:Description></rdf:RDF>\n',
     '<https://example.org/d/a> <http://example.org/p> "x" .'),
    ("relative.jsonld", '{"@id": "a", "http://example.org/p": "x"}', '<https://example.org/d/a> <http://example.org/p> "x" .'),
])
def test_base_resolves_relative_iris_and_without_it_they_are_refused(tmp_path, name, content, expected):
    """Scenario 6: a relative IRI is an error (nothing is resolved against a file: path) unless
    --base names the base; then it resolves against it, in every format that has relative IRIs."""
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert code == 2 and out == ""
    assert "file:" not in err
    code, out, err = run_in_process("export", "--only", data, "--base", "https://example.org/d/", "--format", "ntriples")
    assert code == 0, err
    assert expected in out and "file:" not in out
    code, out, err = run_in_process("export", "--only", data, "--base", "no-scheme", "--format", "ntriples")
    assert code == 2
    assert_one_error_line(err, "--base 'no-scheme'")


@pytest.mark.parametrize("name, body", [
    ("cases.nt", "".join(f"<urn:s{i}> <urn:p> <urn:o> .\n" for i in range(6))),
    ("cases.ttl", "@prefix e: <urn:> .\n" + "".join(f"e:s{i} e:p e:o .\n" for i in range(6))),
])
def test_max_triples_refuses_more_statements_at_the_first_one_over(tmp_path, name, body):
    """Scenario 18: --max-triples bounds the statements of --data and --only in all; a file over
    it is refused when the first statement beyond is read (a syntax error after it is never
    reached), with exit 2 and nothing written; at the limit, it loads."""
    data = tmp_path / name
    data.write_text(body + "this is not RDF\n", encoding="utf-8")
    out = tmp_path / "out.nt"
    code, _, err = run_in_process("export", "--only", data, "--format", "ntriples", "--max-triples", "5", "--out", out)
    assert code == 2
    assert_one_error_line(err, f"{data}: more statements than --max-triples leaves for it (5)")
    assert not out.exists()
    data.write_text(body, encoding="utf-8")
    code, _, err = run_in_process("export", "--only", data, "--format", "ntriples", "--max-triples", "6", "--out", out)
    assert code == 0, err
    assert len(out.read_text(encoding="utf-8").splitlines()) >= 6


def test_max_triples_counts_every_input_and_max_bytes_their_size(tmp_path):
    """The limits are for all the files a command reads (the packaged ones aside): the second of
    two files of 3 statements goes over 5; --max-bytes refuses before anything is read."""
    import exitkg
    from exitkg.core.errors import InputError

    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    for i, path in enumerate((first, second)):
        path.write_text("".join(f"<urn:s{i}{j}> <urn:p> <urn:o> .\n" for j in range(3)), encoding="utf-8")
    with pytest.raises(InputError) as info:
        exitkg.load(only=[first, second], max_triples=5)
    assert info.value.message.startswith(f"{second}: more statements than `max_triples` leaves for it (2)")
    assert len(list(exitkg.load(only=[first, second], max_triples=6).triples())) >= 6
    size = first.stat().st_size + second.stat().st_size
    code, out, err = run_in_process("query", "dataset-description", "--data", first, second, "--max-bytes", str(size - 1))
    assert (code, out) == (2, "")
    assert_one_error_line(err, f"the inputs hold {size:,} bytes, more than --max-bytes allows ({size - 1:,})")
    code, _, err = run_in_process("query", "dataset-description", "--data", first, second, "--max-bytes", "1K")
    assert code == 0, err


@pytest.mark.parametrize("option, value", [("--max-bytes", "lots"), ("--max-bytes", "-1"), ("--max-triples", "1.5"),
                                           ("--max-triples", "-3")])
def test_a_bad_limit_is_a_usage_error(tmp_path, option, value):
    code, out, err = run_in_process("validate", option, value)
    assert (code, out) == (3, "")
    assert "Traceback" not in err and option in err


# --------------------------------------------------------------------------- #
# Outputs that cannot be written: a name too long, a full disk, a full temporary folder
# --------------------------------------------------------------------------- #

_CURATION = FIXTURES / "curation"


@pytest.mark.parametrize("command", [
    ["export", "--format", "turtle", "--out", "{long}"],
    ["map", "--out", "{long}"],
    ["site", "--out", "{long}"],
    ["release", "--out", "{long}"],
    ["template", "--out", "{long}"],
    ["add", str(_CURATION / "template"), "--source", str(_CURATION / "study-text.txt"), "--out", "{long}"],
])
def test_an_output_name_too_long_is_an_output_error(tmp_path, command):
    """A file or folder name longer than the system's limit (NAME_MAX, 255 bytes): exit 8 with one
    line, and nothing written."""
    long = tmp_path / ("n" * (os.pathconf(tmp_path, "PC_NAME_MAX") + 1))
    code, _, err = run_in_process(*[a.format(long=long) for a in command])
    assert code == 8, err
    assert_one_error_line(err, "File name too long")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command, exit_code", [
    (["validate", "--only", "{long}"], 2),
    (["export", "--format", "turtle", "--data", "{long}"], 2),
    (["check-quotes", "--source", "{long}"], 2),
    (["diff", "{long}", "{long}"], 2),
    (["add", "{long}", "--source", str(_CURATION / "study-text.txt"), "--out", "{out}"], 2),
    (["query", "included-studies", "--store", "{long}"], 8),
])
def test_an_input_or_store_name_too_long_is_one_line_not_an_internal_error(tmp_path, command, exit_code):
    long = tmp_path / ("n" * (os.pathconf(tmp_path, "PC_NAME_MAX") + 1))
    code, _, err = run_in_process(*[a.format(long=long, out=tmp_path / "out") for a in command])
    assert code == exit_code, err
    assert_one_error_line(err)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a file system of 64 KiB, filled up: a small tmpfs, mounted for the test (root
    only; skipped with the reason otherwise)."""
    import subprocess

    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip() or 'mount failed'}")
    try:
        with open(folder / "filler", "wb") as filler:
            try:
                filler.write(b"\0" * 128 * 1024)
                filler.flush()
            except OSError:
                pass
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.mark.parametrize("command", [
    ["release", "--out", "{full}/release"],
    ["site", "--out", "{full}/site"],
    ["add", str(_CURATION / "template"), "--source", str(_CURATION / "study-text.txt"), "--out", "{full}/study"],
    ["export", "--format", "trig", "--out", "{full}/exitkg.trig"],
])
def test_a_full_disk_is_an_output_error_and_leaves_nothing(full_disk, command):
    code, _, err = run_in_process(*[a.format(full=full_disk) for a in command])
    assert code == 8, err
    assert_one_error_line(err, "No space left on device")
    assert [p.name for p in full_disk.iterdir()] == ["filler"]


@pytest.mark.parametrize("command", [["release", "--out", "{out}/release"], ["site", "--out", "{out}/site"]])
def test_a_file_size_limit_is_an_output_error_and_leaves_nothing(tmp_path, command):
    """The same with the process's file size limit (RLIMIT_FSIZE, SIGXFSZ ignored so that a write
    over it fails with EFBIG), which needs no privilege."""
    import resource
    import signal
    import subprocess
    import sys

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    proc = subprocess.run([sys.executable, "-m", "exitkg", *[a.format(out=tmp_path) for a in command]],
                          capture_output=True, text=True, preexec_fn=limited, cwd=FIXTURES.parent.parent)
    assert proc.returncode == 8, proc.stderr
    assert_one_error_line(proc.stderr, "File too large")
    assert list(tmp_path.iterdir()) == []


def test_a_full_temporary_folder_is_an_output_error_for_the_reasoner(full_disk):
    """``reason`` writes its input for HermiT in a temporary folder: that folder full is exit 8 with
    one line (Python itself passes over a full TMPDIR for another, so the test sets its folder)."""
    import shutil
    import subprocess
    import sys

    if not (os.environ.get("EXITKG_JAVA") or shutil.which("java")):
        pytest.skip("no Java: reason stops before its temporary folder")
    code = ("import sys, tempfile\ntempfile.tempdir = sys.argv[1]\nfrom exitkg.cli import main\n"
            "sys.exit(main(['reason']))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(full_disk)], capture_output=True, text=True,
                          cwd=FIXTURES.parent.parent)
    assert proc.returncode == 8, proc.stderr
    assert_one_error_line(proc.stderr, "No space left on device", "TMPDIR")
    assert [p.name for p in full_disk.iterdir()] == ["filler"]
