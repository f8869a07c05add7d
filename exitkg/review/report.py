"""``exitkg report``: each review recomputed from the graph, side by side with what it states.

Everything here comes from the canned queries in ``queries/``:

- ``stated-counts`` lists every number a review states (ekg:StatedCount); each reproduction
  query tagged with the same ``dimension`` recomputes it, per review, from the per-item data, and
  a stated count agrees when a computed row of the same review has the same unit, the same
  categories and the same value;
- ``selection-flow`` checks every box of Figure 1 against the boxes around it;
- ``figure-2`` rebuilds each review's Figure 2 from its classifications;
- ``controversial-by-evidence`` (population-aware) and ``controversy-vs-review`` give the factors
  the evidence makes controversial, with both sides, against each review's own classification;
- the contradictions recorded in the graph are listed, since a review can disagree with itself;
- what each review says beyond its results (its limitations, suggestions for future research,
  eligibility criteria, method and quality, claims without a citation, recommendations) is listed
  from the queries of :data:`REVIEW_CONTENT`, and ``factors-by-stage`` says which factors any source
  ties to a stage of a model (the review's last suggestion);
- ``evidence-profile`` gives each factor's evidence profile, and exitkg's confidence rule
  (:mod:`exitkg.review.confidence`, docs/confidence.md) its confidence level with the reasons;
- a last section says what the whole graph says now, every source included (studies curated from
  their own text too): the factors controversial by evidence, and those whose status differs from
  the reviews'. Sources beyond the reviews never change the reproductions.

The report agrees when every reproduction agrees; :attr:`Report.exit_code` is 1 otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from exitkg.core import errors
from exitkg.sparql import queries as Q
from exitkg.rdf import vocabulary
from exitkg.rdf.namespaces import EKG, sparql_prefixes
from exitkg.rdf.terms import lexical
from exitkg.review.confidence import evidence_profiles

_LABELS = sparql_prefixes("skos", "rdfs") + """
SELECT ?term ?label WHERE { { ?term skos:prefLabel ?label } UNION { ?term rdfs:label ?label } }
"""

_REVIEWS = sparql_prefixes("ekg", "dcterms", "rdfs") + """
SELECT ?review ?name ?citation WHERE {
  ?review a ekg:Review .
  OPTIONAL { ?review rdfs:label ?name }
  OPTIONAL { ?review dcterms:bibliographicCitation ?citation }
} ORDER BY ?review
"""

_CONTRADICTIONS = sparql_prefixes("ekg", "rdfs") + """
SELECT ?review ?c ?label ?comment ?note WHERE {
  ?c a ekg:Contradiction ; rdfs:label ?label ; rdfs:comment ?comment ; ekg:resolutionNote ?note ;
     ekg:inSource ?source .
  OPTIONAL { ?source ekg:encodes ?review }
} ORDER BY ?review ?label
"""

_OTHER_SOURCES = sparql_prefixes("ekg", "dcterms") + """
SELECT ?source ?title ?doc WHERE {
  ?source a ekg:Source ; ekg:encodes ?doc .
  OPTIONAL { ?source dcterms:title ?title }
  FILTER NOT EXISTS { ?doc a ekg:Review }
  FILTER NOT EXISTS { ?source ekg:encodes ?r . ?r a ekg:Review }
} ORDER BY ?source
"""


#: The queries that list what a review says beyond its results, each with its heading in the report.
REVIEW_CONTENT = (
    ("review-limitations", "Limitations"),
    ("review-suggestions", "Suggestions for future research"),
    ("review-eligibility", "Eligibility criteria"),
    ("review-method", "Method and quality"),
    ("review-uncited-claims", "Claims without a citation"),
    ("review-recommendations", "Recommendations"),
)
#: The query that answers the review's suggestion to tie factors to the stages of change.
STAGE_QUERY = "factors-by-stage"

_CONCLUSIONS = sparql_prefixes("ekg") + """
SELECT ?review ?factor ?level ?role ?figure_label WHERE {
  ?c a ekg:FactorClassification ; ekg:classifies ?factor ; ekg:level ?level ; ekg:role ?role ;
     ekg:figureLabel ?figure_label ; ekg:inSource ?source .
  ?source ekg:encodes ?review . ?review a ekg:Review .
} ORDER BY ?review ?role ?level ?factor
"""

_ROLE_ASSERTIONS = sparql_prefixes("ekg") + """
SELECT ?assertion ?factor ?direction ?kind ?in_source ?population ?quote WHERE {
  ?assertion ekg:aboutFactor ?factor ; ekg:effectiveRole ?direction ; ekg:inSource ?in_source ;
             ekg:quote ?quote .
  { ?assertion a ekg:Finding BIND("finding" AS ?kind) }
  UNION { ?assertion a ekg:CitedEvidence BIND("cited" AS ?kind) }
  OPTIONAL { ?assertion ekg:population ?population }
} ORDER BY ?factor ?assertion
"""

_SOURCE_STATEMENTS = sparql_prefixes("ekg") + """
SELECT ?source (COUNT(DISTINCT ?finding) AS ?findings) (COUNT(DISTINCT ?remark) AS ?remarks) WHERE {
  ?source a ekg:Source .
  OPTIONAL { ?finding a ekg:Finding ; ekg:inSource ?source }
  OPTIONAL { ?remark a ekg:Remark ; ekg:inSource ?source }
} GROUP BY ?source
"""


@dataclass
class Reproduction:
    query: str
    what: str
    stated: int
    computed: int | None
    quote: str = ""
    located_in: str = ""
    note: str = ""
    review: str = ""

    @property
    def agrees(self) -> bool:
        return self.computed is not None and self.stated == self.computed

    def as_dict(self) -> dict:
        return {"review": self.review, "query": self.query, "what": self.what, "stated": self.stated,
                "computed": self.computed, "agrees": self.agrees, "quote": self.quote,
                "located_in": self.located_in, "note": self.note}


@dataclass
class Report:
    reviews: dict[str, str] = field(default_factory=dict)          # IRI -> citation
    review_names: dict[str, str] = field(default_factory=dict)     # IRI -> short name
    reproductions: list[Reproduction] = field(default_factory=list)
    figure_2: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)
    controversial: list[dict] = field(default_factory=list)
    contradictions: list[dict] = field(default_factory=list)
    graph_sources: list[dict] = field(default_factory=list)        # sources beyond the reviews
    graph_controversial: list[dict] = field(default_factory=list)  # controversial in the whole graph
    graph_changes: list[dict] = field(default_factory=list)        # factors whose status the whole graph changes
    review_content: list[dict] = field(default_factory=list)       # beyond the results: one entry per kind
    stage_ties: list[dict] = field(default_factory=list)           # factors any source ties to a stage
    stage_note: str = ""                                           # what no tie means (the query's empty note)

    graph_conclusions: list[dict] = field(default_factory=list)    # each review conclusion in the whole graph
    graph_new: list[dict] = field(default_factory=list)            # factors and directions only other sources bring
    evidence: list[dict] = field(default_factory=list)             # each factor's profile and confidence
    include_cited: bool = True
    engine: str = "local"

    @property
    def agrees(self) -> bool:
        return bool(self.reproductions) and all(r.agrees for r in self.reproductions)

    @property
    def exit_code(self) -> int:
        return errors.OK if self.agrees else errors.FAILED

    def as_dict(self) -> dict:
        return {
            "reviews": [{"review": iri, "name": self.review_names.get(iri, ""), "citation": citation}
                        for iri, citation in self.reviews.items()],
            "engine": self.engine,
            "agrees": self.agrees,
            "include_cited_evidence": self.include_cited,
            "reproductions": [r.as_dict() for r in self.reproductions],
            "figure_2": self.figure_2,
            "controversial_by_evidence": self.controversial,
            "contradictions": self.contradictions,
            "evidence_profiles": self.evidence,
            "beyond_results": {"kinds": self.review_content, "factors_by_stage": self.stage_ties,
                               "factors_by_stage_note": "" if self.stage_ties else self.stage_note},
            "whole_graph": {"other_sources": self.graph_sources, "controversial_by_evidence": self.graph_controversial,
                            "changed_from_reviews": self.graph_changes,
                            "review_conclusions": self.graph_conclusions, "new_from_other_sources": self.graph_new},
        }


class _NotACount(ValueError):
    """A value where the report needs a whole number."""


def _int(term) -> int | None:
    if term is None:
        return None
    try:
        return int(lexical(term))
    except ValueError:
        raise _NotACount(lexical(term)) from None


_slug = vocabulary.local_name


def _short(term) -> str:
    return _slug(lexical(term))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def build_report(engine, *, include_cited: bool = True) -> Report:
    """Run the canned queries on *engine* (a loaded graph or a remote endpoint) and assemble the
    report. *include_cited* keeps the evidence reviews only cite in their discussion in the
    controversy sections (it never changes the reproductions). A count that is not a whole number
    is an :class:`~exitkg.core.errors.EndpointError` from an endpoint (it answered badly), an
    :class:`~exitkg.core.errors.InputError` from local data."""
    try:
        return _build_report(engine, include_cited=include_cited)
    except _NotACount as bad:
        where = getattr(engine, "endpoint", None)
        if where:
            raise errors.EndpointError(f"{where}: the answer has {str(bad)!r} where the report needs a count "
                                       "(a whole number)") from None
        raise errors.InputError(f"the graph states {str(bad)!r} where the report needs a count "
                                "(a whole number)") from None


def _build_report(engine, *, include_cited: bool = True) -> Report:
    catalogue = Q.catalogue()
    labels = {lexical(r["term"]): lexical(r["label"]) for r in engine.run(_LABELS).rows}

    def label(term) -> str:
        return labels.get(lexical(term), _short(term))

    report = Report(engine=getattr(engine, "name", "local"), include_cited=include_cited)
    for row in engine.run(_REVIEWS).rows:
        review = lexical(row["review"])
        report.review_names[review] = lexical(row.get("name")) or _short(row["review"])
        report.reviews[review] = lexical(row.get("citation")) or report.review_names[review]

    # --- stated counts against the reproduction queries of their dimension, review by review
    stated = Q.run(catalogue["stated-counts"], engine).rows
    computed: dict[str, dict[tuple, int | None]] = {}
    for query in catalogue.values():
        if query.kind == "reproduction" and query.dimension:
            table = computed.setdefault(query.dimension, {})
            for row in Q.run(query, engine).rows:
                cats = frozenset(lexical(row[v]) for v in ("category", "category2") if row.get(v) is not None)
                table[(lexical(row["review"]), lexical(row["unit"]), cats)] = _int(row["count"])
    by_dimension = {q.dimension: q.id for q in catalogue.values() if q.dimension}
    for row in stated:
        review, dimension, unit = lexical(row["review"]), lexical(row["dimension"]), lexical(row["unit"])
        cats = frozenset(lexical(row["categories"]).split()) if row.get("categories") is not None else frozenset()
        what = (f"{label(row['dimension'])}: " + (" and ".join(sorted(label_iri(c, labels) for c in cats)) or "all")
                + f" ({label(row['unit'])})")
        note = ""
        if row.get("unitProvenance") is not None and lexical(row["unitProvenance"]) == EKG + "CuratorInference":
            note = f"the unit ({label(row['unit'])}) is the curators' reading"
        report.reproductions.append(Reproduction(
            # ?value is bound in every row of stated-counts
            query=by_dimension.get(dimension, "(none)"), what=what, stated=_int(row["value"]),  # type: ignore[arg-type]
            computed=computed.get(dimension, {}).get((review, unit, cats)),
            quote=lexical(row["quote"]), located_in=lexical(row["section"]), note=note, review=review,
        ))

    # --- the selection flow of Figure 1
    for row in Q.run(catalogue["selection-flow"], engine).rows:
        report.reproductions.append(Reproduction(
            # ?stated is bound in every row of selection-flow
            query="selection-flow", what=f"Figure 1: {lexical(row['label'])}",
            stated=_int(row["stated"]),  # type: ignore[arg-type]
            computed=_int(row.get("computed")), located_in="Figure 1. Flow Chart of the Study Selection Process",
            review=lexical(row["review"]),
        ))

    # --- Figure 2 rebuilt, for each review
    for row in Q.run(catalogue["figure-2"], engine).rows:
        review = lexical(row["review"])
        figure = report.figure_2.setdefault(review, {
            label_iri(r, labels): {label_iri(lv, labels): [] for lv in vocabulary.members(vocabulary.LEVEL)}
            for r in vocabulary.members(vocabulary.ROLE)})
        if row.get("category2") is not None and row.get("members") is not None:
            figure[label(row["category"])][label(row["category2"])] = lexical(row["members"]).split(" | ")

    # --- controversy from the evidence, with both sides, against each review's classification
    flags = {"include_cited": _flag(include_cited)}
    versus = Q.run(catalogue["controversy-vs-review"], engine, flags).rows
    by_factor: dict[str, list[dict]] = {}
    for r in versus:
        by_factor.setdefault(lexical(r["factor"]), []).append({
            "review": lexical(r["review"]), "classification": label(r["classification"]),
            "status": lexical(r["status"])})
    def controversy(scope: dict[str, str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        params = {**flags, "population_aware": "true", **scope}
        for row in Q.run(catalogue["controversial-by-evidence"], engine, params).rows:
            factor = lexical(row["factor"])
            entry = found.setdefault(factor, {
                "factor": factor, "label": lexical(row["label"]), "status": lexical(row["status"]),
                "reviews": by_factor.get(factor, []), "evidence": [],
            })
            entry["evidence"].append({
                "direction": label(row["direction"]), "kind": lexical(row["kind"]), "evidence": _short(row["evidence"]),
                "evidence_iri": lexical(row["evidence"]),
                "population": _short(row["population"]) if row.get("population") is not None else None,
                "quote": lexical(row["quote"]), "source": _short(row["in_source"]),
            })
        return found

    # what each review's own statements make controversial
    entries: dict[str, dict] = {}
    for review in report.reviews:
        for factor, entry in controversy({"review": review}).items():
            if factor in entries:
                entries[factor]["evidence"] += entry["evidence"]
            else:
                entries[factor] = entry
    report.controversial = list(entries.values())
    for factor, verdicts in sorted(by_factor.items()):
        if factor not in entries and any(v["status"] == "review-only" for v in verdicts):
            report.controversial.append({"factor": factor, "label": label_iri(factor, labels), "status": "review-only",
                                         "reviews": verdicts, "evidence": []})

    # what the whole graph says now: every source, the studies curated from their own text too
    whole = controversy({})
    report.graph_sources = [
        {"source": lexical(r["source"]), "title": lexical(r.get("title")), "encodes": lexical(r.get("doc"))}
        for r in engine.run(_OTHER_SOURCES).rows]
    report.graph_controversial = list(whole.values())
    for factor in sorted(set(entries) | set(whole), key=lambda f: label_iri(f, labels).lower()):
        before, now = entries.get(factor), whole.get(factor)
        before_status = before["status"] if before else "not controversial"
        now_status = now["status"] if now else "not controversial"
        if before_status != now_status:
            report.graph_changes.append({
                "factor": factor, "label": label_iri(factor, labels), "in_reviews": before_status,
                "in_graph": now_status,
                "evidence": (now or before or {}).get("evidence", []),
            })

    _conclusions_in_graph(report, engine, whole, labels, include_cited)

    report.contradictions = [
        {"review": lexical(r.get("review")), "contradiction": lexical(r["c"]), "label": lexical(r["label"]),
         "description": lexical(r["comment"]), "encoding": lexical(r["note"])}
        for r in engine.run(_CONTRADICTIONS).rows
    ]
    _add_review_content(report, engine, catalogue, label)
    report.evidence = [f.as_dict() for f in evidence_profiles(engine, include_cited=include_cited)]
    return report


def _add_review_content(report: Report, engine, catalogue, label) -> None:
    """What each review says beyond its results, kind by kind, and the ties of factors to stages."""
    def text(row, name: str) -> str:
        return lexical(row[name]) if row.get(name) is not None else ""

    for qid, heading in REVIEW_CONTENT:
        entries = [{
            "review": text(row, "review"), "statement": text(row, "statement"), "order": _int(row.get("order")),
            "kind": text(row, "kind"), "label": text(row, "label"), "quote": text(row, "quote"),
            "located_in": text(row, "located_in"), "factor": text(row, "factor"),
            "factor_label": label(row["factor"]) if row.get("factor") is not None else "",
        } for row in Q.run(catalogue[qid], engine).rows]
        report.review_content.append({"query": qid, "heading": heading, "entries": entries})
    stage_query = catalogue[STAGE_QUERY]
    report.stage_note = stage_query.empty
    report.stage_ties = [{
        "model": text(row, "model"), "model_label": text(row, "model_label"), "stage": text(row, "stage"),
        "stage_label": text(row, "stage_label"), "factor": text(row, "factor"),
        "factor_label": text(row, "factor_label"), "direction": label(row["direction"]) if row.get("direction") else "",
        "statement": text(row, "statement"), "source": text(row, "source"), "quote": text(row, "quote"),
    } for row in Q.run(stage_query, engine).rows]


def content_line(e: dict) -> str:
    """One entry of what a review says beyond its results, as a line: position, kind, label, factor."""
    head = f"{e['order']}. " if e["order"] is not None else ""
    kind = f"{e['kind']}: " if e["kind"] else ""
    factor = f" [factor: {e['factor_label']}]" if e["factor"] else ""
    return f"{head}{kind}{e['label']}{factor}"


def ties_text(ties: list) -> str:
    return f"{len(ties)} tie" + ("" if len(ties) == 1 else "s")


def stage_line(t: dict) -> str:
    direction = f", {t['direction']}" if t["direction"] else ""
    return f"{t['model_label']}, {t['stage_label']}: {t['factor_label']} ({_slug(t['source'])}{direction})"

#: a review conclusion's status in the whole graph, when the effective directions of the role
#: assertions on its factor are those of the conclusion ("agrees"), none, the other one, or both
CONCLUSION_STATUSES = ("agrees", "no evidence", "disagrees", "contested", "population-specific",
                       "one direction only")


def _conclusion_status(role: str, directions: set[str], controversy: str | None) -> str:
    """*role* is the review's classification (a role's local name), *directions* the effective
    directions of the assertions on its factor, *controversy* the factor's population-aware status
    when they go both ways."""
    if not directions:
        return "no evidence"
    if role == "controversial":
        return "agrees" if len(directions) == 2 else "one direction only"
    if directions == {role}:
        return "agrees"
    if role not in directions:
        return "disagrees"
    return controversy or "contested"


def _conclusions_in_graph(report: Report, engine, whole: dict[str, dict], labels: dict[str, str],
                          include_cited: bool) -> None:
    """Each review's conclusions (the classifications printed in its Figure 2) against every role
    assertion of the whole graph, and what the sources beyond the reviews bring that the reviews'
    own sources do not (a factor, or a direction on a factor)."""
    def label(term) -> str:
        return label_iri(lexical(term), labels)

    beyond = {s["source"] for s in report.graph_sources}
    counts = {lexical(r["source"]): (_int(r["findings"]) or 0, _int(r["remarks"]) or 0)
              for r in engine.run(_SOURCE_STATEMENTS).rows}
    for entry in report.graph_sources:
        entry["findings"], entry["remarks"] = counts.get(entry["source"], (0, 0))
    everything: dict[str, list[dict]] = {}
    for r in engine.run(_ROLE_ASSERTIONS).rows:
        kind = lexical(r["kind"])
        if kind == "cited" and not include_cited:
            continue
        everything.setdefault(lexical(r["factor"]), []).append({
            "direction": _short(r["direction"]), "kind": kind, "evidence": _short(r["assertion"]),
            "evidence_iri": lexical(r["assertion"]), "source": _short(r["in_source"]),
            "population": _short(r["population"]) if r.get("population") is not None else None,
            "quote": lexical(r["quote"]), "beyond": lexical(r["in_source"]) in beyond})
    in_reviews = {entry["factor"]: entry["status"] for entry in report.controversial}
    classified: set[str] = set()
    for r in engine.run(_CONCLUSIONS).rows:
        factor, role = lexical(r["factor"]), _short(r["role"])
        classified.add(factor)
        evidence = everything.get(factor, [])
        own = {ev["direction"] for ev in evidence if not ev["beyond"]}
        new = [ev for ev in evidence if ev["beyond"]]
        controversy = whole.get(factor, {}).get("status")
        report.graph_conclusions.append({
            "review": lexical(r["review"]), "factor": factor, "label": label(r["factor"]),
            "figure_label": lexical(r["figure_label"]), "level": label(r["level"]), "classification": role,
            "in_reviews": _conclusion_status(role, own, in_reviews.get(factor)),
            "in_graph": _conclusion_status(role, {ev["direction"] for ev in evidence}, controversy),
            "new_directions": sorted({ev["direction"] for ev in new} - own),
            "new_evidence": [{k: v for k, v in ev.items() if k != "beyond"} for ev in new],
        })
    for conclusion in report.graph_conclusions:
        conclusion["agrees"] = conclusion["in_graph"] == "agrees"
    for factor, evidence in sorted(everything.items(), key=lambda item: label_iri(item[0], labels).lower()):
        new = [ev for ev in evidence if ev["beyond"]]
        own = {ev["direction"] for ev in evidence if not ev["beyond"]}
        fresh = sorted({ev["direction"] for ev in new} - own)
        if new and (factor not in classified or fresh):
            report.graph_new.append({
                "factor": factor, "label": label_iri(factor, labels),
                "what": "a factor outside the reviews' Figure 2 conclusions" if factor not in classified else
                        "a direction the reviews' own evidence does not give: " + ", ".join(fresh),
                "evidence": [{k: v for k, v in ev.items() if k != "beyond"} for ev in new
                             if factor not in classified or ev["direction"] in fresh]})


#: The heading of the evidence profiles' section, and what it says of the rule.
EVIDENCE_HEADING = "Evidence profiles and confidence"
EVIDENCE_NOTE = ("The confidence level is computed by exitkg's rule (docs/confidence.md) from what the graph "
                 "records, after GRADE-CERQual's components; it is not a CERQual assessment by reviewers.")


def profile_cells(e: dict) -> dict[str, str]:
    """One factor's profile as the report's cells: studies, participants, designs, countries,
    directions and agreement, the inferred share, the confidence and its reasons."""
    p = e["profile"]
    studies = str(p["studies"]) + (f" (+{p['cited_works']} cited)" if p["cited_works"] else "")
    participants = (f"{p['participants']} ({p['participants_of']} of {p['studies']} stated)"
                    if p["participants_of"] else "not stated")
    years = "" if p["first_year"] is None else (
        str(p["first_year"]) if p["first_year"] == p["last_year"] else f"{p['first_year']}-{p['last_year']}")
    agreement = "-" if p["agreement"] is None else (
        f"{p['facilitating']} facilitating, {p['hindering']} hindering ({round(100 * p['agreement'])}%)")
    inferred = "-" if p["inferred_share"] is None else f"{p['inferred']} of {p['statements']}"
    return {"studies": studies, "participants": participants, "designs": ", ".join(p["designs"]) or "-",
            "countries": ", ".join(p["countries"]) or "-", "years": years or "-", "agreement": agreement,
            "inferred": inferred, "confidence": e["confidence"]["level"],
            "reasons": "; ".join(e["confidence"]["reasons"])}


def label_iri(iri: str, labels: dict[str, str]) -> str:
    return labels.get(iri, _slug(iri))


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #

def _mark(ok: bool) -> str:
    return "agrees" if ok else "DISAGREES"


def verdicts(entry: dict, names: dict[str, str]) -> str:
    return "; ".join(f"{names.get(v['review'], _slug(v['review']))}: {v['classification']}, {v['status']}"
                     for v in entry["reviews"]) or "no review classifies it"


def conclusion_counts(report: Report) -> dict[str, int]:
    """How many review conclusions have each status in the whole graph (every status listed)."""
    return {status: sum(1 for c in report.graph_conclusions if c["in_graph"] == status)
            for status in CONCLUSION_STATUSES}


def new_evidence_summary(conclusion: dict) -> str:
    """'2 facilitating, 1 hindering from dahal-2015-abstract, kc-reintegration-nepal', or 'none'."""
    evidence = conclusion["new_evidence"]
    if not evidence:
        return "none"
    by: dict[str, int] = {}
    for ev in evidence:
        by[ev["direction"]] = by.get(ev["direction"], 0) + 1
    sources = sorted({ev["source"] for ev in evidence})
    return ", ".join(f"{n} {d}" for d, n in sorted(by.items())) + " from " + ", ".join(sources)


def source_statements(entry: dict) -> str:
    """'4 findings', '8 remarks', 'no statement, a record and its origin'."""
    parts = [f"{entry.get(k, 0)} {k[:-1] if entry.get(k, 0) == 1 else k}" for k in ("findings", "remarks")
             if entry.get(k, 0)]
    return ", ".join(parts) or "no statement, a record and its origin"


def render_text(report: Report) -> str:
    n = len(report.reproductions)
    bad = sum(1 for r in report.reproductions if not r.agrees)
    names = ", ".join(report.review_names.values()) or "no review"
    out = [f"exitkg report: {names} recomputed from the graph",
           f"{n - bad} of {n} reproductions agree" + ("" if not bad else f"; {bad} DISAGREE"), ""]
    for review, citation in report.reviews.items():
        out.append(f"Reproductions of {citation} (stated in the review / computed from the graph)")
        for r in (r for r in report.reproductions if r.review == review):
            computed = "-" if r.computed is None else str(r.computed)
            out.append(f"  [{_mark(r.agrees)}] {r.what}: stated {r.stated}, computed {computed}  ({r.query})")
            if r.quote:
                out.append(f"      {r.located_in}: \"{r.quote}\"")
            if r.note:
                out.append(f"      note: {r.note}")
        out.append("")
        if review in report.figure_2:
            out.append("Figure 2 rebuilt (labels as printed)")
            for role, levels in report.figure_2[review].items():
                for level, items in levels.items():
                    out.append(f"  {role:<14} {level:<11} {len(items):>2}  {'; '.join(items)}")
            out.append("")
    cited = "with" if report.include_cited else "without"
    out.append(f"Controversial by evidence (role assertions in both effective directions, "
               f"{cited} evidence cited in discussions)")
    for entry in report.controversial:
        out.append(f"  {entry['label']} ({entry['status']}; {verdicts(entry, report.review_names)})")
        for ev in entry["evidence"]:
            pop = f", {ev['population']}" if ev["population"] else ""
            kind = "" if ev["kind"] == "finding" else " (cited)"
            out.append(f"    {ev['direction']:<12} {ev['evidence']}{kind}{pop}: \"{ev['quote']}\"")
    out += ["", "Where a review contradicts itself (both sides kept in the graph)"]
    for c in report.contradictions:
        out.append(f"  - {c['label']}: {c['description']}")
    out += ["", "What the reviews say beyond their results (each with its quote and where it stands)"]
    for section in report.review_content:
        out.append(f"  {section['heading']} ({len(section['entries'])}; query {section['query']})")
        for e in section["entries"]:
            out.append(f"    {content_line(e)}")
            out.append(f"        {e['located_in']}: \"{e['quote']}\"")
        if section["query"] == "review-suggestions":
            out.append(f"    Factors by stage of change (query {STAGE_QUERY}): "
                       + (ties_text(report.stage_ties) if report.stage_ties else report.stage_note))
            for t in report.stage_ties:
                out.append(f"      {stage_line(t)}: \"{t['quote']}\"")
    out += ["", f"{EVIDENCE_HEADING} (query evidence-profile)", f"  {EVIDENCE_NOTE}"]
    for e in report.evidence:
        c = profile_cells(e)
        out.append(f"  {e['label']} ({e['status']}): confidence {c['confidence']}; studies {c['studies']}, "
                   f"participants {c['participants']}, designs {c['designs']}, countries {c['countries']}, "
                   f"years {c['years']}, {c['agreement']}, inferred {c['inferred']}")
        out += [f"    {reason}" for reason in e["confidence"]["reasons"]]
    out += ["", "What the whole graph says now (every source, beside what the reviews said)"]
    out.append(f"  sources beyond the reviews: {len(report.graph_sources)}"
               + "".join(f"\n    {_slug(s['source'])}: {s['title']} ({source_statements(s)})"
                         for s in report.graph_sources))
    out.append(f"  controversial by evidence in the whole graph: {len(report.graph_controversial)} factors: "
               + ", ".join(e["label"] for e in report.graph_controversial))
    if not report.graph_changes:
        out.append("  no factor's controversy status differs from the reviews'")
    for ch in report.graph_changes:
        out.append(f"  {ch['label']}: {ch['in_reviews']} in the reviews, {ch['in_graph']} in the whole graph")
        for ev in ch["evidence"]:
            out.append(f"    {ev['direction']:<12} {ev['evidence']} ({ev['source']}): \"{ev['quote']}\"")
    agreeing = conclusion_counts(report)["agrees"]
    out.append(f"  the reviews' conclusions (Figure 2) in the whole graph: {agreeing} of "
               f"{len(report.graph_conclusions)} agree")
    for c in report.graph_conclusions:
        out.append(f"    [{c['in_graph']}] {c['label']} ({c['classification']}, {c['level']}): "
                   f"in the reviews {c['in_reviews']}; new evidence: {new_evidence_summary(c)}")
    out.append("  what only the sources beyond the reviews bring:" + (" nothing" if not report.graph_new else ""))
    for item in report.graph_new:
        out.append(f"    {item['label']}: {item['what']}")
        for ev in item["evidence"]:
            out.append(f"      {ev['direction']:<12} {ev['evidence']} ({ev['source']}): \"{ev['quote']}\"")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def render_markdown(report: Report) -> str:
    n = len(report.reproductions)
    bad = sum(1 for r in report.reproductions if not r.agrees)
    names = ", ".join(report.review_names.values()) or "no review"
    out = [f"# {names} recomputed from the exitkg graph", "",
           f"{n - bad} of {n} reproductions agree.", ""]
    for review, citation in report.reviews.items():
        out += [f"## Reproductions of {_md(citation)}", "",
                "| what | stated | computed | agrees | where the review says it | query |",
                "|---|---:|---:|---|---|---|"]
        for r in (r for r in report.reproductions if r.review == review):
            where = f"{r.located_in}: \"{r.quote}\"" if r.quote else r.located_in
            if r.note:
                where += f" (note: {r.note})"
            out.append(f"| {_md(r.what)} | {r.stated} | {'-' if r.computed is None else r.computed} | "
                       f"{'yes' if r.agrees else '**no**'} | {_md(where)} | `{r.query}` |")
        if review in report.figure_2:
            figure = report.figure_2[review]
            out += ["", "### Figure 2 rebuilt", "", "| role | " + " | ".join(next(iter(figure.values()), {})) + " |",
                    "|---|---|---|---|"]
            for role, levels in figure.items():
                out.append(f"| {role} | " + " | ".join(_md("; ".join(items)) for items in levels.values()) + " |")
        out.append("")
    out += ["## Controversial by evidence", "",
            "| factor | status | reviews | direction | evidence | population | quote |",
            "|---|---|---|---|---|---|---|"]
    for entry in report.controversial:
        for ev in entry["evidence"] or [{"direction": "", "evidence": "", "kind": "", "population": None, "quote": ""}]:
            evidence = ev["evidence"] + (" (cited)" if ev["kind"] == "cited" else "")
            out.append(f"| {_md(entry['label'])} | {entry['status']} | {_md(verdicts(entry, report.review_names))} | "
                       f"{ev['direction']} | {evidence} | {ev['population'] or ''} | {_md(ev['quote'])} |")
    out += ["", "## Where a review contradicts itself", ""]
    out += [f"- **{_md(c['label'])}**: {_md(c['description'])}" for c in report.contradictions]
    out += ["", "## What the reviews say beyond their results", ""]
    for kind in report.review_content:
        out += [f"### {kind['heading']} ({len(kind['entries'])})", "", f"Query `{kind['query']}`.", "",
                "| statement | quote | where the review says it |", "|---|---|---|"]
        out += [f"| {_md(content_line(e))} | \"{_md(e['quote'])}\" | {_md(e['located_in'])} |" for e in kind["entries"]]
        out.append("")
        if kind["query"] == "review-suggestions":
            out.append(f"Factors by stage of change (query `{STAGE_QUERY}`): "
                       + (ties_text(report.stage_ties) if report.stage_ties else _md(report.stage_note)) + ".")
            out += [f"- {_md(stage_line(t))}: \"{_md(t['quote'])}\"" for t in report.stage_ties]
            out.append("")
    out += ["", f"## {EVIDENCE_HEADING}", "", EVIDENCE_NOTE + " Query `evidence-profile`.", "",
            "| factor | status | studies | participants | designs | countries | agreement | inferred | confidence "
            "| reasons |", "|---|---|---:|---|---|---|---|---|---|---|"]
    for e in report.evidence:
        c = profile_cells(e)
        out.append(f"| {_md(e['label'])} | {e['status']} | {c['studies']} | {c['participants']} | "
                   f"{_md(c['designs'])} | {c['countries']} | {c['agreement']} | {c['inferred']} | "
                   f"{c['confidence']} | {_md(c['reasons'])} |")
    out += ["", "## What the whole graph says now", "",
            f"Sources beyond the reviews: {len(report.graph_sources)}."
            + "".join(f"\n- `{_slug(s['source'])}`: {_md(s['title'])} ({source_statements(s)})"
                      for s in report.graph_sources), "",
            "Controversial by evidence in the whole graph: "
            + (", ".join(_md(e["label"]) for e in report.graph_controversial) or "none") + ".", ""]
    if report.graph_changes:
        out += ["| factor | in the reviews | in the whole graph | evidence in the whole graph |", "|---|---|---|---|"]
        for ch in report.graph_changes:
            evidence = "; ".join(f"{ev['direction']} {ev['evidence']}: \"{ev['quote']}\"" for ev in ch["evidence"])
            out.append(f"| {_md(ch['label'])} | {ch['in_reviews']} | {ch['in_graph']} | {_md(evidence)} |")
    else:
        out.append("No factor's controversy status differs from the reviews'.")
    out += ["", "### The reviews' conclusions in the whole graph", "",
            f"{conclusion_counts(report)['agrees']} of {len(report.graph_conclusions)} conclusions of Figure 2 agree "
            "with every role assertion of the whole graph.", "",
            "| factor | classification | level | in the reviews | in the whole graph | new evidence |",
            "|---|---|---|---|---|---|"]
    for c in report.graph_conclusions:
        out.append(f"| {_md(c['label'])} | {c['classification']} | {_md(c['level'])} | {c['in_reviews']} | "
                   f"{c['in_graph']} | {_md(new_evidence_summary(c))} |")
    out += ["", "What only the sources beyond the reviews bring:" + (" nothing." if not report.graph_new else ""), ""]
    for item in report.graph_new:
        evidence = "; ".join(f"{ev['direction']} {ev['evidence']} ({ev['source']}): \"{ev['quote']}\""
                             for ev in item["evidence"])
        out.append(f"- **{_md(item['label'])}**: {_md(item['what'])}. {_md(evidence)}")
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


#: the renderings of a report by format; the HTML page is :func:`exitkg.pages.report.render_html`
RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
