"""Strict RDF parsing and the loader: formats, terms kept as written, refusals, which graph."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

import exitkg
from conftest import IO_FIXTURES
from exitkg.core.errors import InputError
from exitkg.graph.local import ONTOLOGY_GRAPH, load
from exitkg.rdf.files import parse_file

EKG = "https://w3id.org/exitkg/ontology#"
A = ox.NamedNode("https://w3id.org/exitkg/id/a")
QUOTE = ox.NamedNode(EKG + "quote")


def objects(graph, subject, predicate) -> list:
    return [q.object for q in graph.store.quads_for_pattern(subject, predicate, None, ox.DefaultGraph())]


def test_turtle_terms_are_kept_as_written():
    g = load(only=[IO_FIXTURES / "valid.ttl"], ontology=False)
    quotes = set(objects(g, A, QUOTE))
    assert ox.Literal("plain string") in quotes
    assert ox.Literal("texte", language="fr") in quotes
    assert ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")) in quotes
    assert len(g) == 7
    assert all(isinstance(o, ox.BlankNode) for o in objects(g, A, ox.NamedNode(EKG + "related")))
    assert g.prefixes["ekg"] == EKG


@pytest.mark.parametrize("name, expected", [
    ("valid.nt", 3),
    ("valid.nq", 2),
    ("valid.jsonld", 2),
    ("valid.rdf", 2),
])
def test_other_formats(name, expected):
    g = load(only=[IO_FIXTURES / name], ontology=False)
    assert len(g) == expected
    assert objects(g, A, QUOTE)


def test_blank_nodes_stay_distinct_between_files(tmp_path):
    one = tmp_path / "one.ttl"
    two = tmp_path / "two.ttl"
    one.write_text('_:x <https://e/p> "one" .\n', encoding="utf-8")
    two.write_text('_:x <https://e/p> "two" .\n', encoding="utf-8")
    g = load(only=[one, two], ontology=False)
    assert len({q.subject for q in g.triples()}) == 2


def test_nothing_is_loaded_when_one_input_fails(tmp_path):
    with pytest.raises(InputError):
        load(data=[IO_FIXTURES / "valid.ttl", IO_FIXTURES / "bad_syntax.ttl"])


def test_data_adds_to_the_packaged_graph_only_replaces_it():
    packaged = load()
    added = load(data=[IO_FIXTURES / "valid.nt"])
    assert len(added) == len(packaged) + 3
    only = load(only=[IO_FIXTURES / "valid.nt"])
    assert ONTOLOGY_GRAPH in only.named_graphs()  # the ontology stays
    assert not only.sources()
    # the ontology's graph, without the contributors it states for the packaged sources (creators
    # of sources that --only leaves out)
    contributor = "http://purl.org/dc/terms/contributor"
    assert len(only) == len(load(only=[IO_FIXTURES / "valid.nt"], ontology=False)) + \
        sum(1 for q in packaged.graph_quads(ONTOLOGY_GRAPH) if q.predicate.value != contributor)


def test_a_source_folder_is_its_named_graph(tmp_path):
    folder = tmp_path / "my-source"
    folder.mkdir()
    (folder / "source.ttl").write_text(
        '<https://example.org/src> a <https://w3id.org/exitkg/ontology#Source> .\n', encoding="utf-8")
    (folder / "more.nt").write_text('<https://example.org/a> <https://example.org/p> "v" .\n', encoding="utf-8")
    g = load(data=[folder])
    assert "https://example.org/src" in g.named_graphs()
    assert sum(1 for _ in g.graph_quads("https://example.org/src")) == 2
    assert [p.kind for p in g.parts][-1] == "source"


@pytest.mark.parametrize("name, fragment", [
    ("bad_syntax.ttl", "bad_syntax.ttl:4:32: The prefix undeclared: has not been declared"),
    ("empty.ttl", "file is empty"),
    ("prefixes_only.ttl", "file contains no triples"),
    ("billion_laughs.rdf", "billion_laughs.rdf:2:1: XML DOCTYPE/ENTITY declarations are refused"),
    ("entity_only.owl", "entity_only.owl:3:3: XML DOCTYPE/ENTITY"),
    ("unsupported.n3", "N3 is not supported"),
    ("relative_iri.ttl", "relative_iri.ttl:2:1: No scheme found in an absolute IRI in '<a>'; a relative IRI needs a "
                         "base: add '@base <...> .' at the top of the file"),
    ("remote_context.jsonld", "remote JSON-LD contexts are not loaded"),
    ("bad_xml.rdf", "bad_xml.rdf:5:"),
])
def test_refusals(name, fragment):
    with pytest.raises(InputError) as info:
        parse_file(IO_FIXTURES / name)
    assert fragment in info.value.message
    assert "\n" not in info.value.message
    assert info.value.exit_code == 2


def test_non_utf8_position(tmp_path):
    path = tmp_path / "x.ttl"
    path.write_bytes(b'<https://e/a> <https://e/b> "\xc3\xa9t\xe9" .\n')
    with pytest.raises(InputError) as info:
        parse_file(path)
    assert info.value.message.startswith(f"{path}:1:32: invalid UTF-8 byte 0xE9 at byte 32 ")


@pytest.mark.parametrize("data, guess", [
    ('<https://e/a> <https://e/b> "été" .\n'.encode("latin-1"), "Windows-1252 or Latin-1"),
    ('<https://e/a> <https://e/b> "été" .\n'.encode("utf-16"), "UTF-16 (it starts with a byte-order mark)"),
    ('<https://e/a> <https://e/b> "été" .\n'.encode("utf-16-le"), "UTF-16 (every other byte is zero)"),
    ('<https://e/a> <https://e/b> "\u0081" .\n'.encode("latin-1"), "Latin-1 (ISO-8859-1)"),
])
def test_a_file_not_in_utf8_names_its_likely_encoding(tmp_path, data, guess):
    """Scenario 9: the error gives the position, the byte offset and the likely encoding."""
    path = tmp_path / "x.ttl"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        parse_file(path)
    assert f"it looks like {guess}: convert it, e.g. iconv -f " in info.value.message


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.ttl"
    path.write_bytes(b'\xef\xbb\xbf<https://e/a> <https://e/b> "x" .\n')
    assert len(parse_file(path).quads) == 1


def test_no_paths_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no input files"):
        load(only=[])
    with pytest.raises(InputError, match="holds no RDF files"):
        load(data=[tmp_path])


def test_missing_file():
    with pytest.raises(InputError, match="no such file"):
        exitkg.load(data=["/nonexistent/nope.ttl"])


def test_files_for_the_merge_only_are_bulk_loaded_and_keep_their_meaning(tmp_path):
    """A file that declares no source (case records, other data) goes to the merge through
    Oxigraph's bulk loader, never as Python objects: same triples, blank nodes still distinct
    between files, its triple count kept; a file declaring a source still gets its named graph."""
    from exitkg.graph.local import _read_input

    first, second = tmp_path / "a.nt", tmp_path / "b.ttl"
    first.write_text('_:b0 <urn:p> "1" .\n<urn:s> <urn:p> "x" .\n', encoding="utf-8")
    second.write_text('@prefix ex: <urn:ex:> .\n_:b0 <urn:p> "2" .\n', encoding="utf-8")
    assert _read_input(first).bulk and _read_input(second).bulk
    graph = load(only=[first, second], ontology=False)
    rows = graph.run('SELECT ?s ?o WHERE { ?s <urn:p> ?o FILTER(isBLANK(?s)) }').rows
    assert len({r["s"] for r in rows}) == 2
    assert [p.triples for p in graph.parts] == [2, 1]
    assert graph.prefixes.get("ex") == "urn:ex:"
    assert not graph.named_graphs()
    source = tmp_path / "src.ttl"
    source.write_text("<https://w3id.org/exitkg/id/source/x> a <https://w3id.org/exitkg/ontology#Source> .\n",
                      encoding="utf-8")
    assert not _read_input(source).bulk
    assert "https://w3id.org/exitkg/id/source/x" in load(only=[source], ontology=False).named_graphs()


def test_a_stored_graph_is_loaded_once_and_reloaded_when_an_input_changes(tmp_path):
    """load(store=DIR) keeps the graph on disk: the same inputs open it without loading (a changed
    input file is seen and loads again); a folder holding other files is refused."""
    import os

    from exitkg.core.errors import OutputError

    extra = tmp_path / "extra.nt"
    extra.write_text('<urn:s> <urn:p> "1" .\n', encoding="utf-8")
    folder = tmp_path / "store"
    first = load(data=[extra], store=folder)
    expected = len(load(data=[extra], describe=True))
    assert len(first) == expected
    del first
    stamp = (folder / "oxigraph").stat().st_ino
    again = load(data=[extra], store=folder)
    assert len(again) == expected and (folder / "oxigraph").stat().st_ino == stamp   # opened, not rebuilt
    assert again.run('ASK { <urn:s> <urn:p> "1" }').boolean
    del again
    extra.write_text('<urn:s> <urn:p> "2" .\n', encoding="utf-8")
    os.utime(extra, ns=(1, 1))
    changed = load(data=[extra], store=folder)
    assert changed.run('ASK { <urn:s> <urn:p> "2" }').boolean and not changed.run('ASK { <urn:s> <urn:p> "1" }').boolean
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError):
        load(store=other)
    assert (other / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_query_with_a_store_from_the_command_line(tmp_path):
    from conftest import run_exitkg

    folder = tmp_path / "store"
    first = run_exitkg("query", "included-studies", "--format", "csv", "--store", folder)
    assert first.code == 0, first.stderr
    second = run_exitkg("query", "included-studies", "--format", "csv", "--store", folder)
    assert second.code == 0 and second.stdout == first.stdout
    assert first.stdout == run_exitkg("query", "included-studies", "--format", "csv").stdout
    assert run_exitkg("query", "included-studies", "--store", folder, "--endpoint", "http://127.0.0.1:9/q").code == 3


def test_the_store_lock_writes_nothing_into_a_folder_refused_or_left_by_a_failed_load(tmp_path):
    """``--store DIR`` locks DIR itself, so it writes nothing into a folder it refuses (one holding
    other files), a first load that fails leaves no folder behind, and a store holds only what it
    needs; two runs at once on a new folder still build it once, and both answer."""
    import subprocess
    import sys

    from conftest import REPO_ROOT, run_exitkg

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run_exitkg("query", "included-studies", "--store", other)
    assert result.code == 8 and "holds other files" in result.stderr
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    bad = tmp_path / "bad.ttl"
    bad.write_text("not turtle\n", encoding="utf-8")
    failed = tmp_path / "failed"
    assert run_exitkg("query", "included-studies", "--only", bad, "--store", failed).code == 2
    assert not failed.exists()
    store = tmp_path / "store"
    runs = [subprocess.Popen([sys.executable, "-m", "exitkg", "query", "included-studies", "--format", "csv",
                              "--store", str(store)], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    answers = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], answers
    assert answers[0][0] == answers[1][0] != ""
    assert sorted(p.name for p in store.iterdir()) == ["exitkg-store.json", "oxigraph"]


# --------------------------------------------------------------------------------------------- #
# Typed literals come out as they went in
# --------------------------------------------------------------------------------------------- #

XSD = "http://www.w3.org/2001/XMLSchema#"
#: lexical forms and datatypes Oxigraph's store keeps in another form (each on a property of its own)
NON_CANONICAL = [("01", "integer"), ("1e400", "double"), ("1.0E0", "double"), ("+1", "int"), ("7", "long"),
                 ("1.50", "decimal"), ("1", "boolean"), ("2024-01-01T00:00:00+00:00", "dateTime"),
                 ("2024-01-01T00:00:00.000Z", "dateTime"), ("P12M", "duration"), ("300", "byte"),
                 ("0", "nonNegativeInteger")]


def _typed_file(folder):
    lines = ["@prefix ex: <http://example.org/> .", "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    lines += [f'ex:s ex:p{i} "{value}"^^xsd:{datatype} .' for i, (value, datatype) in enumerate(NON_CANONICAL)]
    path = folder / "typed.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _typed_values(triples) -> dict:
    return {int(t.predicate.value.rsplit("p", 1)[1]): (t.object.value, t.object.datatype.value[len(XSD):])
            for t in triples if t.subject.value == "http://example.org/s" and t.predicate.value.startswith("http://example.org/p")}


@pytest.mark.parametrize("fmt, ext", [("turtle", "ttl"), ("ntriples", "nt"), ("jsonld", "jsonld"), ("rdfxml", "rdf"),
                                      ("trig", "trig"), ("nquads", "nq")])
def test_typed_literals_come_out_of_every_export_as_written(tmp_path, fmt, ext):
    """Oxigraph keeps "01"^^xsd:integer as "1" and "1"^^xsd:int as xsd:integer; every export
    writes the input's own form back (no "INF" for 1e400, no xsd:integer for xsd:byte)."""
    from conftest import run_in_process

    data = _typed_file(tmp_path)
    out = tmp_path / f"out.{ext}"
    code, _, err = run_in_process("export", "--only", data, "--format", fmt, "--out", out)
    assert code == 0, err
    expected = dict(enumerate(NON_CANONICAL))
    assert _typed_values(ox.parse(path=str(out))) == expected


