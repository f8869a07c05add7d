"""Curation: ``exitkg template``, ``exitkg add`` and ``exitkg diff`` on the fictional test study.

The study in ``tests/fixtures/curation/`` is a test fixture (its text is invented); it is added to a
temporary folder, never to ``data/``. Adding it must leave every reproduction of the review
agreeing, validate with the whole graph, and show in ``exitkg diff`` as a new study, its findings
and the factor whose controversy status it changes. Each kind of bad template must be reported as
``file:row:column`` with nothing written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO_ROOT, read_tsv, run_in_process, sha256_tree, source_facts, write_tsv
from exitkg.review.curate import COLUMNS, FINDINGS_SHEET, STUDY_SHEET, TemplateError, add_study, check_template
from exitkg.core.errors import InputError

CURATION = FIXTURES / "curation"
TEMPLATE = CURATION / "template"
STUDY_TEXT = CURATION / "study-text.txt"


def _column(sheet: str, name: str) -> int:
    return [c.name for c in COLUMNS[sheet]].index(name) + 1


def _edited(tmp_path: Path, sheet: str, row: int, column: str, value: str) -> Path:
    """A copy of the fixture template with one cell of *sheet* (1-based file row) replaced."""
    folder = tmp_path / "template"
    shutil.copytree(TEMPLATE, folder)
    rows = read_tsv(folder / sheet)
    rows[row - 1][rows[0].index(column)] = value
    write_tsv(folder / sheet, rows)
    return folder


@pytest.fixture(scope="module")
def added(tmp_path_factory) -> Path:
    """The fixture study, added through the command line into a fresh data folder beside a copy of data/."""
    root = tmp_path_factory.mktemp("curated")
    shutil.copytree(REPO_ROOT / "data", root / "old")
    before = sha256_tree(TEMPLATE, STUDY_TEXT)
    result = run_in_process("add", TEMPLATE, "--source", STUDY_TEXT, "--out", root / "fixture-2024")
    assert result.code == 0, result.stderr
    assert "3 finding(s), 1 new factor(s)" in result.stdout
    assert sha256_tree(TEMPLATE, STUDY_TEXT) == before, "the template and the text are inputs, never modified"
    shutil.copytree(root / "old", root / "new")
    shutil.copytree(root / "fixture-2024", root / "new" / "fixture-2024")
    return root


def test_added_study_validates_with_the_whole_graph(added):
    result = run_in_process("validate", "--data", added / "fixture-2024")
    assert result.code == 0, result.stdout
    assert "conforms" in result.stdout


def test_added_study_quotes_are_checked_against_its_own_text(added):
    result = run_in_process("check-quotes", "--source", STUDY_TEXT, "--data", added / "fixture-2024", "--of", "fixture-2024")
    assert result.code == 0, result.stdout
    assert "all 3 of 3" in result.stdout


def test_review_reproductions_still_agree_and_report_says_what_the_graph_now_says(added):
    result = run_in_process("report", "--format", "json", "--data", added / "fixture-2024")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["agrees"] and all(r["agrees"] for r in report["reproductions"])
    baseline = json.loads(run_in_process("report", "--format", "json").stdout)
    assert report["reproductions"] == baseline["reproductions"]
    assert report["controversial_by_evidence"] == baseline["controversial_by_evidence"]
    whole = report["whole_graph"]
    packaged = {s["source"] for s in source_facts("beyond-the-review")["sources"]}
    assert {s["source"].rsplit("/", 1)[-1] for s in whole["other_sources"]} == packaged | {"fixture-2024"}
    changes = {c["label"]: c for c in whole["changed_from_reviews"]}
    assert set(changes) == {"Spirituality"}
    assert changes["Spirituality"]["in_reviews"] == "not controversial"
    # the fixture's Nepalese sample finds it hindering, the review's samples that have evidence on it
    # (in the US) facilitating: a conflict only between populations (docs/queries.md)
    assert changes["Spirituality"]["in_graph"] == "population-specific"
    assert not baseline["whole_graph"]["changed_from_reviews"]


def test_diff_shows_the_new_study_its_findings_and_the_factor_it_makes_controversial(added):
    result = run_in_process("diff", added / "old", added / "new", "--format", "json")
    assert result.code == 0, result.stderr
    d = json.loads(result.stdout)
    changes = {(c["kind"], c["iri"].rsplit("/id/", 1)[-1], c["change"]) for c in d["studies_and_findings"]}
    assert changes == {
        ("study", "study/fixture-2024", "added"),
        ("finding", "finding/fixture-2024/digital-literacy", "added"),
        ("finding", "finding/fixture-2024/family", "added"),
        ("finding", "finding/fixture-2024/spirituality", "added"),
    }
    factors = {f["label"]: f for f in d["factors"]}
    assert factors["Spirituality"]["controversy_before"] == "not controversial"
    assert factors["Spirituality"]["controversy_after"] == "population-specific"
    assert [f["iri"].rsplit("/", 1)[-1] for f in factors["Spirituality"]["findings"]] == ["spirituality"]
    assert factors["Digital literacy"]["classifications_added"] == ["source/fixture-2024 individualLevel facilitating"]
    assert "Family" not in factors, "family was controversial before and stays so"
    assert d["counts_no_longer_reproduced"] == [] and d["removed_without_deprecation"] == []
    text = run_in_process("diff", added / "old", added / "new").stdout
    assert "Spirituality: controversy not controversial -> population-specific" in text
    assert run_in_process("diff", added / "old", added / "old").stdout.endswith("no differences\n")


def test_diff_reports_a_removed_finding_and_counts_that_no_longer_reproduce(tmp_path):
    old = REPO_ROOT / "data"
    new = tmp_path / "data"
    shutil.copytree(old, new)
    review = new / "ferrari-2021" / "review.ttl"
    text = review.read_text(encoding="utf-8")
    # drop one included study from the review: the included-studies count no longer reproduces
    assert "study:wilson-nochajski-2018" in text
    review.write_text(text.replace(", study:wilson-nochajski-2018", "", 1).replace("study:wilson-nochajski-2018, ", "", 1),
                      encoding="utf-8")
    d = json.loads(run_in_process("diff", old, new, "--format", "json").stdout)
    assert any(c["query"] == "included-studies" for c in d["counts_no_longer_reproduced"]), d["counts_no_longer_reproduced"]


def test_template_writes_the_two_sheets_with_explained_columns(tmp_path):
    result = run_in_process("template", "--out", tmp_path / "t")
    assert result.code == 0, result.stderr
    for sheet, columns in COLUMNS.items():
        rows = read_tsv(tmp_path / "t" / sheet)
        assert rows[0] == [c.name for c in columns]
        assert rows[1][0].startswith("#") and all(rows[1])
        assert len(rows) == 2
    assert "one of: mixed methods, qualitative, quantitative" in (tmp_path / "t" / STUDY_SHEET).read_text()
    again = run_in_process("template", "--out", tmp_path / "t")
    assert again.code == 8 and "already exists" in again.stderr


# --- bad templates: each names file:row:column and writes nothing -----------------------------

BAD = {
    "closed-list value": (STUDY_SHEET, 3, "design", "qualitativ", "is not a study design"),
    "bad DOI": (STUDY_SHEET, 3, "doi", "10.55/fixture 2024", "is not a DOI"),
    "bad ORCID checksum": (STUDY_SHEET, 3, "curator_orcid", "0000-0002-1825-0098", "not a valid ORCID"),
    "quote not in the source": (FINDINGS_SHEET, 4, "quote", "spirituality became a wall that made leaving more difficult",
                                "not found verbatim"),
    "unknown factor without a level": (FINDINGS_SHEET, 3, "new_factor_level", "", "needs a level"),
    "unknown factor without a label": (FINDINGS_SHEET, 4, "factor", "resilience", "unknown factor 'resilience'"),
    "role outside the list": (FINDINGS_SHEET, 5, "role", "helpful", "is not a role"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_template_names_file_row_column_and_writes_nothing(tmp_path, case):
    sheet, row, column, value, message = BAD[case]
    folder = _edited(tmp_path, sheet, row, column, value)
    out = tmp_path / "out" / "fixture-2024"
    with pytest.raises(TemplateError) as info:
        add_study(folder, STUDY_TEXT, out)
    where = f"{folder / sheet}:{row}:{_column(sheet, column)} ({column})"
    assert any(p.startswith(where) and message in p for p in info.value.problems), info.value.problems
    assert not out.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_quote_over_25_words_is_placed_by_the_one_quote_rule(tmp_path):
    long_quote = ("Most participants described how digital literacy helped the women find work and housing after "
                  "leaving. For several of them, spirituality became a barrier that made leaving more difficult")
    folder = _edited(tmp_path, FINDINGS_SHEET, 3, "quote", long_quote)
    with pytest.raises(TemplateError) as info:
        add_study(folder, STUDY_TEXT, tmp_path / "out")
    where = f"{folder / FINDINGS_SHEET}:3:{_column(FINDINGS_SHEET, 'quote')} (quote)"
    assert [p for p in info.value.problems if p.startswith(where) and "Quote-words" in p], info.value.problems
    assert not (tmp_path / "out").exists()


def test_missing_column_names_the_header_row(tmp_path):
    folder = tmp_path / "template"
    shutil.copytree(TEMPLATE, folder)
    rows = read_tsv(folder / FINDINGS_SHEET)
    index = rows[0].index("role")
    write_tsv(folder / FINDINGS_SHEET, [r[:index] + r[index + 1:] for r in rows])
    with pytest.raises(InputError, match=r"findings\.tsv:1:\d+: missing column 'role'"):
        check_template(folder, STUDY_TEXT)


def test_not_utf8_names_the_position_and_cli_exit_code_is_2(tmp_path):
    folder = tmp_path / "template"
    shutil.copytree(TEMPLATE, folder)
    data = (folder / STUDY_SHEET).read_bytes().replace("Ada Example".encode(), "Ad\xe9 Example".encode("latin-1"))
    (folder / STUDY_SHEET).write_bytes(data)
    result = run_in_process("add", folder, "--source", STUDY_TEXT, "--out", tmp_path / "out")
    assert result.code == 2
    assert f"{folder / STUDY_SHEET}:3:" in result.stderr and "invalid UTF-8" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_lists_every_problem_on_its_own_line_with_exit_code_1(tmp_path):
    folder = _edited(tmp_path, STUDY_SHEET, 3, "design", "qualitativ")
    rows = read_tsv(folder / STUDY_SHEET)
    rows[2][rows[0].index("doi")] = "doi:10.5555/x"
    write_tsv(folder / STUDY_SHEET, rows)
    result = run_in_process("add", folder, "--source", STUDY_TEXT, "--out", tmp_path / "out")
    assert result.code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"exitkg: {folder / STUDY_SHEET}:3:{_column(STUDY_SHEET, 'doi')} (doi)")
    assert lines[1].startswith(f"exitkg: {folder / STUDY_SHEET}:3:{_column(STUDY_SHEET, 'design')} (design)")
    assert lines[2] == "exitkg: error: template not added (2 problem(s)); nothing written"
    assert not (tmp_path / "out").exists()


def test_a_repeated_finding_row_is_a_problem_not_a_second_finding(tmp_path):
    """A finding row pasted twice (the same factor, role, absence and quote, whitespace aside) is
    one statement: the repeat is named with its row and the row it repeats, and nothing is written.
    Two rows about one factor with different quotes stay two findings (the fixture study's own)."""
    folder = tmp_path / "template"
    shutil.copytree(TEMPLATE, folder)
    rows = read_tsv(folder / FINDINGS_SHEET)
    quote = rows[0].index("quote")
    family = next(i for i, r in enumerate(rows) if r[0] == "family")
    repeat = list(rows[family])
    repeat[quote] = "  " + repeat[quote].replace(" ", "  ") + " "
    write_tsv(folder / FINDINGS_SHEET, rows + [repeat])
    out = tmp_path / "out"
    result = run_in_process("add", folder, "--source", STUDY_TEXT, "--out", out)
    assert result.code == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == (f"exitkg: {folder / FINDINGS_SHEET}:{len(rows) + 1}:{quote + 1} (quote): repeats row "
                        f"{family + 1} (the same factor, role, absence and quote): one finding; delete one of the two rows")
    assert lines[1:] == ["exitkg: error: template not added (1 problem(s)); nothing written"]
    assert not out.exists()


def test_existing_output_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.ttl").write_text("# mine\n")
    result = run_in_process("add", TEMPLATE, "--source", STUDY_TEXT, "--out", out)
    assert result.code == 8 and "already exists" in result.stderr
    assert (out / "keep.ttl").read_text() == "# mine\n"


def test_a_study_already_in_the_graph_is_refused(added, tmp_path):
    with pytest.raises(TemplateError) as info:
        add_study(TEMPLATE, STUDY_TEXT, tmp_path / "again", data=[added / "fixture-2024"])
    assert any("already in the graph" in p for p in info.value.problems)


def test_a_new_factor_found_both_ways_is_classified_controversial_by_the_curators(tmp_path):
    folder = tmp_path / "template"
    shutil.copytree(TEMPLATE, folder)
    rows = read_tsv(folder / FINDINGS_SHEET)
    header = rows[0]
    extra = [""] * len(header)
    extra[header.index("factor")] = "digital-literacy"   # declared on an earlier row
    extra[header.index("role")] = "facilitating"
    extra[header.index("about_absence")] = "yes"         # about its absence: hindering in effect
    extra[header.index("quote")] = "digital literacy helped the women find work"
    extra[header.index("section")] = "Results"
    write_tsv(folder / FINDINGS_SHEET, rows + [extra])
    result = add_study(folder, STUDY_TEXT, tmp_path / "out")
    assert result.findings == 4 and result.new_factors == ["https://w3id.org/exitkg/id/factor/digital-literacy"]
    text = (tmp_path / "out" / "study.ttl").read_text(encoding="utf-8")
    block = text[text.index("cls:digital-literacy a"):].split("\n\n", 1)[0]
    assert "ekg:role ekg:controversial" in block
    assert "find:digital-literacy-2 a ekg:Finding" in text
