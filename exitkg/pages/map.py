"""``exitkg map``: the evidence map, one self-contained HTML page.

Two views of the same evidence: Figure 2 as a level x role grid of the factors (as the review
classifies them), and a factor x study matrix of the findings, in the manner of an evidence-gap
map. Every factor shows the direction its findings give; its status, as the report gives it (the
population-aware status of ``controversial-by-evidence``: contested, population-specific, or
not controversial); whether its findings agree with the review's classification (the statuses of
the ``controversy-vs-review`` query: confirmed, evidence-only, review-only, consistent,
no-finding); and how many of its findings rest on a curator inference. Each cell, role and level
of the grid counts the studies (or participants) behind its factors' findings. The matrix's cells are
bubbles sized by studies (each cell one study) or, toggled, by participants (the sample size of
the study, or of the named population a finding is restricted to), with totals per factor (its
studies, or its participants, each sample counted once, as ``evidence-profile`` counts them) and
per study (the factors it informs, or its sample size). Clicking a factor shows its profile and
confidence level with the reasons (:func:`exitkg.review.confidence.evidence_profiles`, exitkg's
rule, not a CERQual assessment), then its evidence: design, country, sample size, year and DOI
of each study, direction, population, quote and locator.

The default view is the report's: every source, the evidence the review only cites included.
Each factor's status there is computed by the library (:func:`map_data` embeds it) and the page
recomputes it from the evidence its filters keep by the one definition (docs/queries.md,
"Population-specific"); the tests check that with no filter the two agree, factor by factor.
Filters (source layer, design, country, age group, cited evidence, stated only) recompute every
status in the page, and which factors are controversial with the rules of the
``controversy-on-subset`` query: a finding is kept when it belongs to the source asked for (the
review's results, its discussion, a study curated later), when its study has the design and the
age group asked for, when its sample (or the named population it is about) is from the country
asked for, and, with "stated only", when neither its link to the factor nor the characteristic it
is filtered on is a curator inference. Cited evidence (works the review only cites) has no study,
so it counts only when no design, country or age group is asked for. The filters, the size of the
cells and the factor shown live in the page's address (its fragment, ``#design=qualitative&cited=0``,
written with ``history.replaceState``), so a filtered view can be shared and opens as it was.

The page needs no network: its data, styles and script are inline (the template is
``exitkg/pages/templates/evidence-map.html``, its style the pages' one stylesheet
``exitkg/pages/static/exitkg.css``, its script ``exitkg/pages/static/evidence-map.js``), and it
works from the file system. It is byte-identical from run to run.
"""

from __future__ import annotations


from exitkg.rdf import vocabulary
from exitkg.core.citations import short_citation
from exitkg.core.errors import QueryError
from exitkg.rdf.namespaces import COUNTRY_NS, EKG
from exitkg.review.confidence import evidence_profiles

_PREFIXES = """PREFIX ekg: <https://w3id.org/exitkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
"""

_REVIEWS = _PREFIXES + ("""SELECT ?review ?name WHERE { ?review a ekg:Review OPTIONAL { ?review rdfs:label ?name } } """
                         """ORDER BY ?review""")

_CLASSIFICATIONS = _PREFIXES + """
SELECT ?review ?factor ?label ?level ?role ?printed WHERE {
  ?c a ekg:FactorClassification ; ekg:classifies ?factor ; ekg:level ?level ; ekg:role ?role ; ekg:inSource ?src .
  ?src ekg:encodes ?review .
  ?factor skos:prefLabel ?label .
  OPTIONAL { ?c ekg:figureLabel ?printed }
}"""

_ASSERTIONS = _PREFIXES + """
SELECT ?a ?kind ?factor ?stated ?absence ?effective ?src ?study ?work ?population ?quote ?section ?link WHERE {
  ?a ekg:aboutFactor ?factor ; ekg:statedRole ?stated ; ekg:aboutAbsence ?absence ; ekg:effectiveRole ?effective ;
     ekg:inSource ?src .
  { ?a a ekg:Finding BIND("finding" AS ?kind) } UNION { ?a a ekg:CitedEvidence BIND("cited" AS ?kind) }
  OPTIONAL { ?a ekg:fromStudy ?study }
  OPTIONAL { ?a ekg:fromWork ?work }
  OPTIONAL { ?a ekg:population ?population }
  OPTIONAL { ?a ekg:quote ?quote }
  OPTIONAL { ?a ekg:locatedIn ?s . ?s rdfs:label ?section }
  OPTIONAL { ?a ekg:factorLinkProvenance ?link }
}"""

