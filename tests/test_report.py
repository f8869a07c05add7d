"""``exitkg report``: the review's numbers, field by field."""

from __future__ import annotations

import json

import pytest

from conftest import run_exitkg

# (what, stated value) as the review states them; "what" as the report labels it.
REVIEW_NUMBERS = {
    "included studies: all (studies)": 13,
    "studies by design: qualitative (studies)": 9,
    "studies by design: quantitative (studies)": 3,
    "studies by design: mixed methods (studies)": 1,
    "studies by age group: adults (studies)": 8,
    "studies by age group: young adults (studies)": 3,
    "studies by age group: young adults and adults (studies)": 2,
    "studies by gender composition: female only (studies)": 12,
    "studies by gender composition: women, men and transgender women (studies)": 1,
    "participants of the mixed-gender sample by gender: women (participants)": 44,
    "participants of the mixed-gender sample by gender: men (participants)": 15,
    "participants of the mixed-gender sample by gender: transgender women (participants)": 2,
    "studies by nationality of the sample: Asia (studies)": 7,
    "studies by nationality of the sample: Nepal (studies)": 3,
    "studies by nationality of the sample: India (studies)": 3,
    "studies by nationality of the sample: Philippines (studies)": 1,
    "studies by nationality of the sample: United States (studies)": 4,
    "studies by nationality of the sample: India and United States (studies)": 1,
    "studies by nationality of the sample: mixed multinational sample (studies)": 1,
    "studies by migratory route: national (studies)": 6,
    "studies by migratory route: transnational (studies)": 4,
    "studies by migratory route: route not specified (studies)": 3,
    "studies by site of exploitation: indoor (studies)": 7,
    "studies by site of exploitation: controlled places of domestic sex trafficking (studies)": 2,
    "studies by site of exploitation: brothels (studies)": 4,
    "studies by site of exploitation: brothels and/or private clients (studies)": 1,
    "studies by site of exploitation: outdoor (street) (studies)": 1,
    "studies by site of exploitation: mixed indoor and outdoor (studies)": 1,
    "studies by site of exploitation: site not specified (studies)": 4,
    "factors by the review's classification: facilitating (factors (items of Figure 2))": 21,
    "factors by the review's classification: hindering (factors (items of Figure 2))": 7,
    "factors by the review's classification: controversial (factors (items of Figure 2))": 4,
    "factors by the review's classification: facilitating and individual (factors (items of Figure 2))": 7,
    "factors by the review's classification: facilitating and relational (factors (items of Figure 2))": 7,
    "factors by the review's classification: facilitating and structural (factors (items of Figure 2))": 7,
    "factors by the review's classification: controversial (boxes of Figure 2 (level and role cells with at least one item))": 3,
    "Figure 1: Records found": 2030,
    "Figure 1: Excluded at first screening": 2009,
    "Figure 1: Potentially included": 21,
    "Figure 1: Not meeting inclusion criteria": 4,
    "Figure 1: Requested but not obtained": 4,
    "Figure 1: Finally included": 13,
    "Figure 1: Finally excluded": 2017,
}


@pytest.fixture(scope="module")
def report():
    code, out, err = run_exitkg("report", "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_every_review_number_is_reproduced(report):
    assert report["agrees"] is True
    got = {}
    for r in report["reproductions"]:
        assert r["agrees"] is True and r["stated"] == r["computed"], r
        got.setdefault(r["what"], set()).add(r["stated"])
    for what, value in REVIEW_NUMBERS.items():
        assert got.get(what) == {value}, what
    # the abstract and the Results state some numbers twice; every stated count is reported
    assert len(report["reproductions"]) >= len(REVIEW_NUMBERS)


def test_figure_2_rebuilt(report):
    sizes = {role: [len(items) for items in levels.values()] for role, levels in report["figure_2"].items()}
    assert sizes == {"facilitating": [7, 7, 7], "hindering": [2, 4, 1], "controversial": [1, 2, 1]}
    assert report["figure_2"]["controversial"]["structural"] == ["Ong"]


def test_controversial_factors_with_both_sides(report):
    by_label = {c["label"]: c for c in report["controversial_by_evidence"]}
    assert set(by_label) == {"Substance abuse", "Family", "Religious organizations", "NGOs", "Stigma"}
    assert by_label["Stigma"]["status"] == "evidence-only"
    assert by_label["Stigma"]["review_classification"] == "hindering"
    india = [e for e in by_label["Stigma"]["evidence"] if e["direction"] == "facilitating"]
    assert india and india[0]["population"] == "wilson-nochajski-2016-india"
    for label in ("Substance abuse", "Family", "Religious organizations", "NGOs"):
        assert by_label[label]["status"] == "confirmed"
        assert {e["direction"] for e in by_label[label]["evidence"]} == {"facilitating", "hindering"}


def test_contradictions_are_listed(report):
    assert len(report["contradictions"]) == 10


def test_report_fails_when_a_reproduction_disagrees(tmp_path):
    extra = tmp_path / "fourteenth.ttl"
    extra.write_text(
        "<https://w3id.org/exitkg/id/review/ferrari-2021> "
        "<https://w3id.org/exitkg/ontology#includesStudy> <https://example.org/s14> .\n",
        encoding="utf-8",
    )
    code, out, err = run_exitkg("report", "--data", str(extra))
    assert code == 1
    assert "DISAGREES" in out and "stated 13, computed 14" in out


@pytest.mark.parametrize("fmt, marker", [("text", "reproductions agree"), ("markdown", "| what | stated |")])
def test_report_formats(fmt, marker):
    code, out, err = run_exitkg("report", "--format", fmt)
    assert code == 0, err
    assert marker in out