def test_queries_see_values_and_the_store_form_is_documented(tmp_path):
    graph = load(only=[_typed_file(tmp_path)], ontology=False)
    row = graph.run('SELECT ?o WHERE { <http://example.org/s> <http://example.org/p0> ?o }').rows[0]
    assert row["o"].value == "1"  # the store's form, which SPARQL answers show
    assert _typed_values(graph.triples())[0] == ("01", "integer")


def test_the_ontology_keeps_its_cardinality_datatype():
    """owl:maxCardinality must be an xsd:nonNegativeInteger (OWL 2); the store would say xsd:integer."""
    graph = load()
    cardinalities = {q.object.datatype.value for q in graph.graph_quads(ONTOLOGY_GRAPH)
                     if q.predicate.value.endswith("#maxCardinality")}
    assert cardinalities == {XSD + "nonNegativeInteger"}


#: literals with language tags spelled with capitals, in each input format
_TAGGED = {
    "ttl": '@prefix ex: <http://example.org/> .\nex:a ex:label "colour"@en-GB , "color"@en-US , "plain"@fr , '
           '"say \\"@en-GB\\""@en-GB .\n',
    "nt": '<http://example.org/a> <http://example.org/label> "colour"@en-GB .\n'
          '<http://example.org/a> <http://example.org/label> "color"@en-US .\n'
          '<http://example.org/a> <http://example.org/label> "plain"@fr .\n',
    "jsonld": json.dumps({"@id": "http://example.org/a", "http://example.org/label": [
        {"@value": "colour", "@language": "en-GB"}, {"@value": "color", "@language": "en-US"},
        {"@value": "plain", "@language": "fr"}]}),
    "rdf": '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           'xmlns:ex="http://example.org/">\n<rdf:Description rdf:about="http://example.org/a">\n'
           '<ex:label xml:lang="en-GB">colour</ex:label><ex:label xml:lang="en-US">color</ex:label>'
           '<ex:label xml:lang="fr">plain</ex:label>\n</rdf:Description>\n</rdf:RDF>\n',
}
_SPELLINGS = {"en-GB": "colour", "en-US": "color", "fr": "plain"}


