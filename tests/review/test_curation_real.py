"""Curating real evidence: a finding restricted to a sub-sample (population), several countries as
one value set, a source about a study already in the graph, identity by DOI, the list of existing
factors with a "did you mean", and the .xlsx template with drop-down lists.

The Wilson & Nochajski 2016 fixture (``tests/fixtures/curation/wilson-nochajski-2016/``) is a
test source about a study the review includes: two short verbatim excerpts of its abstract, and a
template that restricts its finding on stigma to the Indian sample. It is added to temporary
folders only, never to ``data/``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO_ROOT, read_tsv, run_exitkg, write_tsv
from exitkg.graph.local import load
from exitkg.review.curate import FACTORS_SHEET, FINDINGS_SHEET, STUDY_SHEET, TemplateError, add_study

CURATION = FIXTURES / "curation"
TEMPLATE = CURATION / "template"
STUDY_TEXT = CURATION / "study-text.txt"
WN = CURATION / "wilson-nochajski-2016"
WN_TEMPLATE = WN / "template"
WN_TEXT = WN / "abstract-excerpts.txt"
ID = "https://w3id.org/exitkg/id/"
EKG = "https://w3id.org/exitkg/ontology#"


def _copy(tmp_path: Path, template: Path = TEMPLATE, name: str = "template") -> Path:
    folder = tmp_path / name
    shutil.copytree(template, folder)
    return folder


def _set(folder: Path, sheet: str, row: int, column: str, value: str) -> None:
    """Set one cell (1-based file row) of a sheet, adding the column when the sheet lacks it."""
    rows = read_tsv(folder / sheet)
    if column not in rows[0]:
        rows = [r + [""] for r in rows]
        rows[0][-1] = column
    rows[row - 1][rows[0].index(column)] = value
    write_tsv(folder / sheet, rows)


def _row_of(folder: Path, sheet: str, first: str) -> int:
    return next(i for i, r in enumerate(read_tsv(folder / sheet), start=1) if r[0] == first)


def _add(template: Path, text: Path, out: Path, *data: Path):
    args = ["add", template, "--source", text, "--out", out]
    if data:
        args += ["--data", *data]
    return run_exitkg(*args)


# --- a sub-sample finding, and the population-aware status it feeds --------------------------

@pytest.fixture(scope="module")
def wn_added(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wn") / "wilson-nochajski-2016-abstract-test"
    result = _add(WN_TEMPLATE, WN_TEXT, out)
    assert result.code == 0, result.stderr
    assert "added a source about https://w3id.org/exitkg/id/study/wilson-nochajski-2016 (in the graph already): 1 finding(s)" in result.stdout
    return out


def _countries_with_both_sides(graph, factor: str) -> set[str]:
    """The documented definition (docs/queries.md, Population-specific), computed here on its own:
    an assertion restricted to a population applies to its country, any other finding to every
    country of its study's sample, an assertion no country places to every population. The result:
    the countries where the factor has evidence on both sides ('*' standing for every country)."""
    rows = graph.store.query(f"""
        SELECT ?a ?d ?country WHERE {{
          ?a <{EKG}aboutFactor> <{factor}> ; <{EKG}effectiveRole> ?d .
          OPTIONAL {{ ?a <{EKG}population>/<{EKG}country> ?pc }}
          OPTIONAL {{ FILTER NOT EXISTS {{ ?a <{EKG}population> ?p }}
                     ?a <{EKG}fromStudy>/<{EKG}hasCharacteristic>/<{EKG}country> ?sc }}
          BIND(COALESCE(?pc, ?sc) AS ?country) }}""")
    places: dict[str, set[str]] = {}
    directions: dict[str, str] = {}
    for r in rows:
        a = r["a"].value
        directions[a] = r["d"].value.rsplit("#", 1)[-1]
        places.setdefault(a, set())
        if r["country"] is not None:
            places[a].add(r["country"].value.rsplit("/", 1)[-1])
    sides: dict[str, set[str]] = {}
    everywhere = {directions[a] for a, where in places.items() if not where}
    for a, where in places.items():
        for country in where:
            sides.setdefault(country, set()).add(directions[a])
    both = {c for c, d in sides.items() if len(d | everywhere) == 2}
    return both | ({"*"} if len(everywhere) == 2 else set())


def test_sub_sample_finding_is_population_evidence_and_stigma_follows_the_definition(wn_added):
    """'For the Indian sample, ... stigma' enters as evidence of the Indian population (the study's
    population node, linked, not a new one), not of the whole sample: it applies to India only,
    where stigma has evidence on both sides (Dalla & Kreimer 2017), not to the US sample. The
    report's status is the one the definition gives."""
    text = (wn_added / "study.ttl").read_text(encoding="utf-8")
    assert "ekg:population pop:wilson-nochajski-2016-india" in text
    assert "a ekg:Population" not in text, "the study's Indian population exists: linked, not made again"
    graph = load([wn_added])
    both = _countries_with_both_sides(graph, ID + "factor/stigma")
    assert both == {"IN"}, both  # as whole-sample evidence it would also apply to the US sample
    result = run_exitkg("report", "--format", "json", "--data", wn_added)
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["agrees"] and all(r["agrees"] for r in report["reproductions"])
    stigma = next(f for f in report["whole_graph"]["controversial_by_evidence"] if f["label"] == "Stigma")
    assert stigma["status"] == ("contested" if both else "population-specific")
    new = [e for e in stigma["evidence"] if e["source"] == "wilson-nochajski-2016-abstract-test"]
    assert [(e["direction"], e["population"]) for e in new] == [
        ("facilitating", "wilson-nochajski-2016-india")], new


