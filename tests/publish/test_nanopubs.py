"""Findings as nanopublications (trusty URIs checked with the ``nanopub`` package) and quotes as
Web Annotations (anchors checked against the review's text)."""

from __future__ import annotations

import json
import logging
from collections import defaultdict

import pyoxigraph as ox
import pytest
import rdflib

from conftest import REVIEW_TEXT, run_in_process
from exitkg.graph.local import load
from exitkg.publish.nanopubs import NP, NP_BASE, export_nanopubs

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def graph():
    return load()


@pytest.fixture(scope="module")
def trig(graph) -> bytes:
    return export_nanopubs(graph)


def _by_nanopub(data: bytes) -> dict[str, list]:
    """Quads per nanopublication, as the nanopub package reads them (rdflib, (graph, s, p, o))."""
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format="trig")
    out: dict[str, list] = defaultdict(list)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        assert isinstance(g, rdflib.URIRef) and str(g).startswith(NP_BASE), g
        out[str(g)[len(NP_BASE):].split("#", 1)[0]].append((g, s, p, o))
    return out


def _verifies(hashstr: str, quads: list) -> bool:
    from nanopub.trustyuri.rdf import RdfHasher

    logging.getLogger("nanopub").setLevel(logging.ERROR)
    return RdfHasher.make_hash(sorted(quads), hashstr) == hashstr


def test_every_finding_is_one_nanopublication_whose_trusty_uri_verifies(graph, trig):
    findings = {r["f"].value for r in graph.store.query("SELECT ?f WHERE { ?f a <https://w3id.org/exitkg/ontology#Finding> }")}
    nanopubs = _by_nanopub(trig)
    assert len(nanopubs) == len(findings) > 0
    for hashstr, quads in nanopubs.items():
        assert hashstr.startswith("RA") and len(hashstr) == 45, hashstr
        assert _verifies(hashstr, quads), hashstr


def test_each_nanopublication_has_head_assertion_provenance_and_pubinfo(trig):
    dataset = rdflib.Dataset()
    dataset.parse(data=trig, format="trig")
    for hashstr, quads in _by_nanopub(trig).items():
        np_iri = rdflib.URIRef(NP_BASE + hashstr)
        graphs = {str(g).rsplit("#", 1)[1] for g, *_ in quads}
        assert graphs == {"Head", "assertion", "provenance", "pubinfo"}
        head = dataset.graph(rdflib.URIRef(f"{np_iri}#Head"))
        assert (np_iri, rdflib.RDF.type, rdflib.URIRef(NP + "Nanopublication")) in head
        assert (np_iri, rdflib.URIRef(NP + "hasAssertion"), rdflib.URIRef(f"{np_iri}#assertion")) in head
        provenance = dataset.graph(rdflib.URIRef(f"{np_iri}#provenance"))
        assert list(provenance.objects(rdflib.URIRef(f"{np_iri}#assertion"),
                                       rdflib.URIRef("https://w3id.org/exitkg/ontology#quote")))


def test_the_export_parses_with_a_strict_parser_and_is_stable(graph, trig):
    quads = list(ox.parse(trig, format=ox.RdfFormat.TRIG))
    assert quads
    assert export_nanopubs(graph) == trig


def test_a_changed_quote_breaks_the_trusty_uri(trig):
    hashstr, quads = next(iter(_by_nanopub(trig).items()))
    quote = rdflib.URIRef("https://w3id.org/exitkg/ontology#quote")
    tampered = [(g, s, p, rdflib.Literal(str(o) + " (edited)") if p == quote else o) for g, s, p, o in quads]
    assert _verifies(hashstr, quads)
    assert not _verifies(hashstr, tampered)


def _nanopub_objects(data: bytes):
    """Each nanopublication of a TriG document as a ``nanopub.Nanopub`` (offline: from RDF)."""
    from nanopub import Nanopub

    for hashstr, quads in _by_nanopub(data).items():
        graph = rdflib.ConjunctiveGraph()
        for g, s, p, o in quads:
            graph.get_context(g).add((s, p, o))
        yield hashstr, Nanopub(rdf=graph)


@pytest.mark.slow
def test_the_nanopub_package_accepts_every_nanopublication(trig):
    for hashstr, np in _nanopub_objects(trig):
        assert np.is_valid and np.has_valid_trusty, hashstr


def test_signed_nanopublications_verify_offline(graph, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    signed = export_nanopubs(graph, sign_key=pem)
    checked = 0
    for hashstr, np in _nanopub_objects(signed):
        assert np.has_valid_trusty and np.has_valid_signature, hashstr
        checked += 1
    assert checked == len(_by_nanopub(export_nanopubs(graph)))
    result = run_in_process("export", "--format", "nanopub", "--sign-key", tmp_path / "missing.pem")
    assert result.code == 2 and "cannot read the key" in result.stderr


def test_cli_writes_the_nanopublications(tmp_path):
    out = tmp_path / "findings.trig"
    result = run_in_process("export", "--format", "nanopub", "--out", out)
    assert result.code == 0, result.stderr
    assert _by_nanopub(out.read_bytes())


needs_text = pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="the review's text is not next to the checkout")


