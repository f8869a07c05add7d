"""The report's page: :class:`exitkg.review.report.Report` as one HTML page."""

from __future__ import annotations

from markupsafe import Markup

from exitkg.pages.templating import render
from exitkg.rdf.vocabulary import local_name
from exitkg.review.report import RENDERERS as _TEXT_RENDERERS
from exitkg.review.report import (
    EVIDENCE_HEADING,
    EVIDENCE_NOTE,
    STAGE_QUERY,
    Report,
    conclusion_counts,
    content_line,
    new_evidence_summary,
    profile_cells,
    source_statements,
    stage_line,
    ties_text,
    verdicts,
)
from exitkg.sparql import queries as Q


def render_html(report: Report, link=None, *, nav: str = "", static_root: str | None = None) -> str:
    """The report as one HTML page (``exitkg/pages/templates/report.html``). *link* maps an identifier to
    the address of its page (or None); without it nothing is linked. *nav* is HTML put at the top
    (the site's navigation); *static_root*, the address of the site's ``static/`` folder, links the
    stylesheet there instead of holding it."""
    # a cell is a list of parts (templates/parts.html): links, text, quotes
    def a(iri: str | None, text: str) -> dict:
        return {"kind": "link", "value": text, "href": (link(iri) if (link and iri) else None) or None}

    def t(text: str) -> dict:
        return {"kind": "text", "value": text}

    def quote(text: str) -> dict:
        return {"kind": "quote", "value": text}

    def head(*names: str) -> list:
        return [[t(name)] for name in names]

    n = len(report.reproductions)
    bad = sum(1 for r in report.reproductions if not r.agrees)
    reviews = []
    for review, citation in report.reviews.items():
        rows = []
        for r in (r for r in report.reproductions if r.review == review):
            where = [t(r.located_in)] + ([t(": "), quote(r.quote)] if r.quote else []) + (
                [t(f" (note: {r.note})")] if r.note else [])
            rows.append([[t(r.what)], [t(str(r.stated))], [t("-" if r.computed is None else str(r.computed))],
                         [t("yes")] if r.agrees else [{"kind": "strong", "value": [t("no")]}], where,
                         [{"kind": "code", "value": [a(Q.QUERY_NS + r.query, r.query)]}]])
        figure = None
        if review in report.figure_2:
            levels = list(next(iter(report.figure_2[review].values()), {}))
            figure = {"head": head("role", *levels),
                      "rows": [[[t(role)]] + [[t("; ".join(items[lv]))] for lv in levels]
                               for role, items in report.figure_2[review].items()]}
        reviews.append({"link": a(review, citation), "rows": rows, "figure": figure,
                        "head": head("what", "stated", "computed", "agrees", "where the review says it", "query")})
    rows = []
    for entry in report.controversial:
        for ev in entry["evidence"] or [{"direction": "", "evidence": "", "kind": "", "population": None, "quote": ""}]:
            rows.append([[a(entry["factor"], entry["label"])], [t(entry["status"])],
                         [t(verdicts(entry, report.review_names))], [t(ev["direction"])],
                         [a(ev.get("evidence_iri"), ev["evidence"])]
                         + ([t(" (cited)")] if ev["kind"] == "cited" else []),
                         [t(ev["population"] or "")], [quote(ev["quote"])] if ev["quote"] else []])
    changes = None
    if report.graph_changes:
        changes = {"head": head("factor", "in the reviews", "in the whole graph", "evidence in the whole graph"),
                   "rows": [[[a(ch["factor"], ch["label"])], [t(ch["in_reviews"])], [t(ch["in_graph"])],
                             [part for i, ev in enumerate(ch["evidence"]) for part in
                              ([t("; ")] if i else []) + [t(f"{ev['direction']} "),
                                                         a(ev.get("evidence_iri"), ev["evidence"]),
                                                         t(": "), quote(ev["quote"])]]]
                            for ch in report.graph_changes]}
    beyond = []
    for kind in report.review_content:
        beyond.append({"heading": kind["heading"], "count": len(kind["entries"]),
                       "query": a(Q.QUERY_NS + kind["query"], kind["query"]),
                       "head": head("statement", "quote", "where the review says it"),
                       "rows": [[[a(e["statement"], content_line(e))], [quote(e["quote"])], [t(e["located_in"])]]
                                for e in kind["entries"]],
                       "stages": kind["query"] == "review-suggestions"})
    stages = {"query": a(Q.QUERY_NS + STAGE_QUERY, STAGE_QUERY), "note": report.stage_note,
              "count": ties_text(report.stage_ties),
              "ties": [[a(x["statement"], stage_line(x)), t(": "), quote(x["quote"])] for x in report.stage_ties]}
    conclusions = {"head": head("factor", "classification", "level", "in the reviews", "in the whole graph",
                                "new evidence"),
                   "rows": [[[a(c["factor"], c["label"])], [t(c["classification"])], [t(c["level"])],
                             [t(c["in_reviews"])], [t(c["in_graph"])], [t(new_evidence_summary(c))]]
                            for c in report.graph_conclusions]}
    new = [{"link": a(n["factor"], n["label"]), "what": n["what"],
            "evidence": [part for i, ev in enumerate(n["evidence"]) for part in
                         ([t("; ")] if i else []) + [t(f"{ev['direction']} "),
                                                    a(ev.get("evidence_iri"), ev["evidence"]),
                                                    t(f" ({ev['source']}): "), quote(ev["quote"])]]}
           for n in report.graph_new]
    evidence = {"heading": EVIDENCE_HEADING, "note": EVIDENCE_NOTE,
                "query": a(Q.QUERY_NS + "evidence-profile", "evidence-profile"),
                "head": head("factor", "status", "studies", "participants", "designs", "countries", "agreement",
                             "inferred share", "confidence", "reasons"),
                "rows": [[[a(e["factor"], e["label"])], [t(e["status"])]]
                         + [[t(c[k])] for k in ("studies", "participants", "designs", "countries", "agreement",
                                                 "inferred", "confidence", "reasons")]
                         for e in report.evidence for c in [profile_cells(e)]]}
    names = ", ".join(report.review_names.values()) or "no review"
    return render("report.html", title=f"Report: {names}", nav=Markup(nav), names=names,
                  static_root=static_root,
                  agree=n - bad, total=n, reviews=reviews,
                  controversial={"head": head("factor", "status", "reviews", "direction", "evidence", "population",
                                              "quote"), "rows": rows},
                  contradictions=[{"link": a(c["contradiction"], c["label"]), "description": c["description"]}
                                  for c in report.contradictions],
                  sources=[{"link": a(s["source"], local_name(s["source"])), "title": s["title"],
                            "statements": source_statements(s)} for s in report.graph_sources],
                  conclusions=conclusions, conclusions_agree=conclusion_counts(report)["agrees"],
                  new=new,
                  graph_controversial=[a(x["factor"], x["label"]) for x in report.graph_controversial],
                  changes=changes, beyond=beyond, stages=stages, evidence=evidence)


#: the renderings of a report by format, the page among them
RENDERERS = {**_TEXT_RENDERERS, "html": render_html}