def test_population_decides_between_population_specific_and_contested(tmp_path):
    """The fixture study's sample in Nepal and the US: its hindering statement on spirituality,
    restricted to the Nepalese participants, leaves spirituality population-specific (the US
    evidence facilitates); the same statement about the whole sample makes it contested. The
    Nepalese population is made (a population node with its country) and linked to the study."""
    statuses = {}
    for population in ("NP", ""):
        folder = _copy(tmp_path, name=f"t-{population or 'whole'}")
        _set(folder, STUDY_SHEET, 3, "countries", "NP;US")
        _set(folder, FINDINGS_SHEET, _row_of(folder, FINDINGS_SHEET, "spirituality"), "population", population)
        out = tmp_path / f"out-{population or 'whole'}" / "fixture-2024"
        result = _add(folder, STUDY_TEXT, out)
        assert result.code == 0, result.stderr
        report = json.loads(run_exitkg("report", "--format", "json", "--data", out).stdout)
        statuses[population] = next(f["status"] for f in report["whole_graph"]["controversial_by_evidence"]
                                    if f["label"] == "Spirituality")
    assert statuses == {"NP": "population-specific", "": "contested"}
    text = (tmp_path / "out-NP" / "fixture-2024" / "study.ttl").read_text(encoding="utf-8")
    assert "pop:fixture-2024-np a ekg:Population" in text and "ekg:country country:NP" in text
    assert "ekg:hasPopulation pop:fixture-2024-np" in text
    assert "ekg:population pop:fixture-2024-np" in text


def test_population_outside_the_study_countries_is_refused(tmp_path):
    folder = _copy(tmp_path)
    row = _row_of(folder, FINDINGS_SHEET, "spirituality")
    _set(folder, FINDINGS_SHEET, row, "population", "IN")
    with pytest.raises(TemplateError) as info:
        add_study(folder, STUDY_TEXT, tmp_path / "out")
    assert any(f"findings.tsv:{row}:" in p and "(population): 'IN' is not one of the study's countries (NP" in p
               for p in info.value.problems), info.value.problems
    assert not (tmp_path / "out").exists()


