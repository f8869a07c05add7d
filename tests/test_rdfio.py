"""Strict RDF loading: formats, term conversion and refusals."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from conftest import IO_FIXTURES
from exitkg.errors import InputError
from exitkg.rdfio import load_graph

EKG = "https://w3id.org/exitkg/ontology#"
A = URIRef("https://w3id.org/exitkg/id/a")
QUOTE = URIRef(EKG + "quote")


def test_turtle_terms_are_converted():
    g = load_graph(IO_FIXTURES / "valid.ttl")
    quotes = set(g.objects(A, QUOTE))
    assert Literal("plain string") in quotes            # xsd:string -> plain literal
    assert Literal("texte", lang="fr") in quotes
    assert Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")) in quotes
    assert len(g) == 7
    assert all(isinstance(o, BNode) for o in g.objects(A, URIRef(EKG + "related")))
    assert g.namespace_manager.store.namespace("ekg") == URIRef(EKG)


@pytest.mark.parametrize("name, expected", [
    ("valid.nt", 3),
    ("valid.nq", 2),
    ("valid.jsonld", 2),
    ("valid.rdf", 2),
])
def test_other_formats(name, expected):
    g = load_graph([IO_FIXTURES / name])
    assert len(g) == expected
    assert (A, QUOTE, None) in g


def test_blank_nodes_stay_distinct_between_files(tmp_path):
    one = tmp_path / "one.ttl"
    two = tmp_path / "two.ttl"
    one.write_text('_:x <https://e/p> "one" .\n', encoding="utf-8")
    two.write_text('_:x <https://e/p> "two" .\n', encoding="utf-8")
    g = load_graph([one, two])
    assert len(set(g.subjects())) == 2


def test_base_graph_receives_triples_and_is_untouched_on_error(tmp_path):
    base = Graph()
    base.add((A, QUOTE, Literal("already there")))
    load_graph([IO_FIXTURES / "valid.nt"], base_graph=base)
    assert len(base) == 4
    with pytest.raises(InputError):
        load_graph([IO_FIXTURES / "valid.ttl", IO_FIXTURES / "bad_syntax.ttl"], base_graph=base)
    assert len(base) == 4


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
        load_graph(IO_FIXTURES / name)
    assert fragment in info.value.message
    assert "\n" not in info.value.message
    assert info.value.exit_code == 2


def test_non_utf8_position(tmp_path):
    path = tmp_path / "x.ttl"
    path.write_bytes(b'<https://e/a> <https://e/b> "\xc3\xa9t\xe9" .\n')
    with pytest.raises(InputError) as info:
        load_graph(path)
    assert info.value.message.startswith(f"{path}:1:32: invalid UTF-8 byte 0xE9")


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.ttl"
    path.write_bytes(b'\xef\xbb\xbf<https://e/a> <https://e/b> "x" .\n')
    assert len(load_graph(path)) == 1


def test_no_paths():
    with pytest.raises(InputError):
        load_graph([])


def test_missing_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_graph(tmp_path / "nope.ttl")
    with pytest.raises(InputError, match="is a directory"):
        load_graph(tmp_path)
