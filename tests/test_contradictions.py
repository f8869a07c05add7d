"""The review's contradictions kept with both sides, the data fixes of the fidelity audit, quotes in
the published wording, and the population-aware status of the controversial factors.

What the review says is read from ``tests/expected/sources/ferrari-2021.yaml`` (the contradictions
and the resources holding their sides, the controversial factors and their statuses)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import exitkg
from conftest import REVIEW_TEXT, source_facts

ID = "https://w3id.org/exitkg/id/"
FERRARI = source_facts("ferrari-2021")
PREFIXES = """PREFIX ekg: <https://w3id.org/exitkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@pytest.fixture(scope="module")
def graph():
    return exitkg.load()


def rows(graph, text: str) -> list[dict]:
    return graph.run(PREFIXES + text).dicts()


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


# --- contradictions -------------------------------------------------------------------------------

def _involved(graph) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for r in rows(graph, "SELECT ?c ?x WHERE { ?c a ekg:Contradiction ; ekg:involves ?x }"):
        found.setdefault(slug(r["c"]), set()).add(r["x"][len(ID):])
    return found


def test_every_contradiction_is_recorded_with_the_resources_of_its_sides(graph):
    expected = {name: set(sides) for name, sides in FERRARI["contradictions"].items()}
    assert _involved(graph) == expected


@pytest.mark.parametrize("name", sorted(FERRARI["contradictions"]))
def test_each_contradiction_has_two_sides_a_description_and_a_note(graph, name):
    iri = f"{ID}contradiction/ferrari-2021/{name}"
    sides = rows(graph, f"SELECT ?x WHERE {{ <{iri}> ekg:involves ?x }}")
    assert len(sides) >= 2
    described = rows(graph, f"SELECT ?c ?n WHERE {{ <{iri}> rdfs:comment ?c ; ekg:resolutionNote ?n }}")
    assert len(described) == 1 and described[0]["c"] and described[0]["n"]
    # every side is a resource the graph describes, not a dangling name
    for side in sides:
        assert rows(graph, f"SELECT ?p WHERE {{ <{side['x']}> ?p ?o }} LIMIT 1"), side["x"]


def test_the_absence_contradiction_involves_only_statements_about_an_absence(graph):
    involved = rows(graph, f"""SELECT ?x ?absent WHERE {{
        <{ID}contradiction/ferrari-2021/absence-statements> ekg:involves ?x . ?x a ekg:Finding ; ekg:aboutAbsence ?absent }}""")
    assert involved and all(r["absent"] is True or r["absent"] == "true" for r in involved), involved


# --- data fixes -----------------------------------------------------------------------------------

def test_a_study_counts_once_for_a_factor_and_role(graph):
    """Once in each source: a source read in the study's own text may state what the review states."""
    found = rows(graph, """SELECT ?f ?s ?factor ?role ?pop ?value ?source WHERE {
        ?f a ekg:Finding ; ekg:fromStudy ?s ; ekg:aboutFactor ?factor ; ekg:statedRole ?role ; ekg:inSource ?source .
        OPTIONAL { ?f ekg:population ?pop } OPTIONAL { ?f ekg:factorValue ?value } }""")
    keys = [(r["s"], r["factor"], r["role"], r.get("pop"), r.get("value"), r["source"]) for r in found]
    assert len(keys) == len(set(keys))
    spirituality = [r for r in found if slug(r["s"]) == "hickle-2017" and slug(r["factor"]) == "spirituality"]
    assert len(spirituality) == 1
    # the second mention is kept, as a remark
    assert rows(graph, f"SELECT ?r WHERE {{ ?r a ekg:Remark ; ekg:aboutFactor <{ID}factor/spirituality> }}")


def test_the_cultural_orientation_values_are_data(graph):
    values = rows(graph, f"""SELECT ?v ?pop WHERE {{ ?f a ekg:Finding ; ekg:aboutFactor <{ID}factor/cultural-orientation> ;
        ekg:factorValue ?v OPTIONAL {{ ?f ekg:population ?pop }} }}""")
    assert {(r["v"], slug(r["pop"]) if r.get("pop") else None) for r in values} == {
        ("collectivist", None), ("individualist", "wilson-nochajski-2016-india")}


@pytest.mark.parametrize("finding, provenance", [
    ("hickle-2017-self-esteem", "CuratorInference"),       # named in a time clause, no role word
    ("hickle-2017-social-agencies", "CuratorInference"),   # the programs facilitate, the agencies run them
    ("wilson-nochajski-2018-social-agencies", "StatedInReview"),  # "agencies and welfare services helps"
])
def test_factor_link_provenance(graph, finding, provenance):
    got = rows(graph, f"SELECT ?p WHERE {{ <{ID}finding/ferrari-2021/{finding}> ekg:factorLinkProvenance ?p }}")
    assert [slug(r["p"]) for r in got] == [provenance]


def test_labels_name_the_factor_and_are_unique(graph):
    assertions = rows(graph, """SELECT ?x ?label ?factor WHERE { VALUES ?k { ekg:Finding ekg:CitedEvidence } ?x a ?k ; rdfs:label ?label ;
        ekg:aboutFactor ?f . ?f skos:prefLabel ?factor }""")
    wrong = [(r["x"], r["label"]) for r in assertions if r["factor"].lower() not in r["label"].lower()]
    assert assertions and wrong == []
    statements = [r["l"] for r in rows(graph, "SELECT ?x ?l WHERE { VALUES ?k { ekg:Finding ekg:CitedEvidence ekg:Remark } ?x a ?k ; rdfs:label ?l }")]
    assert len(statements) == len(set(statements))


