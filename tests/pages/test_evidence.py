"""The evidence pages (exitkg/pages/evidence.py): a factor's, a study's, a finding's and a source's
page put a summary first, as CIViC's evidence pages do, and fold their statements away.

Every number a test expects is read from the graph (a query, the library's evidence profile), never
typed here; the definition rows are those `factor-definitions` lists, and a factor without one is a
small fixture added to the packaged graph.
"""

from __future__ import annotations

import html
import re
from html import escape

import pyoxigraph as ox
import pytest

import exitkg
from exitkg.graph.local import load
from exitkg.publish.site import Identifiers
from exitkg.rdf.namespaces import EKG, EKG_ID

from conftest import REPO_ROOT

SECOND = REPO_ROOT / "tests" / "fixtures" / "sources" / "second-review"
FACTORS = ("stigma", "family", "new-job")


@pytest.fixture(scope="module")
def packaged():
    return load()


@pytest.fixture(scope="module")
def ids(packaged):
    return Identifiers([packaged.store], graph=packaged)


def _page(ids, iri: str) -> str:
    return ids.html(iri)


def _summary(page: str) -> str:
    """The part of a page above its folded statements."""
    assert page.count('<details class="raw">') == 1, "the statements are folded away once"
    return page.split('<details class="raw">', 1)[0]


def _rows(html: str, table_class: str) -> list[str]:
    table = html.split(f'<table class="{table_class}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]  # without the head


@pytest.mark.parametrize("slug", FACTORS)
def test_a_factor_page_shows_its_status_profile_and_confidence_first(packaged, ids, slug):
    iri = EKG_ID + "factor/" + slug
    [found] = [f for f in exitkg.evidence_profile(packaged) if f.factor == iri]
    summary = _summary(_page(ids, iri))
    # the population-aware status of controversial-by-evidence (the one definition), when it has one
    statuses = {r["factor"]: r["status"] for r in
                packaged.query("controversial-by-evidence", population_aware="true").dicts()}
    assert f'<td class="status status-{found.status.replace(" ", "-")}">{found.status}' in summary
    assert found.status == statuses.get(iri, "not controversial")
    p = found.profile
    assert f"<tr><th>studies</th><td>{p.studies}" in summary
    assert f"<tr><th>participants</th><td>{p.participants} (sample sizes stated for {p.participants_of} of" in summary
    assert f"{p.facilitating} facilitating, {p.hindering} hindering (of {p.statements} statements)" in summary
    assert f"<tr><th>countries</th><td>{escape(', '.join(p.countries)) or 'none stated'}</td></tr>" in summary
    # the confidence level, with every reason, said to be exitkg's rule
    assert f'confidence-{found.confidence.level.replace(" ", "-")}">{found.confidence.level}</span>' in summary
    for reason in found.confidence.reasons:
        assert f"<li>{escape(reason)}</li>" in summary
    assert "not a CERQual assessment made by reviewers" in summary
    # the review's classification, per source
    classifications = packaged.query("classifications-of-factor", factor=iri).dicts()
    assert summary.count("<tr><th>classification</th>") == len(classifications) > 0
    # the evidence table: one row per statement of evidence-for-factor, each with its quote
    evidence = packaged.query("evidence-for-factor", factor=iri).dicts()
    rows = _rows(summary, "evidence")
    assert len(rows) == len(evidence) > 0
    assert summary.count("<h2>Evidence (") == 1 and f"<h2>Evidence ({len(evidence)} statements)</h2>" in summary
    for r in evidence:
        assert f"<q>{escape(r['quote'])}</q>" in summary
    # the statements the curators inferred are marked so: as many, among those with a direction, as
    # the profile counts
    directed = [row for row in rows if "no direction" not in row.split("</td>", 1)[0]]
    marked = [row for row in directed if "(curators&#8217; inference)" in row.split("</td>", 1)[0]]
    assert len(directed) == p.statements and len(marked) == p.inferred


def test_every_factor_page_has_a_summary_and_its_statements_folded(packaged, ids):
    factors = {q.subject.value for q in packaged.store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(EKG + "Factor"),
        ox.DefaultGraph())}
    levels = {f.factor: f.confidence.level for f in exitkg.evidence_profile(packaged)}
    assert factors and set(levels) == factors
    for iri in sorted(factors):
        summary = _summary(_page(ids, iri))
        assert '<section class="summary">' in summary and f">{levels[iri]}</span></h2>" in summary, iri


