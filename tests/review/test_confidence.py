"""Evidence profiles and exitkg's confidence rule (exitkg.review.confidence, docs/confidence.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import exitkg
from exitkg.review import confidence as C
from exitkg.review.confidence import LEVELS, THRESHOLDS, Profile, confidence, evidence_profiles

EXPECTED_LEVELS = Path(__file__).resolve().parents[1] / "expected" / "confidence-levels.csv"
FACTOR = "https://w3id.org/exitkg/id/factor/"
COMPONENTS = ("adequacy", "coherence", "relevance", "methodological limitations")


@pytest.fixture(scope="module")
def packaged():
    graph = exitkg.load()
    return graph, {e.factor: e for e in evidence_profiles(graph)}


def test_every_factor_has_a_profile_and_a_level_with_its_reasons(packaged):
    graph, found = packaged
    factors = {r["factor"] for r in graph.run(
        "SELECT ?factor WHERE { ?factor a <https://w3id.org/exitkg/ontology#Factor> }").dicts()}
    assert factors and set(found) == factors
    for entry in found.values():
        assert entry.confidence.level in LEVELS
        # one reason per component, in the rule's order
        assert [r.split(":")[0] for r in entry.confidence.reasons] == list(COMPONENTS), entry.label
        assert entry.profile.statements == entry.profile.facilitating + entry.profile.hindering


def test_the_levels_of_the_packaged_graph_are_the_expected_ones(packaged, expected):
    """The one file of expected levels (``--update-expected`` rewrites it from the rule's answer)."""
    _, found = packaged
    rows = sorted((f[len(FACTOR):], e.confidence.level) for f, e in found.items())
    expected(EXPECTED_LEVELS, "factor,level\n" + "".join(f"{f},{level}\n" for f, level in rows))


def test_the_api_gives_the_same_profiles(packaged):
    graph, found = packaged
    assert [e.as_dict() for e in exitkg.evidence_profile(graph)] == [e.as_dict() for e in found.values()]


def test_the_status_is_controversial_by_evidence_population_aware(packaged):
    graph, found = packaged
    rows = exitkg.query("controversial-by-evidence", graph, population_aware="true").dicts()
    statuses = {r["factor"]: r["status"] for r in rows}
    assert statuses, "the packaged graph has controversial factors"
    for factor, entry in found.items():
        assert entry.status == statuses.get(factor, "not controversial"), entry.label


def test_the_quality_statement_stands_where_no_appraisal_is_recorded(packaged):
    _, found = packaged
    stigma = found[FACTOR + "stigma"]
    assert stigma.profile.appraised_studies == 0
    assert "None of the studies employed doubtful methodologies" in stigma.confidence.reasons[3]


def test_the_profile_is_given_per_source_and_per_population(packaged):
    graph, found = packaged
    family = found[FACTOR + "family"]
    sources = {r["source"].value.rsplit("/", 1)[1] for r in graph.run(
        "PREFIX ekg: <https://w3id.org/exitkg/ontology#> SELECT DISTINCT ?source WHERE { "
        "?a ekg:aboutFactor <" + FACTOR + "family> ; ekg:effectiveRole ?d ; ekg:inSource ?source . "
        "{ ?a a ekg:Finding } UNION { ?a a ekg:CitedEvidence } }").rows}
    assert {"ferrari-2021", "ferrari-2021-discussion"} < sources
    assert set(family.by_source) == sources
    assert sum(p.statements for p in family.by_source.values()) == family.profile.statements
    assert set(family.by_population) <= set(family.profile.countries)
    assert family.by_population


# --------------------------------------------------------------------------- #
# The rule, component by component, at its thresholds (THRESHOLDS, the one place that holds them)
# --------------------------------------------------------------------------- #

def _good(**changes) -> Profile:
    """A profile that no component steps down: enough studies, participants and countries."""
    n = THRESHOLDS["studies"]
    base = dict(studies=n, statements=n, facilitating=n, participants=THRESHOLDS["participants"],
                participants_of=n, countries=[f"C{i}" for i in range(THRESHOLDS["countries"])],
                appraised_studies=n)
    return Profile(**{**base, **changes})


def test_a_profile_no_component_steps_down_is_high():
    result = confidence(_good(), "not controversial")
    assert result.level == "high" and all(r.endswith("no concern") for r in result.reasons)


@pytest.mark.parametrize(("changes", "status", "level"), [
    (dict(studies=THRESHOLDS["studies"] - 1), "", "moderate"),
    (dict(studies=1), "", "low"),
    (dict(studies=0, cited_works=2), "", "very low"),
    (dict(participants=THRESHOLDS["participants"] - 1), "", "moderate"),
    ({}, "population-specific", "moderate"),
    ({}, "contested", "low"),
    (dict(countries=["C0"] * 0 + ["C0"]), "", "moderate"),
    (dict(with_concerns=1, concerns=["analysis"]), "", "moderate"),
    (dict(with_concerns=THRESHOLDS["studies"], concerns=["analysis"]), "", "low"),
    (dict(appraised_studies=0, unappraised=THRESHOLDS["studies"]), "", "moderate"),
    (dict(appraised_studies=0, under_quality_statement=THRESHOLDS["studies"]), "", "high"),
])
def test_each_component_steps_down_by_its_threshold(changes, status, level):
    assert confidence(_good(**changes), status or "not controversial").level == level


def test_the_level_never_goes_below_very_low():
    assert confidence(_good(studies=1, countries=[], with_concerns=1), "contested").level == LEVELS[-1]


def test_the_concerns_are_the_ontologys_closed_list():
    assert C.concern_labels() == ("samplingConcern", "dataCollectionConcern", "analysisConcern",
                                  "reportingConcern", "reflexivityConcern")


# --------------------------------------------------------------------------- #
# A graph with a second source
# --------------------------------------------------------------------------- #

_PREFIXES = """\
@prefix ekg:     <https://w3id.org/exitkg/ontology#> .
@prefix source:  <https://w3id.org/exitkg/id/source/> .
@prefix study:   <https://w3id.org/exitkg/id/study/> .
@prefix factor:  <https://w3id.org/exitkg/id/factor/> .
@prefix country: <https://w3id.org/exitkg/id/country/> .
@prefix ex:      <https://w3id.org/exitkg/id/test/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""


def _source(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "second"
    folder.mkdir()
    (folder / "source.ttl").write_text(_PREFIXES + textwrap.dedent("""\
        source:second a ekg:Source ; dcterms:title "A second source"@en ;
            ekg:encodes study:second-2024 .
        """) + textwrap.dedent(body), encoding="utf-8")
    return folder


def test_a_second_source_with_a_study_changes_the_profile_and_the_level(tmp_path, packaged):
    _, before = packaged
    friends = FACTOR + "friends"
    assert before[friends].profile.studies == 1 and before[friends].profile.countries == ["US"]
    folder = _source(tmp_path, """\
        study:second-2024 a ekg:Study ; dcterms:title "A later study"@en ; ekg:year 2024 ;
            ekg:hasCharacteristic ex:design, ex:sample, ex:nationality .
        ex:design a ekg:DesignCharacteristic ; ekg:inSource source:second ; ekg:design ekg:qualitative ;
            ekg:provenance ekg:StatedInReview ; ekg:quote "a qualitative study" .
        ex:sample a ekg:SampleCharacteristic ; ekg:inSource source:second ; ekg:sampleSize 40 ;
            ekg:provenance ekg:StatedInReview ; ekg:quote "forty women" .
        ex:nationality a ekg:NationalityCharacteristic ; ekg:inSource source:second ; ekg:country country:IN ;
            ekg:provenance ekg:StatedInReview ; ekg:quote "in India" .
        ex:finding a ekg:Finding ; ekg:inSource source:second ; ekg:fromStudy study:second-2024 ;
            ekg:aboutFactor factor:friends ; ekg:statedRole ekg:facilitating ; ekg:aboutAbsence false ;
            ekg:quote "friends helped them leave" ; ekg:factorLinkProvenance ekg:StatedInReview .
        """)
    after = {e.factor: e for e in evidence_profiles(exitkg.load(data=[folder]))}[friends]
    p = after.profile
    assert (p.studies, p.statements, p.facilitating) == (2, 2, 2)
    assert p.countries == ["IN", "US"] and p.last_year == 2024
    assert p.participants == before[friends].profile.participants + 40
    assert set(after.by_source) == {"ferrari-2021", "second"} and set(after.by_population) == {"IN", "US"}
    # adequacy one step (2 studies), relevance none (2 countries); the new study is neither appraised
    # nor included by a review: 1 of 2 is not above the threshold's half
    assert before[friends].confidence.level == "very low" and after.confidence.level == "moderate"
    assert after.confidence.reasons[0].startswith("adequacy: 2 studies")
    assert after.confidence.reasons[2] == "relevance: evidence from 2 countries: no concern"


def test_an_appraisal_with_a_concern_steps_methodological_limitations_down(tmp_path, packaged):
    _, before = packaged
    labels = FACTOR + "labels"
    folder = _source(tmp_path, """\
        study:crawford-kaufman-2008 ekg:appraisal ex:appraisal .
        ex:appraisal a ekg:Appraisal ; ekg:inSource source:second ; ekg:concern ekg:samplingConcern .
        """)
    graph = exitkg.load(data=[folder])
    assert not _appraisal_violations(graph)
    after = {e.factor: e for e in evidence_profiles(graph)}[labels]
    assert (after.profile.appraised_studies, after.profile.with_concerns) == (1, 1)
    assert after.profile.concerns == ["sampling or recruitment"]
    assert after.confidence.reasons[3].endswith("down one level")
    assert LEVELS.index(after.confidence.level) == LEVELS.index(before[labels].confidence.level) + 1


def test_an_appraisal_outside_the_closed_list_is_a_violation(tmp_path):
    folder = _source(tmp_path, """\
        study:crawford-kaufman-2008 ekg:appraisal ex:appraisal .
        ex:appraisal a ekg:Appraisal ; ekg:inSource source:second ; ekg:concern ekg:quantitative .
        """)
    assert [r.message for r in _appraisal_violations(exitkg.load(data=[folder]))] == [
        "An appraisal's concerns come from the closed list: sampling or recruitment, data collection, analysis, "
        "reporting, researcher reflexivity."]


def _appraisal_violations(graph) -> list:
    return [r for r in exitkg.validate(graph).results if r.focus == "https://w3id.org/exitkg/id/test/appraisal"]


def test_the_report_shows_every_profile_with_its_level_and_reasons(packaged):
    from exitkg.pages.report import render_html
    from exitkg.review.report import RENDERERS, build_report

    graph, found = packaged
    report = build_report(graph)
    assert report.as_dict()["evidence_profiles"] == [e.as_dict() for e in found.values()]
    text, markdown = RENDERERS["text"](report), RENDERERS["markdown"](report)
    html = render_html(report)
    for out in (text, markdown, html):
        assert "Evidence profiles and confidence" in out and "not a CERQual assessment by reviewers" in out
    assert "| factor | status | studies | participants | designs | countries | agreement | inferred |" in markdown
    assert "<th>inferred share</th>" in html
    for e in found.values():
        assert f"{e.label} ({e.status}): confidence {e.confidence.level};" in text
        assert all(reason in text for reason in e.confidence.reasons)