@pytest.mark.parametrize("source", sorted(_TAGGED))
def test_language_tags_come_out_of_every_export_as_written(tmp_path, source):
    """Scenario 21: Oxigraph keeps language tags in lower case; every export spells them as the
    input did (en-GB, not en-gb), and an export read back keeps those spellings."""
    from exitkg.publish.export import export_rdf

    data = tmp_path / f"tagged.{source}"
    data.write_text(_TAGGED[source], encoding="utf-8")
    graph = load(only=[data], ontology=False)
    assert graph.tags == {"en-gb": "en-GB", "en-us": "en-US"}
    for fmt, ext in [("turtle", "ttl"), ("ntriples", "nt"), ("jsonld", "jsonld"), ("rdfxml", "rdf"),
                     ("trig", "trig"), ("nquads", "nq")]:
        out = export_rdf(fmt, graph)
        for tag in ("en-GB", "en-US"):
            assert tag.encode() in out and tag.lower().encode() not in out, (fmt, tag)
        assert {(t.object.value, t.object.language) for t in ox.parse(out, format=ox.RdfFormat.from_extension(ext))
                if t.subject.value == "http://example.org/a"} >= {(v, k.lower()) for k, v in _SPELLINGS.items()}
        again = tmp_path / f"again.{ext}"
        again.write_bytes(out)
        assert load(only=[again], ontology=False).tags == graph.tags, fmt  # read back, spelled the same