def test_the_two_inferences_about_the_dalla_kreimer_sample_say_they_disagree(graph):
    notes = {slug(r["c"]): r["n"] for r in rows(graph, f"""SELECT ?c ?n WHERE {{
        <{ID}study/dalla-kreimer-2017> ekg:hasCharacteristic ?c . ?c ekg:provenance ekg:CuratorInference ; ekg:inferenceNote ?n }}""")}
    assert "Nepalese" in notes["dalla-kreimer-2017-route"] and "Indian" in notes["dalla-kreimer-2017-route"]
    assert {"characteristic/ferrari-2021/dalla-kreimer-2017-route", "characteristic/ferrari-2021/dalla-kreimer-2017-nationality"} \
        <= _involved(graph)["dalla-kreimer-nationality"]


def test_the_mixed_gender_quote_is_whole(graph):
    quote = rows(graph, f"SELECT ?q WHERE {{ <{ID}count/ferrari-2021/gender-mixed> ekg:quote ?q }}")[0]["q"]
    assert "also men" in quote and "transgender women" in quote


def test_each_level_of_the_framework_has_its_own_quote(graph):
    found = rows(graph, f"""SELECT ?label ?q WHERE {{ <{ID}model/traumagenic-social-ecological-framework> ekg:hasComponent ?c .
        ?c rdfs:label ?label ; ekg:quote ?q }}""")
    assert len(found) == 4 and len({r["q"] for r in found}) == 4
    word = {"societal level": "social level", "community level": "community level",
            "interpersonal level": "interpersonal level", "individual level": "individual level"}
    assert all(word[r["label"]] in r["q"] for r in found)


def test_the_models_citations_are_kept_as_printed(graph):
    cited = {r["c"] for r in rows(graph, f"SELECT ?c WHERE {{ <{ID}model/integrated-model> ekg:citedAs ?c }}")}
    assert cited == {"Baker, Rochelle, Dalla, and Williamson (2010)", "Baker, Dalla and Williamson, 2010"}


@pytest.mark.parametrize("node", ["fleisher-2008-family", "surtees-2008-family", "ikeora-2016-religious-organizations",
                                  "van-der-watt-kruger-2017-religious-organizations"])
def test_evidence_read_from_entry_is_marked_as_the_curators_inference(graph, node):
    got = rows(graph, f"""SELECT ?p ?n WHERE {{ <{ID}cited-evidence/ferrari-2021-discussion/{node}> ekg:provenance ?p ;
        ekg:inferenceNote ?n }}""")
    assert [slug(r["p"]) for r in got] == ["CuratorInference"]
    assert "entry" in got[0]["n"] and "not in exit" in got[0]["n"]


# --- quotes in the published wording --------------------------------------------------------------

def test_the_copys_markup_is_removed_by_one_rule():
    from exitkg.checks.check_quotes import published_wording

    assert published_wording("adults ( $n = 8$ ), 3 young") == "adults (n = 8), 3 young"
    assert published_wording("( $n = 3$  Nepali,  $n = 3$  Indian)") == "(n = 3  Nepali,  n = 3  Indian)"
    assert published_wording("no markup (n = 8)") == "no markup (n = 8)"


def test_no_quote_carries_the_markup(graph):
    assert rows(graph, """SELECT ?x ?q WHERE { ?x ekg:quote|ekg:citedAs ?q FILTER(CONTAINS(?q, "$")) }""") == []


@pytest.mark.skipif(not REVIEW_TEXT.is_file(), reason="the copy of the review is not next to the checkout")
def test_the_published_wording_is_found_in_the_marked_up_copy(graph):
    from exitkg.checks.check_quotes import check_quotes

    result = check_quotes(REVIEW_TEXT, graph)
    assert result.ok, result.missing
    assert "( $n = 8$ )" in REVIEW_TEXT.read_text(encoding="utf-8")  # the copy itself is unchanged


# --- population-aware status ----------------------------------------------------------------------

def _status(graph, **params) -> dict[str, str]:
    found = graph.query("controversial-by-evidence", population_aware="true", **params).dicts()
    return {slug(r["factor"]): r["status"] for r in found}


def test_status_per_the_definition(graph):
    status = _status(graph)
    assert {f for f, s in status.items() if s == "contested"} == set(FERRARI["contested"])
    assert {f for f, s in status.items() if s == "population-specific"} == set(FERRARI["population_specific"])
    findings = _status(graph, include_cited="false")
    assert {f for f, s in findings.items() if s == "contested"} == set(FERRARI["contested_findings_only"])
    assert {f for f, s in findings.items() if s == "population-specific"} == set(FERRARI["population_specific_findings_only"])


def test_stigma_is_contested_within_the_indian_samples(graph):
    """Dalla & Kreimer's Indian sample (hindering) and the Indian sample of Wilson & Nochajski 2016
    (facilitating) disagree, as controversy-on-subset with country=IN shows; without the Dalla &
    Kreimer finding, and without the cited works (no country), the conflict is between countries."""
    assert _status(graph, include_cited="false")["stigma"] == "contested"
    india = {slug(r["factor"]) for r in graph.query("controversy-on-subset", country="IN").dicts()}
    assert "stigma" in india
    fresh = exitkg.load()
    dalla = ox.NamedNode(f"{ID}finding/ferrari-2021/dalla-kreimer-2017-stigma")
    for quad in list(fresh.store.quads_for_pattern(dalla, None, None)):
        fresh.store.remove(quad)
    assert _status(fresh, include_cited="false")["stigma"] == "population-specific"
    assert _status(fresh)["stigma"] == "contested"  # the cited works apply to every population