@needs_text
def test_annotations_anchor_every_quote_and_check_quotes_verifies_them(tmp_path):
    out = tmp_path / "anchors.jsonld"
    result = run_in_process("export", "--format", "annotations", "--source", REVIEW_TEXT, "--out", out)
    assert result.code == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    items = document["first"]["items"]
    assert len(items) == document["total"] > 0
    for item in items:
        selector = item["target"]["selector"]
        assert selector["type"] == "TextQuoteSelector" and selector["exact"]
        assert len(selector["prefix"]) <= 32 and len(selector["suffix"]) <= 32
    checked = run_in_process("check-quotes", "--source", REVIEW_TEXT, "--annotations", out)
    assert checked.code == 0, checked.stdout
    assert f"{len(items)} of {len(items)} quote anchors found" in checked.stdout

    # a selector whose prefix does not stand before its exact text is reported
    items[0]["target"]["selector"]["prefix"] = "words that are nowhere in the review"
    out.write_text(json.dumps(document), encoding="utf-8")
    checked = run_in_process("check-quotes", "--source", REVIEW_TEXT, "--annotations", out)
    assert checked.code == 1
    assert "do not occur together" in checked.stdout


def test_annotations_need_the_text():
    result = run_in_process("export", "--format", "annotations")
    assert result.code == 3 and "needs --source" in result.stderr


def test_a_language_tag_keeps_its_spelling_and_the_trusty_uri_verifies(tmp_path):
    """A quote tagged ``en-GB`` (which the store keeps as ``en-gb``) is written as the input spelled
    it, and the trusty URI, computed over that spelling, verifies with the nanopub package."""
    added = tmp_path / "tagged.nt"
    finding = "https://w3id.org/exitkg/id/finding/ferrari-2021/hickle-2017-spirituality"
    added.write_text(f'<{finding}> <https://w3id.org/exitkg/ontology#quote> "colour"@en-GB .\n', encoding="utf-8")
    data = export_nanopubs(load(data=[added]))
    assert b'"colour"@en-GB' in data and b"en-gb" not in data
    nanopubs = _by_nanopub(data)
    tagged = [h for h, quads in nanopubs.items() if any(str(o) == "colour" for _, _, _, o in quads)]
    assert len(tagged) == 1
    assert all(_verifies(hashstr, quads) for hashstr, quads in nanopubs.items())


def test_the_sources_creators_and_date_reach_provenance_and_pubinfo(tmp_path):
    """A curated source's curator (by ORCID iD) and curation date, from its own metadata; the
    packaged sources' creator, the project; the version the graph states."""
    from conftest import FIXTURES
    from exitkg.publish.release import set_version

    curation = FIXTURES / "curation"
    added = run_in_process("add", curation / "template", "--source", curation / "study-text.txt",
                       "--out", tmp_path / "fixture-2024")
    assert added.code == 0, added.stderr
    graph = load(data=[tmp_path / "fixture-2024"])
    set_version(graph, "0.2.0")
    data = export_nanopubs(graph)
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format="trig")
    dcterms, prov = rdflib.Namespace("http://purl.org/dc/terms/"), rdflib.Namespace("http://www.w3.org/ns/prov#")
    seen = set()
    for hashstr, quads in _by_nanopub(data).items():
        assert _verifies(hashstr, quads), hashstr
        np_iri = rdflib.URIRef(NP_BASE + hashstr)
        pubinfo = dataset.graph(rdflib.URIRef(f"{np_iri}#pubinfo"))
        provenance = dataset.graph(rdflib.URIRef(f"{np_iri}#provenance"))
        finding = str(pubinfo.value(np_iri, prov.wasDerivedFrom))
        creators = {str(c) for c in pubinfo.objects(np_iri, dcterms.creator)}
        attributed = {str(c) for c in provenance.objects(rdflib.URIRef(f"{np_iri}#assertion"), prov.wasAttributedTo)}
        dates = [str(d) for d in pubinfo.objects(np_iri, dcterms.created)]
        assert "version 0.2.0." in str(pubinfo.value(np_iri, rdflib.RDFS.comment))
        if "/fixture-2024/" in finding:
            assert creators == attributed == {"https://orcid.org/0000-0002-1825-0097"}
            assert dates == ["2026-11-30"]
        else:
            assert creators == attributed == {"https://w3id.org/exitkg/"}
            assert dates == []
        seen.add("/fixture-2024/" in finding)
    assert seen == {True, False}