def test_language_tags_are_kept_by_a_store_folder(tmp_path):
    from exitkg.publish.export import export_rdf

    data = tmp_path / "tagged.ttl"
    data.write_text(_TAGGED["ttl"], encoding="utf-8")
    first = export_rdf("ntriples", load(only=[data], ontology=False, store=tmp_path / "store"))
    reopened = load(only=[data], ontology=False, store=tmp_path / "store")
    assert reopened.tags == {"en-gb": "en-GB", "en-us": "en-US"}
    assert export_rdf("ntriples", reopened) == first and b'"colour"@en-GB' in first


@pytest.mark.parametrize("written, error, note, kept", [
    ('@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\nex:a ex:n "01"^^xsd:integer .\nex:b ex:n 1 .\n',
     '"01"^^xsd:integer and "1"^^xsd:integer', "1 value written in two forms, kept in the store's canonical form",
     '<http://example.org/a> <http://example.org/n> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'),
    ('ex:a ex:label "colour"@en-GB .\nex:b ex:label "tea"@en-gb .\n',
     "the language tags en-GB and en-gb are one tag", "1 language tag written in two forms, kept in lower case",
     '<http://example.org/a> <http://example.org/label> "colour"@en-gb .'),
])
def test_one_value_in_two_forms_stops_unless_normalized(tmp_path, written, error, note, kept):
    """A value the store keeps once (an integer, a language tag) written in two forms: exit 2,
    unless --normalize-literals keeps the store's form and says so."""
    from conftest import assert_one_error_line, run_in_process

    data = tmp_path / "two.ttl"
    data.write_text("@prefix ex: <http://example.org/> .\n" + written, encoding="utf-8")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples")
    assert (code, out) == (2, "")
    assert_one_error_line(err, error, "--normalize-literals")
    code, out, err = run_in_process("export", "--only", data, "--format", "ntriples", "--normalize-literals")
    assert code == 0
    assert err.splitlines() == [f"exitkg: note: {note} (--normalize-literals)"]
    assert kept in out


def test_ill_typed_literals_are_loaded_named_and_reported_by_validate(tmp_path):
    from conftest import run_in_process

    data = tmp_path / "ill.ttl"
    data.write_text('@prefix ekg: <https://w3id.org/exitkg/ontology#> .\n'
                    '<https://w3id.org/exitkg/id/selection/ferrari-2021/found> ekg:recordCount "many"^^'
                    '<http://www.w3.org/2001/XMLSchema#integer> .\n', encoding="utf-8")
    code, out, err = run_in_process("validate", "--data", data, "--format", "json")
    assert code == 1
    assert err.splitlines() == [f'exitkg: note: {data}: 1 ill-typed literal, loaded as written ("many"^^xsd:integer)']
    results = json.loads(out)["results"]
    assert any(r["value"] == '"many"^^<http://www.w3.org/2001/XMLSchema#integer>' and r["path"].endswith("recordCount")
               and r["component"].endswith("#DatatypeConstraintComponent") for r in results)


