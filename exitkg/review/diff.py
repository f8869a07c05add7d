"""``exitkg diff OLD NEW``: what changed between two versions of the graph, in the review's terms.

Each side is a release folder (its ``exitkg.trig`` is read), a data folder (a folder of source
folders, such as ``data/``), one source folder, or one RDF file (an export: TriG, N-Quads, Turtle ...).
Each is loaded with the ontology and compared on:

- studies and findings added, removed or changed (any statement about them differs);
- factors whose classifications (source, level, role) or controversy status (from the evidence of
  the whole graph, population-aware) changed, with the findings about them that were added or
  removed;
- the numbers a review states that reproduced in OLD and no longer do in NEW;
- identifiers deprecated (``owl:deprecated true``) in NEW, and identifiers of OLD gone from NEW
  without deprecation.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from exitkg.core.errors import InputError
from exitkg.rdf.namespaces import sparql_prefixes

_SUBJECTS = sparql_prefixes("ekg", "rdfs", "dcterms", "skos") + """
SELECT ?x ?kind ?label WHERE {
  VALUES (?class ?kind) { (ekg:Study "study") (ekg:Finding "finding") (ekg:CitedEvidence "cited evidence") }
  ?x a ?class .
  OPTIONAL { ?x rdfs:label|dcterms:title ?label }
}"""

_DESCRIPTION = """SELECT ?p ?o WHERE { ?x ?p ?o }"""

_FINDING_FACTOR = sparql_prefixes("ekg") + """
SELECT ?x ?factor WHERE { ?x ekg:aboutFactor ?factor }"""

_CLASSIFICATIONS = sparql_prefixes("ekg", "skos") + """
SELECT ?factor ?label ?source ?level ?role WHERE {
  ?c a ekg:FactorClassification ; ekg:classifies ?factor ; ekg:inSource ?source ; ekg:level ?level ; ekg:role ?role .
  OPTIONAL { ?factor skos:prefLabel ?label }
}"""

_DEPRECATED = sparql_prefixes("owl") + """
SELECT ?x WHERE { ?x owl:deprecated true }"""

# the description of the graph (``id/dataset`` and under it), which a release holds and a data folder
# does not, is computed from the graph: its identifiers are no data removed or added
_IDENTIFIERS = """
SELECT DISTINCT ?x WHERE { ?x ?p ?o FILTER(isIRI(?x) && STRSTARTS(STR(?x), "https://w3id.org/exitkg/")
  && STR(?x) != "https://w3id.org/exitkg/id/dataset" && !STRSTARTS(STR(?x), "https://w3id.org/exitkg/id/dataset/")) }"""


def _short(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].split("/id/", 1)[-1]


def _side(path):
    from exitkg.graph.local import load
    from exitkg.rdf.files import rdf_files

    shown = os.fsdecode(path)
    target = Path(shown)
    try:
        if not target.exists():
            raise InputError(f"{shown}: no such file or folder")
        target.is_dir()
    except OSError as exc:  # a name too long ...
        raise InputError(f"{shown[:200]}{'...' if len(shown) > 200 else ''}: "
                         f"cannot read: {exc.strerror or exc}") from None
    if target.is_dir() and (target / "exitkg.trig").is_file():  # a release folder
        return load(only=[target / "exitkg.trig"])
    if target.is_dir():
        folders = sorted(p for p in target.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                         and rdf_files(p))
        if folders:
            return load(only=folders)
    return load(only=[target])


@dataclass
class Change:
    kind: str
    iri: str
    label: str
    change: str            # added, removed, changed

    def as_dict(self) -> dict:
        return {"kind": self.kind, "iri": self.iri, "label": self.label, "change": self.change}


@dataclass
class Diff:
    old: str
    new: str
    entities: list[Change] = field(default_factory=list)
    factors: list[dict] = field(default_factory=list)
    counts: list[dict] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    removed_identifiers: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.entities or self.factors or self.counts or self.deprecated or self.removed_identifiers)

    def as_dict(self) -> dict:
        return {"old": self.old, "new": self.new,
                "studies_and_findings": [c.as_dict() for c in self.entities],
                "factors": self.factors, "counts_no_longer_reproduced": self.counts,
                "deprecated": self.deprecated, "removed_without_deprecation": self.removed_identifiers}


def _entities(graph) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for row in graph.store.query(_SUBJECTS):
        iri = row["x"].value
        label = row["label"].value if row["label"] is not None else _short(iri)
        out.setdefault(iri, (row["kind"].value, label))
    return out


def _description(graph, iri: str) -> set[tuple[str, str]]:
    import pyoxigraph as ox

    return {(q.predicate.value, str(q.object))
            for q in graph.store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph())}


def _controversy(graph) -> dict[str, str]:
    from exitkg.sparql import queries as Q

    rows = Q.run(Q.catalogue()["controversial-by-evidence"], graph, {"population_aware": "true"}).rows
    return {r["factor"].value: r["status"].value for r in rows}


def _classifications(graph) -> tuple[dict[str, set], dict[str, str]]:
    found: dict[str, set] = {}
    labels: dict[str, str] = {}
    for r in graph.store.query(_CLASSIFICATIONS):
        factor = r["factor"].value
        found.setdefault(factor, set()).add((_short(r["source"].value), _short(r["level"].value),
                                             _short(r["role"].value)))
        if r["label"] is not None:
            labels[factor] = r["label"].value
    return found, labels


def diff(old, new) -> Diff:
    """Compare two versions of the graph (folders or files); see the module's description."""
    from exitkg.review.report import build_report

    a, b = _side(old), _side(new)
    result = Diff(os.fsdecode(old), os.fsdecode(new))

    ea, eb = _entities(a), _entities(b)
    for iri in sorted(set(ea) | set(eb)):
        kind, label = eb.get(iri) or ea[iri]
        if iri not in ea:
            result.entities.append(Change(kind, iri, label, "added"))
        elif iri not in eb:
            result.entities.append(Change(kind, iri, label, "removed"))
        elif _description(a, iri) != _description(b, iri):
            result.entities.append(Change(kind, iri, label, "changed"))

    # factors: classifications and controversy, with the findings about them that changed
    ca, la = _classifications(a)
    cb, lb = _classifications(b)
    sa, sb = _controversy(a), _controversy(b)
    about: dict[str, str] = {}
    for graph in (a, b):
        for r in graph.store.query(_FINDING_FACTOR):
            about.setdefault(r["x"].value, r["factor"].value)
    changed_by: dict[str, list[Change]] = {}
    for change in result.entities:
        if change.kind != "study" and change.iri in about:
            changed_by.setdefault(about[change.iri], []).append(change)
    for factor in sorted(set(ca) | set(cb) | set(sa) | set(sb), key=lambda f: (lb.get(f) or la.get(f) or f).lower()):
        before_cls, after_cls = ca.get(factor, set()), cb.get(factor, set())
        before, after = sa.get(factor, "not controversial"), sb.get(factor, "not controversial")
        if before_cls == after_cls and before == after:
            continue
        result.factors.append({
            "factor": factor, "label": lb.get(factor) or la.get(factor) or _short(factor),
            "classifications_added": sorted(" ".join(c) for c in after_cls - before_cls),
            "classifications_removed": sorted(" ".join(c) for c in before_cls - after_cls),
            "controversy_before": before, "controversy_after": after,
            "findings": [c.as_dict() for c in changed_by.get(factor, [])],
        })

    # stated counts that reproduced in OLD and no longer do in NEW
    ra, rb = build_report(a), build_report(b)
    agreed = {(r.review, r.what) for r in ra.reproductions if r.agrees}
    for r in rb.reproductions:
        if not r.agrees and (r.review, r.what) in agreed:
            result.counts.append({"review": r.review, "what": r.what, "stated": r.stated, "computed": r.computed,
                                  "query": r.query})

    dep_a = {r["x"].value for r in a.store.query(_DEPRECATED)}
    result.deprecated = sorted({r["x"].value for r in b.store.query(_DEPRECATED)} - dep_a)
    ids_a = {r["x"].value for r in a.store.query(_IDENTIFIERS)}
    ids_b = {r["x"].value for r in b.store.query(_IDENTIFIERS)}
    result.removed_identifiers = sorted(ids_a - ids_b)
    return result


