"""Releases: the version has one place, and a release is built from the sources into a new folder
without changing any of them."""

from __future__ import annotations

import csv
import json
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


# --- a release of its own version -----------------------------------------------------------

OWN_VERSION = "7.8.9-rc.1"  # a version the package never has, so the test can tell where it comes from


@pytest.fixture(scope="module")
def versioned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versioned") / "release"
    result = run_exitkg("release", "--version", OWN_VERSION, "--out", folder)
    assert result.code == 0, result.stderr
    assert result.stdout.startswith(f"release {OWN_VERSION}:")
    return folder


def test_a_release_version_is_written_in_every_file_that_carries_one(versioned):
    assert OWN_VERSION != exitkg.__version__
    ontology = rdflib.Graph().parse(versioned / "ontology" / "exit-factors.ttl")
    assert [str(v) for v in ontology.objects(ONTOLOGY, OWL.versionInfo)] == [OWN_VERSION]
    assert [str(v) for v in ontology.objects(ONTOLOGY, OWL.versionIRI)] == [
        f"https://w3id.org/exitkg/ontology/{OWN_VERSION}"]
    whole = rdflib.Graph().parse(versioned / "exitkg.ttl")
    assert [str(v) for v in whole.objects(ONTOLOGY, OWL.versionInfo)] == [OWN_VERSION]
    void = rdflib.Graph().parse(versioned / "void.ttl")
    dataset = URIRef("https://w3id.org/exitkg/id/dataset")
    assert [str(v) for v in void.objects(dataset, URIRef("http://www.w3.org/ns/dcat#version"))] == [OWN_VERSION]
    assert [str(v) for v in void.objects(dataset, OWL.versionInfo)] == [OWN_VERSION]
    nanopubs = (versioned / "findings.nanopub.trig").read_text(encoding="utf-8")
    assert f"version {OWN_VERSION}." in nanopubs and f"version {exitkg.__version__}." not in nanopubs
    citation = yaml.safe_load((versioned / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == OWN_VERSION
    assert (versioned / "CHANGES.md").read_text().startswith(f"# Changes in {OWN_VERSION}\n")
    # the package's version is unchanged, and no file but the mapping set's own version names it
    assert exitkg.__version__ == run_exitkg("--version").stdout.split()[-1]
    naming_package = [p.relative_to(versioned).as_posix() for p in versioned.rglob("*")
                      if p.is_file() and p.name != "SHA256SUMS"
                      and f"/ontology/{exitkg.__version__}" in p.read_text(encoding="utf-8", errors="replace")]
    assert naming_package == []


@pytest.mark.parametrize("version", ["0.2", "v0.2.0", "0.2.0.1", "01.2.0", "0.2.0-", "", "0.2.0\n1"])
def test_a_version_that_is_not_semantic_is_one_error_line_exit_3_and_writes_nothing(tmp_path, version):
    result = run_exitkg("release", "--version", version, "--out", tmp_path / "release")
    assert result.code == 3, result.stderr
    assert_one_error_line(result.stderr, "not a semantic version")
    assert not (tmp_path / "release").exists()


def test_the_api_takes_the_version_and_checks_it(tmp_path):
    with pytest.raises(exitkg.UsageError, match="not a semantic version"):
        exitkg.release(tmp_path / "bad", version="2")
    assert not (tmp_path / "bad").exists()


# --- curators -------------------------------------------------------------------------------

PROJECT = "https://w3id.org/exitkg/"


def test_the_packaged_sources_name_the_project_as_their_creator_and_no_person():
    graph = load()
    rows = graph.run("""PREFIX ekg: <https://w3id.org/exitkg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX foaf: <http://xmlns.com/foaf/0.1/>
        SELECT ?source ?creator ?name WHERE { ?source a ekg:Source .
          OPTIONAL { ?source dcterms:creator ?creator OPTIONAL { ?creator a foaf:Organization ; foaf:name ?name } } }""")
    found = {(r["source"].value, r["creator"].value if r["creator"] else None, r["name"].value if r["name"] else None)
             for r in rows.rows}
    assert found == {(s, PROJECT, "The exitkg project") for s in graph.sources()}
    assert not graph.run("ASK { ?x a <http://xmlns.com/foaf/0.1/Person> }").boolean
    contributors = graph.run("""SELECT ?c WHERE { <https://w3id.org/exitkg/ontology>
        <http://purl.org/dc/terms/contributor> ?c }""")
    assert [r["c"].value for r in contributors.rows] == [PROJECT]


def test_a_release_cites_the_project_once_and_invents_no_person(release):
    citation = yaml.safe_load((release / "first" / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["authors"] == [{"name": "The exitkg project", "website": PROJECT}]


def test_a_curators_orcid_reaches_the_citation_and_the_ontology_header(tmp_path):
    from conftest import FIXTURES

    curation = FIXTURES / "curation"
    added = run_exitkg("add", curation / "template", "--source", curation / "study-text.txt",
                       "--out", tmp_path / "fixture-2024")
    assert added.code == 0, added.stderr
    result = run_exitkg("release", "--version", "0.2.0", "--out", tmp_path / "release",
                        "--data", tmp_path / "fixture-2024")
    assert result.code == 0, result.stderr
    citation = yaml.safe_load((tmp_path / "release" / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == "0.2.0"
    assert citation["authors"] == [{"name": "The exitkg project", "website": PROJECT},
                                   {"alias": "Ada Example", "orcid": "https://orcid.org/0000-0002-1825-0097"}]
    ontology = rdflib.Graph().parse(tmp_path / "release" / "ontology" / "exit-factors.ttl")
    assert {str(c) for c in ontology.objects(ONTOLOGY, DCTERMS.contributor)} == {
        PROJECT, "https://orcid.org/0000-0002-1825-0097"}


def test_a_release_against_the_data_it_was_built_from_shows_no_change(release):
    result = run_exitkg("diff", release / "first", REPO_ROOT / "data", "--format", "json")
    assert result.code == 0, result.stderr
    changes = json.loads(result.stdout)
    assert not any(changes[key] for key in changes if isinstance(changes[key], list)), changes