# --- several countries, one value set ----------------------------------------------------------

def test_several_countries_are_one_value_set_accepted_by_the_shapes(tmp_path):
    """The template's own example, NP;IN: one nationality characteristic with both countries
    (a source gives a study one characteristic of each kind), valid with the whole graph."""
    folder = _copy(tmp_path)
    _set(folder, STUDY_SHEET, 3, "countries", "NP;IN")
    out = tmp_path / "fixture-2024"
    result = _add(folder, STUDY_TEXT, out)
    assert result.code == 0, result.stderr
    graph = load([out])
    rows = list(graph.store.query(
        f"SELECT ?c ?country WHERE {{ <{ID}study/fixture-2024> <{EKG}hasCharacteristic> ?c . "
        f"?c a <{EKG}NationalityCharacteristic> ; <{EKG}country> ?country }}"))
    assert len({r["c"].value for r in rows}) == 1
    assert {r["country"].value.rsplit("/", 1)[-1] for r in rows} == {"NP", "IN"}
    assert run_exitkg("validate", "--data", out).code == 0


# --- a source about a study already in the graph; identity by DOI -------------------------------

def test_source_about_a_study_in_the_graph_keeps_one_study_node(wn_added):
    """Same study IRI, its own source and named graph: the number of studies does not change, the
    study's record stays the review's, and every finding of the new source is in its graph."""
    before = load()
    after = load([wn_added])
    count = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{EKG}Study> }}"
    assert next(iter(after.store.query(count)))["n"].value == next(iter(before.store.query(count)))["n"].value
    titles = list(after.store.query(f"SELECT ?t WHERE {{ <{ID}study/wilson-nochajski-2016> "
                                    "<http://purl.org/dc/terms/title> ?t }"))
    assert len(titles) == 1
    source = ID + "source/wilson-nochajski-2016-abstract-test"
    assert source in after.named_graphs()
    finding = ID + "finding/wilson-nochajski-2016-abstract-test/stigma"
    import pyoxigraph as ox
    assert any(True for _ in after.store.quads_for_pattern(ox.NamedNode(finding), None, None, ox.NamedNode(source)))
    assert list(after.store.query(f"SELECT ?x WHERE {{ <{source}> <{EKG}encodes> ?x }}"))[0]["x"].value == \
        ID + "study/wilson-nochajski-2016"


def test_study_in_the_graph_without_a_source_id_is_one_line(tmp_path):
    folder = _copy(tmp_path, WN_TEMPLATE)
    _set(folder, STUDY_SHEET, 3, "source_id", "")
    result = _add(folder, WN_TEXT, tmp_path / "out")
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"exitkg: {folder / STUDY_SHEET}:3:2 (source_id): study 'wilson-nochajski-2016' "
                               "is already in the graph"), lines
    assert len(lines) == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_study_in_the_graph_with_another_title_is_refused(tmp_path):
    folder = _copy(tmp_path, WN_TEMPLATE)
    _set(folder, STUDY_SHEET, 3, "title", "Another paper entirely")
    with pytest.raises(TemplateError) as info:
        add_study(folder, WN_TEXT, tmp_path / "out")
    assert any("(title): 'Another paper entirely' is not the title of study 'wilson-nochajski-2016'" in p
               for p in info.value.problems), info.value.problems


