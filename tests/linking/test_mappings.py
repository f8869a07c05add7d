"""The SSSOM mapping set from exit factors to case-data fields (HTCDS, CTDC)."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from conftest import REPO_ROOT, run_in_process
from exitkg.linking import mappings
from exitkg.core.errors import InputError

TSV = REPO_ROOT / "mappings" / "exit-factors-to-case-data.sssom.tsv"
FACTORS = REPO_ROOT / "data" / "common" / "factors.ttl"
HTCDS_DIR = REPO_ROOT.parent / "shared" / "reference" / "htcds"
HTCDS_CSV = "HTCDS Field Standards 2.0.csv"
HTCDS_DEFINITIONS = "Field Definitions.md"

EKG = "https://w3id.org/exitkg/ontology#"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
HTCDS_SOURCE = "https://github.com/UNMigration/HTCDS/tree/3c2f6537cd76c3305975aa5eef7a1bf26fe20a30"
CTDC_SOURCE = "https://www.ctdatacollaborative.org/page/global-synthetic-dataset"
ALLOWED_PREDICATES = {"skos:relatedMatch", "skos:broadMatch", "skos:narrowMatch"}

CTDC_DIR = REPO_ROOT.parent / "shared" / "reference" / "ctdc"
CTDC_UNMAPPED = REPO_ROOT / "mappings" / "ctdc-unmapped.tsv"


def ctdc_values() -> set[tuple[str, str]]:
    """Every value of the CTDC codebook file as (variable, code): a flag column is its own code
    ("1"), a year or country column stands for all its values ("*"); missing codes are no values."""
    from exitkg.linking.ctdc import load_codebook

    values = set()
    for v in load_codebook():
        if v.kind == "flag":
            values.add((v.name, "1"))
        elif v.kind in ("year", "country"):
            values.add((v.name, "*"))
        else:
            values |= {(v.name, c) for c in v.codes}
    return values


def ctdc_value_of(iri: str) -> tuple[str, str]:
    """(variable, code) of a ctdc: code IRI: a column IRI is a flag, <variable>/<code> a value."""
    from urllib.parse import unquote

    variable, _, code = local(iri, mappings.CTDC_NS).partition("/")
    return (variable, unquote(code)) if code else (variable, "1")


needs_htcds = pytest.mark.skipif(not HTCDS_DIR.is_dir(), reason=f"HTCDS reference files not found at {HTCDS_DIR}")
needs_sssom = pytest.mark.skipif(importlib.util.find_spec("sssom") is None,
                                 reason="the sssom package is not installed (pip install '.[test]')")


@pytest.fixture(scope="module")
def mapping_set() -> mappings.MappingSet:
    return mappings.load_mappings(TSV)


def local(iri: str, namespace: str) -> str:
    assert iri.startswith(namespace), iri
    return iri[len(namespace):]


# --------------------------------------------------------------------------- #
# The file
# --------------------------------------------------------------------------- #

def test_packaged_default_is_the_checkout_file(mapping_set):
    default = mappings.load_mappings()
    assert default.path.resolve() == TSV.resolve()
    assert (default.metadata, default.mappings) == (mapping_set.metadata, mapping_set.mappings)
    assert len(mapping_set.mappings) >= 10


def test_metadata(mapping_set):
    md = mapping_set.metadata
    assert md["mapping_set_id"] == "https://w3id.org/exitkg/mappings/exit-factors-to-case-data"
    assert md["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert md["mapping_set_version"]
    assert md["mapping_set_description"]
    assert md["creator_label"]
    assert mapping_set.curie_map["factor"] == "https://w3id.org/exitkg/id/factor/"
    assert mapping_set.curie_map["htcds"] == "https://w3id.org/exitkg/ref/htcds/"
    assert mapping_set.curie_map["ctdc"] == "https://w3id.org/exitkg/ref/ctdc/"
    assert mapping_set.curie_map["skos"] == SKOS_NS
    assert mapping_set.curie_map["semapv"] == "https://w3id.org/semapv/vocab/"


def test_every_prefix_used_is_declared(mapping_set):
    used = set()
    for m in mapping_set.mappings:
        for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
            used.add(m.values[column].split(":", 1)[0])
    used.add(str(mapping_set.metadata["subject_source"]).split(":", 1)[0])
    assert used <= set(mapping_set.curie_map)
    # ... and nothing is declared that is not used (a stale prefix misleads readers).
    assert set(mapping_set.curie_map) <= used


def test_rows_have_the_required_columns(mapping_set):
    for column in mappings.REQUIRED_COLUMNS:
        assert column in mapping_set.columns
    for m in mapping_set.mappings:
        for column in mappings.REQUIRED_COLUMNS:
            assert m.values[column].strip(), (m.subject_id, m.object_id, column)
        assert m.mapping_justification == "semapv:ManualMappingCuration"
        assert 0 < m.confidence <= 1
        assert len(m.comment) >= 150, f"{m.subject_id} -> {m.object_id}: the comment must justify the mapping"
        for cell in m.values.values():
            assert "\t" not in cell and "\n" not in cell and '"' not in cell


def test_no_duplicate_mappings(mapping_set):
    keys = [(m.subject_id, m.predicate_id, m.object_id) for m in mapping_set.mappings]
    assert len(keys) == len(set(keys))


def test_predicates_never_exact_match(mapping_set):
    for m in mapping_set.mappings:
        assert m.predicate_id in ALLOWED_PREDICATES, m.predicate_id
    assert "exactMatch" not in TSV.read_text(encoding="utf-8")


def test_subjects_are_factors_of_the_graph(mapping_set):
    graph = Graph().parse(FACTORS, format="turtle")
    factors = {str(s) for s in graph.subjects(RDF.type, URIRef(EKG + "Factor"))}
    for m in mapping_set.mappings:
        assert m.subject_iri in factors, m.subject_id
        label = graph.value(URIRef(m.subject_iri), SKOS.prefLabel)
        assert label == Literal(m.subject_label, lang="en"), (m.subject_id, label)


def test_object_namespaces_and_sources(mapping_set):
    for m in mapping_set.mappings:
        if m.object_iri.startswith(mappings.HTCDS_NS):
            assert m.object_source == HTCDS_SOURCE
        elif m.object_iri.startswith(mappings.CTDC_NS):
            assert m.object_source == CTDC_SOURCE
        else:
            pytest.fail(f"object outside the htcds: and ctdc: namespaces: {m.object_id}")


def test_ctdc_objects_are_values_of_the_codebook(mapping_set):
    """Every mapped CTDC code is a value the codebook file documents (a flag column, or a code of
    a category); no row maps a whole category or list column."""
    ctdc = {ctdc_value_of(m.object_iri) for m in mapping_set.mappings if m.object_iri.startswith(mappings.CTDC_NS)}
    assert ctdc
    unknown = sorted(ctdc - ctdc_values())
    assert not unknown, f"not values of mappings/ctdc-codebook.tsv: {unknown}"


def test_every_ctdc_value_is_mapped_or_listed_unmapped_with_a_reason(mapping_set):
    mapped = {ctdc_value_of(m.object_iri) for m in mapping_set.mappings if m.object_iri.startswith(mappings.CTDC_NS)}
    lines = [line for line in CTDC_UNMAPPED.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    unmapped = {(r["variable"], r["code"]) for r in rows}
    assert len(unmapped) == len(rows), "a value is listed twice"
    for r in rows:
        assert len(r["reason"]) >= 30, r
    assert not mapped & unmapped, f"both mapped and listed unmapped: {sorted(mapped & unmapped)}"
    assert unmapped <= ctdc_values(), f"listed but not in the codebook: {sorted(unmapped - ctdc_values())}"
    missing = ctdc_values() - mapped - unmapped
    assert not missing, f"neither mapped nor listed unmapped: {sorted(missing)}"


@pytest.mark.skipif(not CTDC_DIR.is_dir(), reason=f"CTDC reference files not found at {CTDC_DIR}")
def test_codebook_file_names_are_those_of_the_ctdc_codebooks():
    """Every variable (and alias) of the codebook file is spelled as in one of CTDC's documents,
    and every variable those documents list is in the file."""
    from exitkg.linking.ctdc import load_codebook

    texts = " ".join(p.read_text(encoding="utf-8") for p in sorted(CTDC_DIR.glob("*.txt")) + sorted(CTDC_DIR.glob("*.csv")))
    words = set(re.findall(r"[A-Za-z]+", texts))
    names = {n for v in load_codebook() for n in (v.name, *v.aliases)}
    # isSlaveryAndPractices: a column of the 2020-2021 releases, which no document at hand lists
    assert names - words == {"isSlaveryAndPractices"}
    listed = set(re.findall(r"^\s*\d+\s+([a-zA-Z]+)\s*$", texts, re.M))
    assert listed and listed <= {n.lower() for n in names} | names


# --------------------------------------------------------------------------- #
# Against the HTCDS reference files
# --------------------------------------------------------------------------- #

def htcds_fields() -> tuple[set[str], dict[str, set[str]]]:
    """Field names in the HTCDS CSV and Field Definitions tables; picklist values per CSV field."""
    names: set[str] = set()
    values: dict[str, set[str]] = {}
    with open(HTCDS_DIR / HTCDS_CSV, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            field = (row.get("Field Name including Prefix") or "").strip()
            if not field:
                continue
            names.add(field)
            names.add((row.get("Field Name") or "").strip())
            cell = row.get("Value Names (if picklist)") or ""
            values[field] = {v.strip() for v in re.split(r"[\n;]", cell) if v.strip()}
    for line in (HTCDS_DIR / HTCDS_DEFINITIONS).read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            first = line.strip("|").split("|")[0].strip()
            if first and not set(first) <= {"-", ":"}:
                names.add(first)
    names.discard("")
    return names, values


@needs_htcds
def test_htcds_objects_exist_in_the_standard(mapping_set):
    """Every htcds: object is a code, <field>/<picklist value>, of a field of the field list; a
    vic_MethodsOfControl value may also be a category of the Field Definitions (MethodsOfControl<value>)."""
    names, values = htcds_fields()
    htcds = [local(m.object_iri, mappings.HTCDS_NS) for m in mapping_set.mappings
             if m.object_iri.startswith(mappings.HTCDS_NS)]
    assert htcds
    unknown = []
    for code in htcds:
        field, _, value = code.partition("/")
        known = values.get(field, set()) | ({n[len("MethodsOfControl"):] for n in names if n.startswith("MethodsOfControl")}
                                            if field == "vic_MethodsOfControl" else set())
        if not value or value not in known:
            unknown.append(code)
    assert not unknown, f"not <field>/<value> codes of the HTCDS standard: {unknown}"


@needs_htcds
def test_names_cited_in_comments_exist_in_the_standard(mapping_set):
    """'picklist value X [of F]' must be a value of field F (default: the object field), and
    'HTCDS category C' a field of the Field Definitions."""
    names, values = htcds_fields()
    checked = 0
    for m in mapping_set.mappings:
        for value, field in re.findall(r"picklist value (\w+)(?: of (\w+))?", m.comment):
            field = field or local(m.object_iri, mappings.HTCDS_NS).split("/")[0]
            assert field in values, (m.object_id, field)
            assert value in values[field], (m.object_id, field, value)
            checked += 1
        for category in re.findall(r"HTCDS category ([A-Z]\w+)", m.comment):
            assert category in names, (m.object_id, category)
            checked += 1
    assert checked >= 10


@needs_htcds
def test_htcds_source_is_the_one_named_in_source_md():
    source = (HTCDS_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "UNMigration/HTCDS" in source
    assert HTCDS_SOURCE.rsplit("/", 1)[1] in source


# --------------------------------------------------------------------------- #
# Library
# --------------------------------------------------------------------------- #

def test_mappings_for_ctdc_columns(mapping_set):
    links = mappings.mappings_for({"meansOfControlPsychoactiveSubstances"}, mapping_set)
    assert [link.factor_iri for link in links] == ["https://w3id.org/exitkg/id/factor/substance-abuse"]
    link = links[0]
    assert link.predicate == SKOS_NS + "relatedMatch"
    assert 0 < link.confidence <= 1
    assert "means of control" in link.comment
    factor_iri, predicate, confidence, comment = link  # a plain 4-tuple too

    both = mappings.mappings_for({"ctdc:recruiterRelationFamily", "recruiterRelationFriend"}, mapping_set)
    assert {link.factor_iri.rsplit("/", 1)[1] for link in both} == {"family", "friends"}
    financial = mappings.mappings_for({"meansOfControlDebtBondage", "meansOfControlTakesEarnings",
                                       "meansOfControlRestrictsFinancialAccess"}, mapping_set)
    assert {link.factor_iri.rsplit("/", 1)[1] for link in financial} == {"financial-barriers"}
    assert len(financial) == 3
    # HTCDS field names, unknown names and CTDC columns nobody mapped give nothing.
    assert mappings.mappings_for({"vic_MethodsOfControl", "MethodsOfControlDebtBondage", "gender", "x"},
                                 mapping_set) == []
    assert mappings.mappings_for(set(), mapping_set) == []
    # Default: the packaged set.
    assert mappings.mappings_for({"isSexualExploit"}) == mappings.mappings_for({"isSexualExploit"}, mapping_set)


def test_to_rdf_is_plain_skos_triples(mapping_set):
    graph = mappings.to_rdf(mapping_set)
    assert len(graph) == len(mapping_set.mappings)
    for m in mapping_set.mappings:
        assert (URIRef(m.subject_iri), URIRef(m.predicate_iri), URIRef(m.object_iri)) in graph
    assert {str(p) for p in graph.predicates()} <= {SKOS_NS + "relatedMatch", SKOS_NS + "broadMatch",
                                                    SKOS_NS + "narrowMatch"}


def test_render_tsv_reproduces_the_file(mapping_set):
    assert mappings.render_tsv(mapping_set) == TSV.read_text(encoding="utf-8")


def test_render_json_and_table(mapping_set):
    document = json.loads(mappings.render_json(mapping_set))
    assert document["mapping_set_id"] == mapping_set.mapping_set_id
    assert document["curie_map"] == mapping_set.curie_map
    assert len(document["mappings"]) == len(mapping_set.mappings)
    assert all(isinstance(row["confidence"], float) for row in document["mappings"])
    table = mappings.render_table(mapping_set)
    assert f"({len(mapping_set.mappings)} mappings;" in table
    assert "factor:substance-abuse" in table


def broken_copy(tmp_path: Path, edit) -> Path:
    """A copy of the mapping set with the first data row (or the whole text) edited."""
    text = TSV.read_text(encoding="utf-8")
    lines = text.split("\n")
    head = next(i for i, line in enumerate(lines) if line.startswith("subject_id\t"))
    lines = edit(lines, head, lines[head].split("\t"))
    path = tmp_path / "broken.sssom.tsv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def set_cell(column: str, value: str):
    def edit(lines, head, columns):
        cells = lines[head + 1].split("\t")
        cells[columns.index(column)] = value
        lines[head + 1] = "\t".join(cells)
        return lines
    return edit


def drop_column(column: str):
    def edit(lines, head, columns):
        j = columns.index(column)
        return [line if i < head or not line else "\t".join(c for k, c in enumerate(line.split("\t")) if k != j)
                for i, line in enumerate(lines)]
    return edit


def drop_prefix(prefix: str):
    def edit(lines, head, columns):
        return [line for line in lines if not re.match(rf"#\s+{prefix}: ", line)]
    return edit


@pytest.mark.parametrize("edit, message", [
    (drop_column("mapping_justification"), "missing column"),
    (set_cell("mapping_justification", ""), "empty mapping_justification"),
    (set_cell("comment", " "), "empty comment"),
    (set_cell("confidence", "1.5"), "not between 0 and 1"),
    (set_cell("confidence", "high"), "not a number"),
    (set_cell("object_id", "iom:vic_MethodsOfControl"), "not in the curie_map"),
    (drop_prefix("htcds"), "not in the curie_map"),
    (set_cell("subject_id", "substance-abuse"), "not a CURIE"),
])
def test_loader_rejects_broken_copies(tmp_path, edit, message):
    with pytest.raises(InputError, match=message):
        mappings.load_mappings(broken_copy(tmp_path, edit))


def test_the_metadata_block_is_read_as_yaml(tmp_path):
    """The block is YAML (read by PyYAML, every scalar a string): a comment after a value is no
    part of it, a list may be written in flow style, and the rest reads as before."""
    lines = TSV.read_text(encoding="utf-8").splitlines()
    edited = [("# license: https://creativecommons.org/licenses/by/4.0/  # CC BY 4.0" if line.startswith("# license:")
               else line) for line in lines if not line.startswith("#   - exitkg curators")]
    edited = [("# creator_label: [exitkg curators, 'second, curator']" if line == "# creator_label:" else line)
              for line in edited]
    copy = tmp_path / "yaml.sssom.tsv"
    copy.write_text("\n".join(edited) + "\n", encoding="utf-8")
    read, packaged = mappings.load_mappings(copy), mappings.load_mappings(TSV)
    assert read.metadata["license"] == packaged.metadata["license"]
    assert read.metadata["creator_label"] == ["exitkg curators", "second, curator"]
    assert {k: v for k, v in read.metadata.items() if k != "creator_label"} == {
        k: v for k, v in packaged.metadata.items() if k != "creator_label"}


def test_loader_reports_missing_file(tmp_path):
    with pytest.raises(InputError, match="none.sssom.tsv: no such file"):
        mappings.load_mappings(tmp_path / "none.sssom.tsv")


# --------------------------------------------------------------------------- #
# Command line
# --------------------------------------------------------------------------- #

def test_cli_table(mapping_set):
    code, out, err = run_in_process("mappings")
    assert code == 0, err
    assert f"({len(mapping_set.mappings)} mappings;" in out
    assert "htcds:vic_MethodsOfControl/PsychoactiveSubstance" in out


def test_cli_tsv_json_turtle(mapping_set):
    code, out, err = run_in_process("mappings", "--format", "tsv")
    assert code == 0, err
    assert out == TSV.read_text(encoding="utf-8")

    code, out, err = run_in_process("mappings", "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["mappings"]) == len(mapping_set.mappings)

    code, out, err = run_in_process("mappings", "--format", "turtle")
    assert code == 0, err
    graph = Graph().parse(data=out, format="turtle")
    assert set(graph) == set(mappings.to_rdf(mapping_set))


def test_cli_out_file(tmp_path, mapping_set):
    target = tmp_path / "mappings.ttl"
    code, out, err = run_in_process("mappings", "--format", "turtle", "--out", str(target))
    assert (code, out) == (0, ""), err
    assert len(Graph().parse(target, format="turtle")) == len(mapping_set.mappings)


def test_cli_errors(tmp_path):
    from conftest import assert_one_error_line

    code, _, err = run_in_process("mappings", "--format", "csv")
    assert code == 3
    assert_one_error_line(err, "--format")
    code, _, err = run_in_process("mappings", "--out", str(tmp_path / "missing" / "x.tsv"))
    assert code == 8
    assert_one_error_line(err, "does not exist")


# --------------------------------------------------------------------------- #
# The official SSSOM tooling
# --------------------------------------------------------------------------- #

def sssom_validate(path: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / ("sssom.exe" if os.name == "nt" else "sssom")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "sssom.cli"]
    return subprocess.run([*command, "validate", str(path)], capture_output=True, text=True,
                          encoding="utf-8", timeout=600)


@needs_sssom
@pytest.mark.slow
def test_sssom_validate_accepts_the_mapping_set():
    proc = sssom_validate(TSV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # sssom-py drops a malformed row with only a warning; there must be none.
    assert "not well-formed" not in proc.stdout + proc.stderr


@needs_sssom
@pytest.mark.filterwarnings("ignore")  # pandas deprecation warnings raised inside sssom-py
def test_sssom_reads_every_row_as_written(mapping_set):
    """sssom-py fills a missing mapping_justification with semapv:UnspecifiedMatching and drops
    malformed rows, so its exit code alone does not prove the rows are complete: compare."""
    from sssom.parsers import parse_sssom_table

    msdf = parse_sssom_table(str(TSV))
    assert len(msdf.df) == len(mapping_set.mappings)
    assert set(msdf.df["mapping_justification"]) == {"semapv:ManualMappingCuration"}
    ours = {(m.subject_id, m.predicate_id, m.object_id) for m in mapping_set.mappings}
    theirs = set(zip(msdf.df["subject_id"], msdf.df["predicate_id"], msdf.df["object_id"], strict=False))
    assert theirs == ours


@needs_sssom
@pytest.mark.parametrize("edit", [
    set_cell("mapping_justification", "ManualMappingCuration"),   # not a semapv term
    set_cell("mapping_justification", "semapv:NoSuchJustification"),
    set_cell("confidence", "1.5"),
    drop_prefix("htcds"),                                            # undeclared prefix
], ids=["justification-not-curie", "justification-unknown", "confidence-out-of-range", "undeclared-prefix"])
@pytest.mark.slow
def test_sssom_validate_rejects_broken_copies(tmp_path, edit):
    proc = sssom_validate(broken_copy(tmp_path, edit))
    assert proc.returncode != 0, proc.stdout + proc.stderr