def test_a_second_source_shows_beside_the_first(tmp_path):
    """A second source's classification is a row of its own on the factor's page, and its statement
    a row of the profile by source and of the evidence table."""
    extra = tmp_path / "finding.ttl"
    extra.write_text("""@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix ex: <https://example.org/exitkg-test/> .
ex:finding-1 a ekg:Finding ; ekg:inSource ex:source ; ekg:aboutFactor <https://w3id.org/exitkg/id/factor/stigma> ;
    ekg:fromStudy <https://w3id.org/exitkg/id/study/dahal-2015> ; ekg:statedRole ekg:hindering ;
    ekg:aboutAbsence false ; ekg:quote "a test quote" ; ekg:locatedIn ex:section-table-1 .
""", encoding="utf-8")
    graph = load(data=[SECOND, extra])
    summary = _summary(Identifiers([graph.store], graph=graph).html(EKG_ID + "factor/stigma"))
    classifications = re.findall(r"<tr><th>classification</th><td>(.*?)</td></tr>", summary)
    assert len(classifications) == 2
    assert any("structural" in c and "controversial" in c and "A second source (test fixture)" in c
               for c in classifications)
    [found] = [f for f in exitkg.evidence_profile(graph) if f.factor == EKG_ID + "factor/stigma"]
    assert len(found.by_source) == len(_rows(summary, "profile")) - len(found.by_population)
    assert "<q>a test quote</q>" in summary
    assert f">{found.confidence.level}</span></h2>" in summary


NEW_FACTOR = """@prefix ekg: <https://w3id.org/exitkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/exitkg/id/factor/a-test-factor> a ekg:Factor ; skos:prefLabel "A test factor"@en ;
    skos:inScheme ekg:FactorScheme .
"""


def test_a_definition_says_whose_words_it_is(packaged, ids, tmp_path):
    """The packaged definitions: one in the review's words (quoted, with its section) and one of the
    curators (marked so), as factor-definitions lists them; a factor without one has no row."""
    rows = packaged.query("factor-definitions").dicts()
    stated = next(r for r in rows if r["provenance"] == EKG + "StatedInReview" and r.get("section"))
    curated = next(r for r in rows if r["provenance"] == EKG + "CuratorInference")
    for row, words in ((stated, "the review&#8217;s words"), (curated, "curators&#8217; definition")):
        slug = row["factor"].rsplit("/", 1)[1]
        [shown] = re.findall(r"<tr><th>definition</th><td>(.*?)</td></tr>",
                             _summary(ids.html(row["factor"])))
        assert html.escape(row["definition"]) in shown and words in shown, slug
    section = ids.href(stated["section"], "id/factor/" + stated["factor"].rsplit("/", 1)[1])
    assert section and f'<a href="{section}">' in re.findall(
        r"<tr><th>definition</th><td>(.*?)</td></tr>", _summary(ids.html(stated["factor"])))[0]
    # a factor without a definition shows no definition row
    extra = tmp_path / "factor.ttl"
    extra.write_text(NEW_FACTOR, encoding="utf-8")
    graph = load(data=[extra])
    page = Identifiers([graph.store], graph=graph).html(EKG_ID + "factor/a-test-factor")
    assert "<tr><th>definition</th>" not in _summary(page)


