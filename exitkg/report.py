"""``exitkg report``: the review recomputed from the graph, side by side with what it states.

Everything here comes from the canned queries in ``queries/``:

- ``stated-counts`` lists every number the review states (ekg:StatedCount); each reproduction
  query tagged with the same ``dimension`` recomputes it from the per-item data, and a stated
  count agrees when a computed row has the same unit, the same categories and the same value;
- ``selection-flow`` checks every box of Figure 1 against the boxes around it;
- ``figure-2`` rebuilds Figure 2; ``controversial-by-evidence`` and ``controversy-vs-review``
  give the factors the evidence makes controversial, with both sides;
- the contradictions recorded in the graph are listed, since the review disagrees with itself.

The report agrees when every reproduction agrees; :attr:`Report.exit_code` is 1 otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from exitkg import errors
from exitkg import queries as Q
from exitkg.namespaces import EKG

_LABELS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?term ?label WHERE { { ?term skos:prefLabel ?label } UNION { ?term rdfs:label ?label } }
"""

_CONTRADICTIONS = """
PREFIX ekg: <https://w3id.org/exitkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label ?comment ?note WHERE {
  ?c a ekg:Contradiction ; rdfs:label ?label ; rdfs:comment ?comment ; ekg:resolutionNote ?note .
} ORDER BY ?label
"""

LEVELS = ("individualLevel", "relationalLevel", "structuralLevel")
ROLES = ("facilitating", "hindering", "controversial")


@dataclass
class Reproduction:
    query: str
    what: str
    stated: int
    computed: int | None
    quote: str = ""
    located_in: str = ""
    note: str = ""

    @property
    def agrees(self) -> bool:
        return self.computed is not None and self.stated == self.computed

    def as_dict(self) -> dict:
        return {"query": self.query, "what": self.what, "stated": self.stated, "computed": self.computed,
                "agrees": self.agrees, "quote": self.quote, "located_in": self.located_in, "note": self.note}


@dataclass
class Report:
    reproductions: list[Reproduction] = field(default_factory=list)
    figure_2: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    controversial: list[dict] = field(default_factory=list)
    contradictions: list[dict] = field(default_factory=list)
    engine: str = "local"

    @property
    def agrees(self) -> bool:
        return bool(self.reproductions) and all(r.agrees for r in self.reproductions)

    @property
    def exit_code(self) -> int:
        return errors.OK if self.agrees else errors.FAILED

    def as_dict(self) -> dict:
        return {
            "review": "Ferrari, C. (2021). The Factors Involved in the Exit from Sex Trafficking: A Review. "
                      "Journal of International Women's Studies 22(5), 195-209.",
            "engine": self.engine,
            "agrees": self.agrees,
            "reproductions": [r.as_dict() for r in self.reproductions],
            "figure_2": self.figure_2,
            "controversial_by_evidence": self.controversial,
            "contradictions": self.contradictions,
        }


def _int(term) -> int | None:
    return None if term is None else int(str(term))


def _short(iri) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def build_report(engine) -> Report:
    """Run the canned queries on *engine* and assemble the report."""
    catalogue = Q.catalogue()
    labels = {str(r["term"]): str(r["label"]) for r in engine.run(_LABELS).rows}

    def label(iri) -> str:
        return labels.get(str(iri), _short(iri))

    report = Report(engine=getattr(engine, "name", "local"))

    # --- stated counts against the reproduction queries of their dimension
    stated = Q.run(catalogue["stated-counts"], engine).rows
    computed: dict[str, dict[tuple, int]] = {}
    for query in catalogue.values():
        if query.kind == "reproduction" and query.dimension:
            table = computed.setdefault(query.dimension, {})
            for row in Q.run(query, engine).rows:
                cats = frozenset(str(row[v]) for v in ("category", "category2") if row.get(v) is not None)
                table[(str(row["unit"]), cats)] = _int(row["count"])
    by_dimension = {q.dimension: q.id for q in catalogue.values() if q.dimension}
    for row in stated:
        dimension, unit = str(row["dimension"]), str(row["unit"])
        cats = frozenset(str(row["categories"]).split()) if row.get("categories") else frozenset()
        what = f"{label(dimension)}: " + (" and ".join(sorted(label(c) for c in cats)) or "all") + f" ({label(unit)})"
        note = ""
        if row.get("unitProvenance") is not None and str(row["unitProvenance"]) == EKG + "CuratorInference":
            note = f"the unit ({label(unit)}) is the curators' reading"
        report.reproductions.append(Reproduction(
            query=by_dimension.get(dimension, "(none)"), what=what, stated=_int(row["value"]),
            computed=computed.get(dimension, {}).get((unit, cats)),
            quote=str(row["quote"]), located_in=str(row["section"]), note=note,
        ))

    # --- the selection flow of Figure 1
    for row in Q.run(catalogue["selection-flow"], engine).rows:
        report.reproductions.append(Reproduction(
            query="selection-flow", what=f"Figure 1: {row['label']}", stated=_int(row["stated"]),
            computed=_int(row.get("computed")), located_in="Figure 1. Flow Chart of the Study Selection Process",
        ))

    # --- Figure 2 rebuilt
    figure = {label(EKG + r): {label(EKG + lv): [] for lv in LEVELS} for r in ROLES}
    for row in Q.run(catalogue["figure-2"], engine).rows:
        if row.get("category2") is not None and row.get("members") is not None:
            figure[label(row["category"])][label(row["category2"])] = str(row["members"]).split(" | ")
    report.figure_2 = figure

    # --- controversy from the evidence, with both sides
    versus_review = Q.run(catalogue["controversy-vs-review"], engine).rows
    status = {str(r["factor"]): str(r["status"]) for r in versus_review}
    classification = {str(r["factor"]): label(r["classification"]) for r in versus_review}
    sides: dict[str, dict] = {}
    for row in Q.run(catalogue["controversial-by-evidence"], engine).rows:
        entry = sides.setdefault(str(row["factor"]), {
            "factor": str(row["factor"]), "label": str(row["label"]),
            "review_classification": classification.get(str(row["factor"])),
            "status": status.get(str(row["factor"])), "evidence": [],
        })
        entry["evidence"].append({
            "direction": label(row["direction"]), "study": _short(row["study"]),
            "population": _short(row["population"]) if row.get("population") is not None else None,
            "quote": str(row["quote"]),
        })
    report.controversial = list(sides.values())
    for factor, st in sorted(status.items()):
        if st == "review-only":
            report.controversial.append({"factor": factor, "label": label(factor),
                                         "review_classification": classification.get(factor),
                                         "status": st, "evidence": []})

    report.contradictions = [
        {"contradiction": str(r["c"]), "label": str(r["label"]), "description": str(r["comment"]),
         "encoding": str(r["note"])}
        for r in engine.run(_CONTRADICTIONS).rows
    ]
    return report


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #

