"""Strict RDF parsing and the loader: formats, terms kept as written, refusals, which graph."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import exitkg
from conftest import IO_FIXTURES
from exitkg.errors import InputError
from exitkg.graph import ONTOLOGY_GRAPH, load
from exitkg.rdfio import parse_file

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
    assert len(only) == len(load(only=[IO_FIXTURES / "valid.nt"], ontology=False)) + \
        sum(1 for _ in packaged.graph_quads(ONTOLOGY_GRAPH))


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
    ("relative_iri.ttl", "relative_iri.ttl:2:"),
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
    assert info.value.message.startswith(f"{path}:1:32: invalid UTF-8 byte 0xE9")


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
    from exitkg.graph import _read_input

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

    from exitkg.errors import OutputError

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