@pytest.fixture(scope="module")
def fixture_added(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("doi") / "fixture-2024"
    assert _add(TEMPLATE, STUDY_TEXT, out).code == 0
    return out


def test_same_doi_under_another_id_is_refused_naming_the_study(tmp_path, fixture_added):
    """A DOI names one paper: another study_id with the fixture's DOI is refused (not mapped), in
    one line that names the study to write instead."""
    folder = _copy(tmp_path)
    _set(folder, STUDY_SHEET, 3, "study_id", "fixture-copy-2024")
    result = _add(folder, STUDY_TEXT, tmp_path / "out", fixture_added)
    assert result.code == 1
    doi = read_tsv(folder / STUDY_SHEET)[0].index("doi") + 1
    assert result.stderr.splitlines()[0] == (
        f"exitkg: {folder / STUDY_SHEET}:3:{doi} (doi): DOI 10.5555/fixture.2024.001 is that of study "
        "'fixture-2024', already in the graph: the same paper keeps its identifier, so write study_id "
        "'fixture-2024' (and this source's own source_id)")
    assert not (tmp_path / "out").exists()


def test_same_id_and_doi_is_the_same_study_another_doi_another_paper(tmp_path, fixture_added):
    folder = _copy(tmp_path)
    _set(folder, STUDY_SHEET, 3, "source_id", "fixture-2024-again")
    row = _row_of(folder, FINDINGS_SHEET, "digital-literacy")  # declared new there, existing here
    _set(folder, FINDINGS_SHEET, row, "new_factor_label", "")
    _set(folder, FINDINGS_SHEET, row, "new_factor_level", "")
    out = tmp_path / "fixture-2024-again"
    result = _add(folder, STUDY_TEXT, out, fixture_added)
    assert result.code == 0, result.stderr
    graph = load([fixture_added, out])
    studies = {r["s"].value for r in graph.store.query(
        "SELECT ?s WHERE { ?s <http://purl.org/ontology/bibo/doi> \"10.5555/fixture.2024.001\" }")}
    assert studies == {ID + "study/fixture-2024"}
    other = _copy(tmp_path, name="other")
    _set(other, STUDY_SHEET, 3, "source_id", "fixture-2024-other")
    _set(other, STUDY_SHEET, 3, "doi", "10.5555/fixture.2024.999")
    with pytest.raises(TemplateError) as info:
        add_study(other, STUDY_TEXT, tmp_path / "x", [fixture_added])
    assert any("(doi): study 'fixture-2024' in the graph has DOI 10.5555/fixture.2024.001, not "
               "10.5555/fixture.2024.999: another paper" in p for p in info.value.problems), info.value.problems


# --- the factors to pick from; did you mean -----------------------------------------------------

def test_template_lists_the_existing_factors(tmp_path):
    result = run_exitkg("template", "--out", tmp_path / "t")
    assert result.code == 0, result.stderr
    rows = read_tsv(tmp_path / "t" / FACTORS_SHEET)
    assert rows[0] == ["factor", "label", "levels"]
    listed = {r[0]: r[1] for r in rows[1:]}
    graph = load()
    ids = {r["f"].value.rsplit("/", 1)[-1] for r in graph.store.query(f"SELECT ?f WHERE {{ ?f a <{EKG}Factor> }}")}
    assert set(listed) == ids and listed["stigma"] == "Stigma"


def test_unknown_factor_gets_did_you_mean_in_one_line(tmp_path):
    folder = _copy(tmp_path)
    row = _row_of(folder, FINDINGS_SHEET, "spirituality")
    _set(folder, FINDINGS_SHEET, row, "factor", "spiritualty")
    result = _add(folder, STUDY_TEXT, tmp_path / "out")
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"exitkg: {folder / FINDINGS_SHEET}:{row}:1 (factor): unknown factor 'spiritualty'; "
                               "did you mean 'spirituality'?"), lines
    assert len(lines) == 2 and "Traceback" not in result.stderr


# --- the .xlsx template ---------------------------------------------------------------------------

def _fill(book) -> None:
    """Fill a workbook template with the fixture template's rows, numbers as numbers."""
    for sheet in ("study", "findings"):
        rows = read_tsv(TEMPLATE / f"{sheet}.tsv")
        ws = book[sheet]
        names = [c.value for c in ws[1]]
        for r, values in enumerate(rows[2:], start=3):
            for name, value in zip(rows[0], values, strict=False):
                if value:
                    ws.cell(r, names.index(name) + 1, int(value) if value.isdigit() else value)