@pytest.mark.parametrize("literal, shown", [
    ('"abc"^^<http://www.w3.org/2001/XMLSchema#integer>', '"abc"^^xsd:integer'),
    ('"2024-13-45"^^<http://www.w3.org/2001/XMLSchema#date>', '"2024-13-45"^^xsd:date'),
    ('"300"^^<http://www.w3.org/2001/XMLSchema#byte>', '"300"^^xsd:byte'),
    ('"maybe"^^<http://www.w3.org/2001/XMLSchema#boolean>', '"maybe"^^xsd:boolean'),
])
def test_each_kind_of_ill_typed_literal_is_loaded_as_written_and_named(tmp_path, literal, shown):
    """Scenario 20: out of its lexical space, out of range, or not a value at all: loaded as
    written (RDF 1.1 allows it), named in a note, exported unchanged."""
    data = tmp_path / "ill.nt"
    data.write_text(f"<http://example.org/s> <http://example.org/p> {literal} .\n", encoding="utf-8")
    parsed = parse_file(data)
    assert parsed.notes == (f"{data}: 1 ill-typed literal, loaded as written ({shown})",)
    graph = load(only=[data], ontology=False)
    assert [str(q.object) for q in graph.triples()] == [literal]


def test_a_stored_graph_keeps_the_forms_to_restore(tmp_path):
    data = _typed_file(tmp_path)
    first = load(only=[data], ontology=False, store=tmp_path / "store")
    again = load(only=[data], ontology=False, store=tmp_path / "store")
    assert _typed_values(first.triples()) == _typed_values(again.triples()) == dict(enumerate(NON_CANONICAL))


def test_runs_at_once_on_one_new_store_all_answer(tmp_path):
    """Before, of three first runs on one store folder two failed at once ('the folder holds other
    files'); now the others wait for the first and open what it built."""
    import subprocess
    import sys

    from conftest import REPO_ROOT

    store = tmp_path / "store"
    runs = [subprocess.Popen([sys.executable, "-m", "exitkg", "query", "included-studies", "--format", "csv",
                              "--store", str(store)], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(3)]
    results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0, 0], [err for _, _, err in results]
    assert len({out for _, out, _ in results}) == 1


def test_a_reader_keeps_its_graph_while_another_run_rebuilds_the_store(tmp_path):
    """Scenario 36: a graph opened from a store keeps answering, with what it opened, while
    another process rebuilds that store for other inputs; the next open sees the new graph."""
    import subprocess
    import sys

    first = tmp_path / "first.nt"
    first.write_text("".join(f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(5000)),
                     encoding="utf-8")
    second = tmp_path / "second.nt"
    second.write_text('<http://example.org/other> <http://example.org/p> "x" .\n', encoding="utf-8")
    store = tmp_path / "store"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/p> ?o }"
    reader = load(only=[first], ontology=False, store=store)
    assert reader.run(count).rows[0]["n"].value == "5000"
    code = ("import sys\nfrom exitkg.graph.local import load\n"
            "g = load(only=[sys.argv[1]], ontology=False, store=sys.argv[2])\n"
            "print(g.run('" + count + "').rows[0]['n'].value)\n")
    rebuilt = subprocess.run([sys.executable, "-c", code, str(second), str(store)], capture_output=True, text=True,
                             timeout=120)
    assert rebuilt.returncode == 0 and rebuilt.stdout.strip() == "1", rebuilt.stderr
    assert reader.run(count).rows[0]["n"].value == "5000"  # still the graph it opened
    assert sum(1 for _ in reader.triples()) == len(reader)
    del reader
    assert load(only=[second], ontology=False, store=store).run(count).rows[0]["n"].value == "1"