def test_a_study_page_shows_its_characteristics_by_their_labels(packaged, ids):
    iri = EKG_ID + "study/cordisco-tsai-2017"
    summary = _summary(_page(ids, iri))
    size, doi = [(r["n"].value, r["doi"].value) for r in packaged.run(
        "PREFIX ekg: <https://w3id.org/exitkg/ontology#> PREFIX bibo: <http://purl.org/ontology/bibo/> "
        "SELECT ?s ?n ?doi WHERE { ?s ekg:hasCharacteristic/ekg:sampleSize ?n ; bibo:doi ?doi }",
        {"s": ox.NamedNode(iri)}).rows][0]
    assert f'<a href="https://doi.org/{doi}">{doi}</a>' in summary
    assert re.search(rf"<tr><th>sample</th><td>{size}: ", summary)
    characteristics = _rows(summary, "characteristics")
    expected = packaged.run("PREFIX ekg: <https://w3id.org/exitkg/ontology#> "
                            "SELECT ?s ?c WHERE { ?s ekg:hasCharacteristic ?c }", {"s": ox.NamedNode(iri)}).rows
    assert len(characteristics) == len(expected) > 0
    # by their labels: no characteristic's identifier as the text of a link
    assert not re.search(r">[a-z-]+-2017-[a-z-]+</a>", summary)
    assert ">design characteristic</a>" in summary
    # a value the curators inferred is marked so in the summary (the design here, in the data)
    [provenance] = [r["p"].value for r in packaged.run(
        "PREFIX ekg: <https://w3id.org/exitkg/ontology#> SELECT ?s ?p WHERE { ?s ekg:hasCharacteristic ?c . "
        "?c a ekg:DesignCharacteristic ; ekg:provenance ?p }", {"s": ox.NamedNode(iri)}).rows]
    [design] = re.findall(r"<tr><th>design</th><td>(.*?)</td></tr>", summary)
    assert provenance == EKG + "CuratorInference" and design.endswith("(curators&#8217; inference)</span>")
    findings = packaged.query("factors-of-study", study=iri).dicts()
    assert len(_rows(summary, "evidence")) == len(findings) > 0


def test_a_finding_page_says_its_claim_in_one_sentence(packaged, ids):
    summary = _summary(_page(ids, EKG_ID + "finding/ferrari-2021/hickle-2017-spirituality"))
    assert '<p class="claim">Spirituality facilitates exit (Hickle, 2017)</p>' in summary
    [quote] = [q.object.value for q in packaged.store.quads_for_pattern(
        ox.NamedNode(EKG_ID + "finding/ferrari-2021/hickle-2017-spirituality"), ox.NamedNode(EKG + "quote"), None,
        ox.DefaultGraph())]
    assert f"<blockquote>&#8220;{escape(quote)}&#8221;</blockquote>" in summary
    assert "results-individual-facilitating.html" in summary and "study/hickle-2017.html" in summary
    # a plural factor's verb agrees with it; two authors are both named, three or more as "et al."
    summary = _summary(_page(ids, EKG_ID + "finding/ferrari-2021/dahal-2015-ngos-facilitating"))
    assert '<p class="claim">NGOs facilitate exit (Dahal et al., 2015)</p>' in summary
    summary = _summary(_page(ids, EKG_ID + "finding/ferrari-2021/dalla-kreimer-2017-stigma"))
    assert '<p class="claim">Stigma hinders exit (Dalla &amp; Kreimer, 2017)</p>' in summary
    # an article with a DOI is linked to it
    summary = _summary(_page(ids, EKG_ID + "finding/ferrari-2021/cordisco-tsai-2017-new-job"))
    assert '<a href="https://doi.org/10.1080/10911359.2017.1288193">' in summary
    # a statement about the factor's absence: its effective direction first, then what the source states
    absence = packaged.run("PREFIX ekg: <https://w3id.org/exitkg/ontology#> SELECT ?f ?a WHERE { ?f ekg:aboutAbsence ?a }",
                           {"f": ox.NamedNode(EKG_ID + "finding/ferrari-2021/cordisco-tsai-2017-new-job")}).rows
    assert [r["a"].value for r in absence] == ["true"]
    assert re.search(r'<tr><th>direction</th><td><a [^>]*>facilitating</a> \(as stated: its absence is <a [^>]*>'
                     r"hindering</a>\)</td></tr>", summary)
    # a finding whose link to its factor is the curators' inference says so
    summary = _summary(_page(ids, EKG_ID + "finding/ferrari-2021/hickle-2017-self-esteem"))
    assert "(the curators&#8217; inference, not the review&#8217;s words)" in summary


def test_a_source_page_counts_its_statements_and_links_its_documents(packaged, ids):
    iri = EKG_ID + "source/deer-2020"
    summary = _summary(_page(ids, iri))
    counts = packaged.run("PREFIX ekg: <https://w3id.org/exitkg/ontology#> "
                          "SELECT ?x (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ekg:inSource ?x } GROUP BY ?x",
                          {"x": ox.NamedNode(iri)}).rows
    assert f"({counts[0]['n'].value} in all)</h2>" in summary
    [document] = [q.object.value for q in packaged.store.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode("http://purl.org/dc/terms/source"), None, ox.DefaultGraph())]
    assert f'<a href="{escape(document)}">' in summary
    assert '<a href="../study/deer-2020.html">' in summary