def test_xlsx_template_round_trip_gives_the_tsv_graph(tmp_path):
    """template --format xlsx -> filled (as a spreadsheet saves it: numbers as numbers) -> add
    writes the same study.ttl as the TSV template; the closed lists are drop-down lists."""
    openpyxl = pytest.importorskip("openpyxl")
    book_path = tmp_path / "my-study.xlsx"
    result = run_exitkg("template", "--format", "xlsx", "--out", book_path)
    assert result.code == 0, result.stderr
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[:3] == ["study", "findings", "factors"]
    validated = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in book["findings"].data_validations.dataValidation}
    header = [c.value for c in book["findings"][1]]
    by_name = {header[openpyxl.utils.column_index_from_string(col) - 1]: f for col, f in validated.items()}
    assert set(by_name) >= {"factor", "role", "new_factor_level", "about_absence", "factor_named", "population"}
    assert by_name["factor"].startswith("factors!")
    _fill(book)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    assert _add(filled, STUDY_TEXT, tmp_path / "from-xlsx").code == 0
    assert _add(TEMPLATE, STUDY_TEXT, tmp_path / "from-tsv").code == 0
    assert (tmp_path / "from-xlsx" / "study.ttl").read_bytes() == (tmp_path / "from-tsv" / "study.ttl").read_bytes()


def test_xlsx_template_problems_name_the_sheet_row_and_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book_path = tmp_path / "t.xlsx"
    assert run_exitkg("template", "--format", "xlsx", "--out", book_path).code == 0
    book = openpyxl.load_workbook(book_path)
    _fill(book)
    ws = book["findings"]
    names = [c.value for c in ws[1]]
    ws.cell(4, names.index("factor") + 1, "spiritualty")
    book["study"].cell(3, [c.value for c in book["study"][1]].index("design") + 1, "qualitativ")
    book.save(book_path)
    result = _add(book_path, STUDY_TEXT, tmp_path / "out")
    assert result.code == 1
    assert f"{book_path}[findings]:4:1 (factor): unknown factor 'spiritualty'; did you mean 'spirituality'?" \
        in result.stderr
    assert f"{book_path}[study]:3:" in result.stderr and "'qualitativ' is not a study design" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_repository_data_is_untouched():
    assert not (REPO_ROOT / "data" / "wilson-nochajski-2016-abstract-test").exists()
    assert not (REPO_ROOT / "data" / "fixture-2024").exists()


def test_population_named_by_identifier_and_a_wrong_one_gets_did_you_mean(tmp_path):
    folder = _copy(tmp_path, WN_TEMPLATE)
    _set(folder, FINDINGS_SHEET, 3, "population", "wilson-nochajski-2016-india")
    out = tmp_path / "ok" / "wilson-nochajski-2016-abstract-test"
    assert _add(folder, WN_TEXT, out).code == 0
    assert "ekg:population pop:wilson-nochajski-2016-india" in (out / "study.ttl").read_text(encoding="utf-8")
    _set(folder, FINDINGS_SHEET, 3, "population", "wilson-nochajski-2016-indai")
    with pytest.raises(TemplateError) as info:
        add_study(folder, WN_TEXT, tmp_path / "bad")
    assert any("(population): 'wilson-nochajski-2016-indai' is not a population of study 'wilson-nochajski-2016'; "
               "did you mean 'wilson-nochajski-2016-india'?" in p for p in info.value.problems), info.value.problems


def test_xlsx_without_openpyxl_is_one_usage_error(tmp_path, monkeypatch):
    import sys

    from exitkg.core.errors import UsageError
    from exitkg.review.curate import write_template

    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(UsageError, match=r"needs the package 'openpyxl': pip install 'exitkg\[xlsx\]'"):
        write_template(tmp_path / "t.xlsx", "xlsx")
    assert not (tmp_path / "t.xlsx").exists()