def _mark(ok: bool) -> str:
    return "agrees" if ok else "DISAGREES"


def render_text(report: Report) -> str:
    n = len(report.reproductions)
    bad = sum(1 for r in report.reproductions if not r.agrees)
    out = ["exitkg report: Ferrari (2021) recomputed from the graph",
           f"{n - bad} of {n} reproductions agree" + ("" if not bad else f"; {bad} DISAGREE"), ""]
    out.append("Reproductions (stated in the review / computed from the graph)")
    for r in report.reproductions:
        computed = "-" if r.computed is None else str(r.computed)
        line = f"  [{_mark(r.agrees)}] {r.what}: stated {r.stated}, computed {computed}  ({r.query})"
        out.append(line)
        if r.quote:
            out.append(f"      {r.located_in}: \"{r.quote}\"")
        if r.note:
            out.append(f"      note: {r.note}")
    out += ["", "Figure 2 rebuilt (labels as printed)"]
    for role, levels in report.figure_2.items():
        for level, items in levels.items():
            out.append(f"  {role:<14} {level:<11} {len(items):>2}  {'; '.join(items)}")
    out += ["", "Controversial by evidence (findings in both effective directions)"]
    for entry in report.controversial:
        out.append(f"  {entry['label']} (review: {entry['review_classification']}; {entry['status']})")
        for ev in entry["evidence"]:
            pop = f", {ev['population']}" if ev["population"] else ""
            out.append(f"    {ev['direction']:<12} {ev['study']}{pop}: \"{ev['quote']}\"")
    out += ["", "Where the review contradicts itself (both sides kept in the graph)"]
    for c in report.contradictions:
        out.append(f"  - {c['label']}: {c['description']}")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def render_markdown(report: Report) -> str:
    n = len(report.reproductions)
    bad = sum(1 for r in report.reproductions if not r.agrees)
    out = ["# Ferrari (2021) recomputed from the exitkg graph", "",
           f"{n - bad} of {n} reproductions agree.", "",
           "## Reproductions", "",
           "| what | stated | computed | agrees | where the review says it | query |",
           "|---|---:|---:|---|---|---|"]
    for r in report.reproductions:
        where = f"{r.located_in}: \"{r.quote}\"" if r.quote else r.located_in
        if r.note:
            where += f" (note: {r.note})"
        out.append(f"| {_md(r.what)} | {r.stated} | {'-' if r.computed is None else r.computed} | "
                   f"{'yes' if r.agrees else '**no**'} | {_md(where)} | `{r.query}` |")
    out += ["", "## Figure 2 rebuilt", "", "| role | " + " | ".join(next(iter(report.figure_2.values()), {})) + " |",
            "|---|---|---|---|"]
    for role, levels in report.figure_2.items():
        out.append(f"| {role} | " + " | ".join(_md("; ".join(items)) for items in levels.values()) + " |")
    out += ["", "## Controversial by evidence", "", "| factor | review | status | direction | study | population | quote |",
            "|---|---|---|---|---|---|---|"]
    for entry in report.controversial:
        for ev in entry["evidence"] or [{"direction": "", "study": "", "population": None, "quote": ""}]:
            out.append(f"| {_md(entry['label'])} | {entry['review_classification']} | {entry['status']} | "
                       f"{ev['direction']} | {ev['study']} | {ev['population'] or ''} | {_md(ev['quote'])} |")
    out += ["", "## Where the review contradicts itself", ""]
    out += [f"- **{_md(c['label'])}**: {_md(c['description'])}" for c in report.contradictions]
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}
