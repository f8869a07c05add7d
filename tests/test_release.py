"""The ontology header is pinned, and only the release step changes its version."""

from __future__ import annotations

import shutil

import rdflib
from rdflib import OWL, URIRef
from rdflib.namespace import DCTERMS

import exitkg
from conftest import REPO_ROOT, assert_one_error_line, run_exitkg

ONTOLOGY = URIRef("https://w3id.org/exitkg/ontology")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")


def header(path):
    g = rdflib.Graph().parse(path)
    return {
        "title": str(g.value(ONTOLOGY, DCTERMS.title)),
        "creator": str(g.value(ONTOLOGY, DCTERMS.creator)),
        "license": str(g.value(ONTOLOGY, DCTERMS.license)),
        "versionInfo": str(g.value(ONTOLOGY, OWL.versionInfo)),
        "versionIRI": str(g.value(ONTOLOGY, OWL.versionIRI)),
        "prefix": str(g.value(ONTOLOGY, VANN.preferredNamespacePrefix)),
        "namespace": str(g.value(ONTOLOGY, VANN.preferredNamespaceUri)),
        "has_description": g.value(ONTOLOGY, DCTERMS.description) is not None,
        "types": set(g.objects(ONTOLOGY, rdflib.RDF.type)),
    }


def test_ontology_header_is_pinned():
    h = header(REPO_ROOT / "ontology" / "exit-factors.ttl")
    assert h == {
        "title": "Exit from sex trafficking: factors ontology",
        "creator": "exitkg developers",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "versionInfo": exitkg.__version__,
        "versionIRI": f"https://w3id.org/exitkg/ontology/{exitkg.__version__}",
        "prefix": "ekg",
        "namespace": "https://w3id.org/exitkg/ontology#",
        "has_description": True,
        "types": {OWL.Ontology},
    }


def _checkout_copy(tmp_path):
    (tmp_path / "ontology").mkdir()
    (tmp_path / "exitkg").mkdir()
    shutil.copy(REPO_ROOT / "ontology" / "exit-factors.ttl", tmp_path / "ontology")
    shutil.copy(REPO_ROOT / "exitkg" / "__init__.py", tmp_path / "exitkg")
    return tmp_path


def test_release_stamps_both_places(tmp_path):
    root = _checkout_copy(tmp_path)
    before = (root / "ontology" / "exit-factors.ttl").read_text()
    code, out, err = run_exitkg("release", "--version", "1.2.3", "--root", root)
    assert code == 0, err
    h = header(root / "ontology" / "exit-factors.ttl")
    assert h["versionInfo"] == "1.2.3"
    assert h["versionIRI"] == "https://w3id.org/exitkg/ontology/1.2.3"
    assert '__version__ = "1.2.3"' in (root / "exitkg" / "__init__.py").read_text()
    after = (root / "ontology" / "exit-factors.ttl").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 2 and len(before.splitlines()) == len(after.splitlines())


def test_release_refuses_bad_versions_and_changes_nothing(tmp_path):
    root = _checkout_copy(tmp_path)
    before = (root / "ontology" / "exit-factors.ttl").read_bytes()
    for bad in ("1.2", "v1.2.3", "1.2.3 ; ekg:x", "01.2.3"):
        code, out, err = run_exitkg("release", "--version", bad, "--root", root)
        assert code == 3
        assert_one_error_line(err, "is not of the form")
    assert (root / "ontology" / "exit-factors.ttl").read_bytes() == before


def test_release_outside_a_checkout_is_an_input_error(tmp_path):
    code, out, err = run_exitkg("release", "--version", "1.0.0", "--root", tmp_path)
    assert code == 2
    assert_one_error_line(err, "source checkout")