# --------------------------------------------------------------------------- #
# Rendering
# --------------------------------------------------------------------------- #

def render_text(d: Diff) -> str:
    out = [f"exitkg diff: {d.old} -> {d.new}"]
    if d.empty:
        return out[0] + "\nno differences\n"
    groups = [("Studies", "study"), ("Findings", "finding"), ("Cited evidence", "cited evidence")]
    for title, kind in groups:
        items = [c for c in d.entities if c.kind == kind]
        if items:
            out += ["", f"{title} ({len(items)})"]
            out += [f"  {c.change:<8} {_short(c.iri)}: {c.label}" for c in items]
    if d.factors:
        out += ["", f"Factors whose classification or controversy status changed ({len(d.factors)})"]
        for f in d.factors:
            before, after = f["controversy_before"], f["controversy_after"]
            status = f"controversy {before} -> {after}" if before != after else f"controversy unchanged ({after})"
            out.append(f"  {f['label']}: {status}")
            for c in f["classifications_added"]:
                out.append(f"    + classification {c}")
            for c in f["classifications_removed"]:
                out.append(f"    - classification {c}")
            for c in f["findings"]:
                out.append(f"    {c['change']} {c['kind']} {_short(c['iri'])}")
    if d.counts:
        out += ["", f"Stated numbers no longer reproduced ({len(d.counts)})"]
        out += [f"  {c['what']}: stated {c['stated']}, now computed {c['computed']} ({c['query']})" for c in d.counts]
    if d.deprecated:
        out += ["", f"Deprecated identifiers ({len(d.deprecated)})"] + [f"  {i}" for i in d.deprecated]
    if d.removed_identifiers:
        out += ["", f"Identifiers removed without deprecation ({len(d.removed_identifiers)})"]
        out += [f"  {i}" for i in d.removed_identifiers]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def render_markdown(d: Diff) -> str:
    out = [f"# Changes: `{_md(d.old)}` to `{_md(d.new)}`", ""]
    if d.empty:
        return "\n".join(out + ["No differences."]) + "\n"
    if d.entities:
        out += ["## Studies and findings", "", "| change | kind | identifier | label |", "|---|---|---|---|"]
        out += [f"| {c.change} | {c.kind} | `{_short(c.iri)}` | {_md(c.label)} |" for c in d.entities]
        out.append("")
    if d.factors:
        out += ["## Factors", "", "| factor | controversy before | after | classifications | findings |",
                "|---|---|---|---|---|"]
        for f in d.factors:
            cls = "; ".join([f"+ {c}" for c in f["classifications_added"]]
                            + [f"- {c}" for c in f["classifications_removed"]])
            found = "; ".join(f"{c['change']} `{_short(c['iri'])}`" for c in f["findings"])
            out.append(f"| {_md(f['label'])} | {f['controversy_before']} | {f['controversy_after']} "
                       f"| {_md(cls)} | {found} |")
        out.append("")
    if d.counts:
        out += ["## Stated numbers no longer reproduced", ""]
        out += [f"- {_md(c['what'])}: stated {c['stated']}, now computed {c['computed']} (`{c['query']}`)"
                for c in d.counts]
        out.append("")
    if d.deprecated or d.removed_identifiers:
        out += ["## Identifiers", ""]
        out += [f"- deprecated: <{i}>" for i in d.deprecated]
        out += [f"- removed without deprecation: <{i}>" for i in d.removed_identifiers]
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(d: Diff) -> str:
    return json.dumps(d.as_dict(), indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}

__all__ = ["Diff", "diff", "RENDERERS"]