_CHARACTERISTICS = _PREFIXES + """
SELECT ?study ?what ?value ?provenance WHERE {
  ?study ekg:hasCharacteristic ?c .
  ?c ekg:provenance ?provenance .
  { ?c ekg:design ?value BIND("design" AS ?what) } UNION { ?c ekg:ageGroup ?value BIND("age" AS ?what) }
  UNION { ?c ekg:country ?value BIND("country" AS ?what) }
}"""

_POPULATIONS = _PREFIXES + """
SELECT ?population ?title ?country ?provenance ?size WHERE {
  ?population a ekg:Population .
  OPTIONAL { ?population ekg:country ?country OPTIONAL { ?population ekg:provenance ?provenance } }
  OPTIONAL { ?population dcterms:title ?title }
  OPTIONAL { ?population ekg:sampleSize ?size }
} ORDER BY ?population ?country"""

_DOCUMENTS = _PREFIXES + """
SELECT ?doc ?authors ?year ?title ?doi WHERE {
  { ?doc a ekg:Study } UNION { ?e ekg:fromWork ?doc }
  OPTIONAL { ?doc ekg:authorsAsPrinted ?authors } OPTIONAL { ?doc ekg:year ?year }
  OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc bibo:doi ?doi }
}"""

#: a study's sample size: the largest any source states (as ``evidence-profile`` counts participants)
_SIZES = _PREFIXES + """SELECT ?study (MAX(?n) AS ?size) WHERE { ?study ekg:hasCharacteristic/ekg:sampleSize ?n }
GROUP BY ?study"""

_LABELS = _PREFIXES + """SELECT ?x ?label WHERE { VALUES ?class { ekg:StudyDesign ekg:AgeGroup ekg:Country }
  ?x a ?class ; skos:prefLabel ?label }"""

LEVELS = vocabulary.names(vocabulary.LEVEL)
ROLES = vocabulary.names(vocabulary.ROLE)
INFERRED = EKG + "CuratorInference"


_slug = vocabulary.local_name