@pytest.mark.parametrize("name, content, fragment", [
    # scenario 2: unterminated strings point at the opening quote's line
    ("unterminated.ttl", '@prefix e: <http://example.org/> .\ne:a e:p "never closed .\ne:b e:p "x" .\n', "unterminated.ttl:2:"),
    ("unterminated_long.ttl", '@prefix e: <http://example.org/> .\ne:a e:p """never\nclosed .\n', "unterminated_long.ttl:2:"),
    # scenario 4: W3C negative syntax
    ("literal_subject.ttl", '"s" <http://example.org/p> "o" .\n', "literal_subject.ttl:1:"),
    ("literal_predicate.nt", '<http://example.org/s> "p" "o" .\n', "literal_predicate.nt:1:"),
    ("blank_predicate.ttl", '<http://example.org/s> _:p "o" .\n', "blank_predicate.ttl:1:"),
    ("bad_escape.ttl", '<http://example.org/s> <http://example.org/p> "a\\qb" .\n', "bad_escape.ttl:1:"),
    ("n3_path.ttl", '@prefix e: <http://example.org/> .\ne:a!e:p e:q "o" .\n', "n3_path.ttl:2:"),
    # scenario 11: invalid JSON, and JSON-LD that is a scalar or an array of scalars
    ("truncated.jsonld", '{"@id": "http://example.org/a", "http://example.org/p": "x"', "truncated.jsonld:1:"),
    ("scalar.jsonld", "42", "scalar.jsonld"),
    ("scalars.jsonld", "[1, 2, 3]", "scalars.jsonld"),
])
def test_bad_syntax_is_refused_with_its_position(tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_file(path)
    assert fragment in info.value.message
    assert "\n" not in info.value.message


def test_a_relative_iri_in_rdfxml_gets_the_same_hint(tmp_path):
    path = tmp_path / "relative.rdf"
    path.write_text('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                    'xmlns:e="http://example.org/"><rdf:Description rdf:about="a"><e:p>x</e:p></rdf:Description>'
                    '</rdf:RDF>\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_file(path)
    assert "No scheme found in an absolute IRI" in info.value.message
    assert "a relative IRI needs a base: add xml:base to the rdf:RDF element" in info.value.message


def test_repair_iris_changes_only_iris_and_places_each_change():
    from exitkg.rdf.files import repair_iris

    text = ('@prefix ex: <http://example.org/> .\n'
            '# a comment <http://example.org/not an iri>\n'
            '<http://example.org/a b> ex:p "a <http://example.org/c d> string" , <http://example.org/{x}> ;\n'
            '    ex:q <http://example.org/ok\\u0041> , """long\n<http://example.org/e f> """ ;\n'
            '    ex:r <http://example.org/g|h> .\n')
    repaired, changes = repair_iris(text)
    assert changes == [(3, 1, "http://example.org/a b", "http://example.org/a%20b"),
                       (3, 69, "http://example.org/{x}", "http://example.org/%7Bx%7D"),
                       (6, 10, "http://example.org/g|h", "http://example.org/g%7Ch")]
    assert repaired == (text.replace("<http://example.org/a b>", "<http://example.org/a%20b>")
                        .replace("{x}", "%7Bx%7D").replace("g|h", "g%7Ch"))
    assert repair_iris("<< <http://example.org/a> <http://example.org/p> <http://example.org/b> >> .") == (
        "<< <http://example.org/a> <http://example.org/p> <http://example.org/b> >> .", [])
    assert repair_iris("<http://example.org/a b\n") == ("<http://example.org/a b\n", [])  # no >: the parser says


_P = "<http://example.org/p>"
_SOURCE = "<https://w3id.org/exitkg/ontology#Source>"
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@pytest.mark.parametrize("name, content", [
    ("plain.nt", f'<urn:a> {_P} <urn:b> .\n<urn:a> {_P} "x" .\n<urn:a> {_P} "x" .\n'),
    ("layout.nt", f'# a comment\n\n  <urn:a> {_P} <urn:b> . # after\n\t_:b {_P} "y"@en .\n   \n#end'),
    ("no_final_newline.nt", f'<urn:a> {_P} "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'),
    ("crlf.nt", f'<urn:a> {_P} "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\r\n\r\n<urn:a> {_P} <urn:c> .\r\n'),
    ("bare_cr.nt", f'<urn:a> {_P} "+5"^^<http://www.w3.org/2001/XMLSchema#integer> .\r<urn:a> {_P} <urn:c> .\r'),
    ("typed.nt", f'<urn:a> {_P} "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                 f'<urn:a> {_P} "abc"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                 f'<urn:a> {_P} "1e400" ^^ <http://www.w3.org/2001/XMLSchema#double> .\n'
                 f'<urn:a> {_P} "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n'
                 f'<urn:a> {_P} "a\\"^^<x> in a string" .\n'),
    ("sources.nt", f'<urn:s1> {_TYPE} {_SOURCE} .\n'
                   f'<urn:s2> {_TYPE} <https://w3id.org/exitkg/ontology#\\u0053ource> .\n'),
    ("unicode.nt", f'<http://example.org/caf\u0065\u0301> {_P} "caf\u00e9" .\n<urn:a> {_P} <http://example.org/caf\u00e9> .\n'),
    ("bom.nt", f'\ufeff<urn:a> {_P} "1"^^<http://www.w3.org/2001/XMLSchema#int> .\n'),
    ("quads.nq", f'<urn:a> {_P} "02"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:g> .\n<urn:a> {_P} <urn:b> .\n'),
    ("comments_only.nt", "# nothing\n\n"),
    ("triple_term.nt", f'<urn:a> {_P} <<( <urn:a> {_P} <urn:b> )>> .\n'),
    ("turtle_inside.nt", '@prefix e: <http://example.org/> .\ne:a e:p "x" .\n'),
    ("turtle_lines.nt", f'<urn:a> {_P} <urn:b> ; {_P} <urn:c> .\n<urn:a> a <urn:C> .\n'),
    ("bad_needed_line.nt", f'<urn:a> {_P} <urn:b> .\n<urn:a> {_P} "1"^^<urn:dt .\n'),
    ("typed_forms.nq", f'_:b1 {_P} "07"^^<http://www.w3.org/2001/XMLSchema#integer> _:g.1 .\n'
                       f'<urn:a>{_P}"2"^^<http://www.w3.org/2001/XMLSchema#integer><urn:g>.\n'
                       f'\t<urn:a> {_P} "x"^^<http://www.w3.org/2001/XMLSchema#string> . # "9"^^<urn:dt>\n'
                       f'<urn:a> {_P} <urn:b> . # a comment with "1"^^<urn:dt>\n'
                       f'<urn:a> {_P} "2020-02-30"^^<http://www.w3.org/2001/XMLSchema#date> .\n'),
    ("typed_brace.nt", f'<urn:a> {_P} "1"^^<http://example.org/{{dt}}> .\n'),
    ("typed_layouts.nt", f'<urn:a> {_P} "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                         f'{_SOURCE} {_P} "02"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                         f'<urn:a> {_P} "caf\u00e9"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
                         f'<urn:a> {_P} "3\\u0030"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                         f'<urn:a^^b> {_P} "04"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'),
    ("xml_like.nt", '<?xml version="1.0"?>\n<!DOCTYPE rdf>\n<rdf:RDF/>\n'),
    ("tags.nt", f'<urn:a> {_P} "x"@en-GB .\n<urn:a> {_P} "y"@en-gb .\n<urn:a> {_P} "caf\u00e9"@FR .\n'),
    ("unicode_far.nt", "".join(f'<urn:a{i}> {_P} <urn:b> .\n' for i in range(3000))
     + f'<http://example.org/caf\u0065\u0301> {_P} "x" .\n' + "".join(f'<urn:c{i}> {_P} <urn:b> .\n' for i in range(3000))
     + f'<urn:a> {_P} <http://example.org/caf\u00e9> .'),
])
def test_a_line_format_checked_by_line_gives_what_the_whole_check_gives(tmp_path, name, content):
    """N-Triples and N-Quads, one statement per line, are checked by line before a bulk load (the
    statements counted from the lines, only the lines that matter parsed): the same count, sources,
    typed literals, forms to restore, notes and errors as a parse of every statement (an error on
    a line not parsed is met by the bulk loader, and then named as the whole check names it)."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))

    def outcome(**options):  # the check's result, or the error of the check or of the load after it
        try:
            parsed = parse_file(path, keep=False, **options)
            load(only=[path], ontology=False, allow_empty=options.get("allow_empty", False))
            return parsed
        except InputError as exc:
            return exc.message

    by_line, whole = outcome(), outcome(whole=True)
    assert by_line == whole
    by_line, whole = outcome(allow_empty=True), outcome(allow_empty=True, whole=True)
    assert by_line == whole


def test_the_check_by_line_reads_a_typed_literal_with_a_pattern_as_the_parser_reads_it():
    """A line needed for its typed literal alone is read by a pattern, not by the parser: the same
    (predicate, lexical form, datatype) as the parser's, or None (then the parser reads the lines)."""
    import pyoxigraph as ox

    from exitkg.rdf.files import _typed_in_lines

    xsd = "http://www.w3.org/2001/XMLSchema#"
    lines = [f'<urn:a> {_P} "01"^^<{xsd}integer> .', f'_:b {_P} "1.50"^^<{xsd}decimal> <urn:g> .',
             f'<urn:a>{_P}"x y"^^<{xsd}string>.', f'  <urn:a> {_P} "true"^^<{xsd}boolean> .  # "2"^^<{xsd}int>',
             f'<urn:a> {_P} "2"^^<{xsd}int> _:g.1 .\r']
    parsed = [(q.predicate.value, q.object.value, q.object.datatype.value)
              for q in ox.parse("\n".join(lines), format=ox.RdfFormat.N_QUADS)]
    assert _typed_in_lines(lines) == parsed
    for other in (f'<urn:a> {_P} "a^^b" .', f'<urn:a> {_P} <urn:b> . # "1"^^<{xsd}integer>',
                  f'<urn:a> {_P} "1"^^<{xsd}integer> . <urn:a> {_P} "2"^^<{xsd}integer> .'):
        assert _typed_in_lines([*lines, other]) is None


def test_an_error_only_the_bulk_loader_meets_is_named_with_its_position(tmp_path):
    """A line the check by line does not parse is read by the bulk loader alone; its error is
    still named with the file's line and column, and nothing is loaded."""
    from conftest import run_in_process

    path = tmp_path / "cases.nt"
    path.write_text('<urn:a> <urn:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
                    '<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> .\n', encoding="utf-8")
    assert parse_file(path, keep=False).count == 3  # checked by line: the bad line is not parsed here
    with pytest.raises(InputError) as info:
        load(only=[path], ontology=False)
    assert info.value.message.startswith(f"{path}:3:")
    code, out, err = run_in_process("query", "dataset-description", "--only", path)
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [f"exitkg: error: {info.value.message}"]


@pytest.mark.parametrize("bad, where", [
    (b'<urn:a> <urn:p> "1"^^<urn:dt .', ":40001:"),  # a needed line (typed literal) that does not parse
    (b'<urn:a> <urn:p> .', ":40001:"),  # a line the check does not parse: the bulk loader meets it
    ('<urn:a> <urn:p> "caf\u00e9" .'.encode("cp1252"), ":40001:21: invalid UTF-8 byte 0xE9"),
])
def test_a_bad_line_deep_in_a_large_file_is_named_with_its_line(tmp_path, bad, where):
    """The check by line reads the file's bytes and decodes only the lines it needs: a bad line
    far into a large file (after lines of typed literals, non-ASCII text and a language tag) is
    still named with its line, and a byte that is not UTF-8 as the whole check names it."""
    good = ('<urn:a{0}> <urn:p> "{0}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
            '<urn:a{0}> <urn:q> "caf\u00e9 {0}"@en-GB .\n').format
    before, pairs = 20000, 20100  # the bad line follows `before` pairs of good lines: line 2 * before + 1
    path = tmp_path / "large.nt"
    path.write_bytes("".join(good(i) for i in range(before)).encode("utf-8") + bad + b"\n"
                     + "".join(good(i) for i in range(before, pairs)).encode("utf-8"))
    with pytest.raises(InputError) as info:
        load(only=[path], ontology=False)
    assert info.value.message.startswith(str(path) + ":")
    assert where in info.value.message
    path.write_bytes(path.read_bytes().replace(bad + b"\n", b""))
    parsed = parse_file(path, keep=False)
    assert parsed == parse_file(path, keep=False, whole=True)
    assert (parsed.count, len(parsed.typed), parsed.tags) == (2 * pairs, pairs, frozenset({"en-GB"}))
    assert len(load(only=[path], ontology=False)) == 2 * pairs


def test_the_store_keeps_as_written_what_the_loader_does_not_store_to_check():
    """The loader takes unsigned and negative integers without leading zeros, and the booleans,
    as kept by the store as written; a raw store confirms it for samples of each, and a value
    outside the patterns is still stored to check."""
    from exitkg.rdf.files import XSD_NS, _kept_as_written, stored_forms

    samples = [("0", "integer"), ("7", "integer"), ("-7", "integer"), ("123456789012345678", "integer"),
               ("-999999999999999999", "integer"), ("true", "boolean"), ("false", "boolean")]
    store = ox.Store()
    for i, (value, datatype) in enumerate(samples):
        assert _kept_as_written(value, XSD_NS + datatype)
        store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"),
                          ox.Literal(value, datatype=ox.NamedNode(XSD_NS + datatype))))
    kept = {(q.object.value, q.object.datatype.value[len(XSD_NS):]) for q in store}
    assert kept == set(samples)
    others = [("01", "integer"), ("+1", "integer"), ("-0", "integer"), ("1234567890123456789", "integer"),
              ("1", "boolean"), ("1", "int")]
    assert not any(_kept_as_written(value, XSD_NS + datatype) for value, datatype in others)
    assert set(stored_forms({(v, XSD_NS + d) for v, d in others})) >= {(v, XSD_NS + d) for v, d in others[:3]}


@pytest.mark.parametrize("datatype, good, bad", [
    ("date", ["2020-02-29", "2000-02-29", "0000-02-29", "2021-01-01Z", "2021-01-01+14:00", "-0001-01-01",
              "12021-01-01"],
     ["2021-02-29", "1900-02-29", "2021-04-31", "2021-01-01+14:30", "21-01-01", "2021-1-01", " 2021-01-01",
      "2021-01-01T00:00"]),
    ("gYearMonth", ["2021-12", "2021-05Z", "2021-05+01:00", "0000-05", "-0044-03"], ["2021-00", "2021-13", "21-05"]),
    ("nonNegativeInteger", ["0", "+5", "-0", "007"], ["-1", "abc", " 5", "1.0"]),
])
def test_the_lexical_spaces_checked_without_rdflib_follow_xsd(datatype, good, bad):
    """The datatypes of the packaged graph are checked by pattern (XSD 1.1: a time zone up to
    14:00, a real day of the month, year 0 a leap year), so reading the graph needs no rdflib."""
    from exitkg.rdf.files import XSD_NS, ill_typed

    iri = XSD_NS + datatype
    assert ill_typed([(v, iri) for v in good + bad]) == sorted((v, iri) for v in bad)


def test_reading_the_packaged_graph_and_its_report_need_no_rdflib():
    """rdflib takes a third of a second to import: reading the packaged graph and running its
    report (queries with bound parameters) never import it."""
    import subprocess
    import sys

    code = ("import contextlib, io, sys; from exitkg.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): code = main(['report'])\n"
            "print(code, 'rdflib' in sys.modules, file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr.splitlines()[-1] == "0 False"
