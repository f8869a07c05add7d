"""Releases: the version has one place, and a release is built from the sources into a new folder
without changing any of them."""

from __future__ import annotations

import csv
import hashlib
import subprocess

import pyoxigraph as ox
import pytest
import rdflib
import yaml
from rdflib import OWL, URIRef
from rdflib.namespace import DCTERMS

import exitkg
from conftest import REPO_ROOT, assert_one_error_line, run_exitkg, sha256_tree
from exitkg.graph.local import load

ONTOLOGY = URIRef("https://w3id.org/exitkg/ontology")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
SOURCES = ("ontology", "shapes", "data", "queries", "mappings", "exitkg", "CITATION.cff", "pyproject.toml")


def test_ontology_header_is_pinned_and_carries_no_version():
    g = rdflib.Graph().parse(REPO_ROOT / "ontology" / "exit-factors.ttl")
    assert str(g.value(ONTOLOGY, DCTERMS.title)) == "Exit from sex trafficking: factors ontology"
    assert str(g.value(ONTOLOGY, DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert str(g.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "ekg"
    assert g.value(ONTOLOGY, OWL.versionInfo) is None and g.value(ONTOLOGY, OWL.versionIRI) is None


def test_loading_adds_the_version_from_its_one_place():
    rows = load().run("""PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?info ?iri WHERE { <https://w3id.org/exitkg/ontology> owl:versionInfo ?info ; owl:versionIRI ?iri }""")
    assert [(r["info"].value, r["iri"].value) for r in rows.rows] == [
        (exitkg.__version__, f"https://w3id.org/exitkg/ontology/{exitkg.__version__}")]


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    before = sha256_tree(*(REPO_ROOT / name for name in SOURCES))
    status = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    result = run_exitkg("release", "--out", root / "first")
    assert result.code == 0, result.stderr
    assert sha256_tree(*(REPO_ROOT / name for name in SOURCES)) == before, "a release changed a source file"
    after = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    assert after == status
    return root


def test_release_files_parse_and_name_one_graph_per_source(release):
    folder = release / "first"
    for name, fmt in (("exitkg.ttl", ox.RdfFormat.TURTLE), ("exitkg.nt", ox.RdfFormat.N_TRIPLES),
                      ("exitkg.rdf", ox.RdfFormat.RDF_XML), ("exitkg.jsonld", ox.RdfFormat.JSON_LD),
                      ("ontology/exit-factors.ttl", ox.RdfFormat.TURTLE),
                      ("ontology/exit-factors.owl", ox.RdfFormat.RDF_XML), ("void.ttl", ox.RdfFormat.TURTLE),
                      ("queries.ttl", ox.RdfFormat.TURTLE), ("findings.nanopub.trig", ox.RdfFormat.TRIG)):
        assert list(ox.parse(path=folder / name, format=fmt)), name
    graphs = {q.graph_name.value for q in ox.parse(path=folder / "exitkg.trig", format=ox.RdfFormat.TRIG)
              if isinstance(q.graph_name, ox.NamedNode)}
    assert set(load().sources()) <= graphs
    nq = {q.graph_name.value for q in ox.parse(path=folder / "exitkg.nq", format=ox.RdfFormat.N_QUADS)
          if isinstance(q.graph_name, ox.NamedNode)}
    assert nq == graphs
    ontology = rdflib.Graph().parse(folder / "ontology" / "exit-factors.ttl")
    assert str(ontology.value(ONTOLOGY, OWL.versionIRI)) == f"https://w3id.org/exitkg/ontology/{exitkg.__version__}"
    for table in ("studies.csv", "factors.csv", "findings.csv"):
        with open(folder / "tables" / table, newline="", encoding="utf-8") as f:
            assert len(list(csv.reader(f))) > 1
    assert (folder / "mappings" / "exit-factors-to-case-data.sssom.tsv").read_text().startswith("#")
    citation = yaml.safe_load((folder / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == exitkg.__version__ and citation["cff-version"] == "1.2.0"
    assert "first release" in (folder / "CHANGES.md").read_text()


def test_checksums_cover_every_file(release):
    folder = release / "first"
    listed = {}
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest


def test_change_log_from_the_previous_release(release, tmp_path):
    second = tmp_path / "second"
    result = run_exitkg("release", "--out", second, "--previous", release / "first",
                        "--data", REPO_ROOT / "tests" / "fixtures" / "sources" / "second-review")
    assert result.code == 0, result.stderr
    changes = (second / "CHANGES.md").read_text()
    assert changes.startswith(f"# Changes: `first` to `release {exitkg.__version__}`")
    assert "## Studies and findings" in changes or "## Factors" in changes
    same = tmp_path / "same"
    assert run_exitkg("release", "--out", same, "--previous", release / "first").code == 0
    assert "No differences." in (same / "CHANGES.md").read_text()


def test_release_refuses_an_existing_folder_and_a_missing_previous(release, tmp_path):
    code, _, err = run_exitkg("release", "--out", release / "first")
    assert code == 8
    assert_one_error_line(err, "already exists")
    code, _, err = run_exitkg("release", "--out", tmp_path / "x", "--previous", tmp_path / "nowhere")
    assert code == 2
    assert_one_error_line(err, "no such file or folder")
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_two_builds_of_the_same_sources_are_byte_identical(tmp_path, monkeypatch):
    """Reproducible builds: with SOURCE_DATE_EPOCH fixed, every file of two releases is the same
    (blank nodes, as in the ontology's class definitions, get canonical labels)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = exitkg.release(tmp_path / "a")
    second = exitkg.release(tmp_path / "b")
    assert first.files == second.files
    different = [name for name in first.files
                 if (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()]
    assert not different