def map_data(graph, review: str | None = None, link=None) -> dict:
    """What the page shows, as plain data (the page embeds it as JSON). Each factor carries its
    population-aware status, profile and confidence as :func:`exitkg.review.confidence.evidence_profiles`
    gives them (the default view's, the report's); each study its sample size (the largest any source
    states), year and DOI; each assertion the countries it applies to, whether it is restricted to a
    named population, the sample it counts (``unit``, ``n``) and its study's or work's year and DOI.
    With *link* (identifier -> address of its page, or None), factors, studies and assertions carry
    the address of their page."""
    def rows(text):
        return graph.run(text).rows

    def v(row, key):
        term = row.get(key)
        return None if term is None else term.value

    reviews = [(v(r, "review"), v(r, "name") or _slug(v(r, "review"))) for r in rows(_REVIEWS)]
    if not reviews:
        raise QueryError("no review in the graph: nothing to map")
    if review is not None:
        reviews = [r for r in reviews if r[0] == review or _slug(r[0]) == review]
        if not reviews:
            raise QueryError(f"no review {review!r} in the graph")
    review_iri, review_name = reviews[0]

    labels = {v(r, "x"): v(r, "label") for r in rows(_LABELS)}
    factors: dict[str, dict] = {}
    for r in rows(_CLASSIFICATIONS):
        factor = _slug(v(r, "factor"))
        entry = factors.setdefault(factor, {"id": factor, "label": v(r, "label"), "level": None, "role": None,
                                            "printed": None})
        if v(r, "review") == review_iri:
            entry.update(level=_slug(v(r, "level")), role=_slug(v(r, "role")), printed=v(r, "printed"))
        if link is not None:
            entry["page"] = link(v(r, "factor"))

    chars: dict[str, dict[str, list]] = {}
    for r in rows(_CHARACTERISTICS):
        value = _slug(v(r, "value"))
        bucket = chars.setdefault(v(r, "study"), {"design": [], "age": [], "country": []})[v(r, "what")]
        item = [value, v(r, "provenance") == INFERRED]
        if item not in bucket:
            bucket.append(item)
    populations: dict[str, dict] = {}
    for r in rows(_POPULATIONS):
        pop = populations.setdefault(v(r, "population"), {"title": v(r, "title") or _slug(v(r, "population")),
                                                          "country": [], "size": None})
        if v(r, "country") is not None:
            item = [_slug(v(r, "country")), v(r, "provenance") == INFERRED]
            if item not in pop["country"]:
                pop["country"].append(item)
        if v(r, "size") is not None:
            pop["size"] = max(pop["size"] or 0, int(v(r, "size")))
    document_rows = rows(_DOCUMENTS)
    documents = {v(r, "doc"): short_citation(v(r, "authors") or "", v(r, "year")) or _slug(v(r, "doc"))
                 for r in document_rows}
    years = {v(r, "doc"): int(v(r, "year")) for r in document_rows if v(r, "year") is not None}
    dois = {v(r, "doc"): v(r, "doi") for r in document_rows if v(r, "doi") is not None}
    sizes = {v(r, "study"): int(v(r, "size")) for r in rows(_SIZES) if v(r, "size") is not None}

    assertions, studies = [], {}
    for r in rows(_ASSERTIONS):
        factor = _slug(v(r, "factor"))
        if factor not in factors:
            factors[factor] = {"id": factor, "label": factor, "level": None, "role": None, "printed": None}
            if link is not None:
                factors[factor]["page"] = link(v(r, "factor"))
        stated = _slug(v(r, "stated"))
        absence = v(r, "absence") == "true"
        direction = _slug(v(r, "effective"))  # ekg:effectiveRole, derived at load (exitkg.rdf.vocabulary)
        study, work, population = v(r, "study"), v(r, "work"), v(r, "population")
        own = chars.get(study, {"design": [], "age": [], "country": []})
        if study:
            studies[_slug(study)] = {"id": _slug(study), "label": documents.get(study, _slug(study)),
                                     "design": own["design"], "age": own["age"], "country": own["country"],
                                     "n": sizes.get(study), "year": years.get(study), "doi": dois.get(study)}
            if link is not None:
                studies[_slug(study)]["page"] = link(study)
        assertions.append({
            "id": v(r, "a"), "kind": v(r, "kind"), "factor": factor, "direction": direction, "stated": stated,
            "absence": absence, "source": _slug(v(r, "src")),
            "study": _slug(study) if study else None, "work": documents.get(work, _slug(work)) if work else None,
            "population": populations[population]["title"] if population in populations else None,
            "design": own["design"], "age": own["age"],
            "country": populations.get(population, {"country": []})["country"] if population else own["country"],
            "quote": v(r, "quote") or "", "section": v(r, "section") or "",
            "linkInferred": v(r, "link") == INFERRED,
            # restricted to a named population: it applies to that population's countries only (none
            # stated: to every population), and its participants are that population's
            "restricted": population is not None,
            "unit": (population if population is not None else study) if study else None,
            "n": (populations.get(population, {}).get("size") if population is not None else sizes.get(study))
            if study else None,
            "year": years.get(study or work), "doi": dois.get(study or work),
        })
        if link is not None:
            assertions[-1]["page"] = link(v(r, "a"))
    assertions.sort(key=lambda a: (a["factor"], a["study"] or "", a["work"] or "", a["id"]))

    def values(key):
        found = sorted({item[0] for a in assertions for item in a[key]})
        return [[x, labels.get(EKG + x) or labels.get(COUNTRY_NS + x) or x] for x in found]

    # each factor's population-aware status, profile and confidence, as exitkg.evidence_profile()
    # and the report give them (the whole graph, cited evidence included): the map's default view
    for evidence in evidence_profiles(graph, include_cited=True):
        known = factors.get(_slug(evidence.factor))
        if known is not None:
            known.update(status=evidence.status, profile=evidence.profile.as_dict(),
                         confidence=evidence.confidence.as_dict())

    order = {lv: i for i, lv in enumerate(LEVELS)}
    role_order = {ro: i for i, ro in enumerate(ROLES)}
    return {
        "review": {"iri": review_iri, "name": review_name},
        "levels": list(LEVELS), "roles": list(ROLES),
        "factors": sorted(factors.values(), key=lambda f: (order.get(f["level"], 9), role_order.get(f["role"], 9),
                                                          f["label"].lower())),
        "studies": sorted(studies.values(), key=lambda s: s["label"].lower()),
        "assertions": assertions,
        "filters": {"design": values("design"), "country": values("country"), "age": values("age"),
                    "source": [[_slug(iri), title or _slug(iri)] for iri, title in sorted(graph.sources().items())
                               if any(a["source"] == _slug(iri) for a in assertions)]},
    }


def render_map(graph, review: str | None = None, *, nav: str = "", link=None, static_root: str | None = None) -> str:
    """The evidence map of *review* (default: the first review of the graph) as one HTML page.
    *nav* is HTML put at the top; *link* (identifier -> address of its page) links factors,
    studies and findings to their pages (as in the site); *static_root*, the address of the site's
    ``static/`` folder, links the page's style and script there instead of holding them."""
    from markupsafe import Markup

    from exitkg.pages.templating import render

    data = map_data(graph, review, link)
    return render("evidence-map.html", name=data["review"]["name"], nav=Markup(nav), levels=LEVELS, roles=ROLES,
                  studies=data["studies"], data=data, static_root=static_root)
