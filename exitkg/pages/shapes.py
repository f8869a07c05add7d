"""The SHACL shapes' documentation page: every node shape, property shape and SPARQL constraint of
the shapes graph (``shapes/*.ttl``), with its targets, its constraints, its message and severity.

Everything comes from the shapes' triples: a shape is any named subject typed ``sh:NodeShape``,
``sh:PropertyShape`` or ``sh:SPARQLConstraint``, or named by another's ``sh:property`` or
``sh:sparql``. Each is documented once, at the anchor of its local name (``shapes.html#Study-year``),
under the first shape (by name) that uses it; a shape no other uses (a node shape, a property
shape with targets of its own) heads a section. Its constraints are every other SHACL parameter it
holds, written generically (``minCount 1``, ``in (identified, retained, excluded)``, a path in
SHACL's property-path syntax, a nested shape in brackets), so a new parameter shows without a
change here; a SPARQL constraint's query is folded away. A term of the ontology links to its
anchor on the ontology's page; other IRIs are shortened by the project's prefixes. The order is by
local name, so the page is byte-identical from run to run.
"""

from __future__ import annotations

from collections import defaultdict

from exitkg.rdf.namespaces import EKG, PREFIXES, RDF, local_name

SH = "http://www.w3.org/ns/shacl#"
SHAPES_NS = "https://w3id.org/exitkg/shapes#"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
_KINDS = {SH + "NodeShape": "node shape", SH + "PropertyShape": "property shape",
          SH + "SPARQLConstraint": "SPARQL constraint"}
_TARGETS = (("targetClass", "instances of"), ("targetNode", "the node"), ("targetSubjectsOf", "subjects of"),
            ("targetObjectsOf", "objects of"), ("target", "target"))
#: what a shape holds beside its constraints (shown in their own rows, or not at all)
_NOT_CONSTRAINTS = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "target", "message",
                    "severity", "property", "sparql", "path", "name", "description", "order", "group", "select",
                    "ask", "prefixes", "declare", "deactivated"}
#: the constraints' order in a shape's rows (the others follow, by name)
_ORDER = ("minCount", "maxCount", "datatype", "class", "nodeKind", "node", "in", "hasValue", "pattern", "flags",
          "minLength", "maxLength", "minInclusive", "maxInclusive", "minExclusive", "maxExclusive")
_PATHS = (("inversePath", "^", ""), ("zeroOrMorePath", "", "*"), ("oneOrMorePath", "", "+"),
          ("zeroOrOnePath", "", "?"))


def shapes_triples(paths=None) -> list:
    """The triples of the shapes files *paths* (default: the packaged ``shapes/*.ttl``)."""
    import pyoxigraph as ox

    from exitkg.core.resources import resource_files

    out = []
    for path in (resource_files("shapes") if paths is None else paths):
        out += list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return out


def _local(iri: str) -> str:
    for ns in (SHAPES_NS, EKG, SH):
        if iri.startswith(ns):
            return iri[len(ns):]
    return local_name(iri)


def shapes_model(triples, *, ontology_href: str = "ontology.html", documented=None) -> dict:
    """The shapes of *triples*, as the page shows them: ``sections`` (the shapes no other uses, each
    with the shapes it uses, in order), ``shapes`` (every named shape's IRI, by name) and
    ``by_target`` (a target's IRI -> the shapes that target it). *ontology_href* is the address
    of the ontology's page; *documented*, the ontology's terms it documents (None: every ``ekg:``
    term), which are linked to their anchors there."""
    import pyoxigraph as ox

    from exitkg.pages.rdfindex import TripleIndex

    index = TripleIndex(triples)

    def name(iri: str) -> dict:
        if iri.startswith(SHAPES_NS):
            return {"kind": "link", "href": f"#{_local(iri)}", "value": _local(iri)}
        if iri.startswith(EKG) and (documented is None or iri in documented):
            return {"kind": "link", "href": f"{ontology_href}#{_local(iri)}", "value": _local(iri)}
        if iri.startswith(SH):
            return {"kind": "text", "value": f"sh:{_local(iri)}"}
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and len(iri) > len(ns):
                return {"kind": "link", "href": iri, "value": f"{prefix}:{iri[len(ns):]}"}
        return {"kind": "link", "href": iri, "value": f"<{iri}>"}

    def text(value: str) -> dict:
        return {"kind": "text", "value": value}

    def joined(items: list[list[dict]], sep: str) -> list[dict]:
        out: list[dict] = []
        for i, item in enumerate(items):
            out += ([text(sep)] if i else []) + item
        return out

    def is_list(node) -> bool:
        return (isinstance(node, ox.NamedNode) and node.value == RDF + "nil") or bool(index.values(node, RDF + "first"))

    def show(node) -> list[dict]:
        """A value: an IRI linked, a literal as code, a list in parentheses, a nested shape in brackets."""
        if isinstance(node, ox.NamedNode) and node.value != RDF + "nil":
            return [name(node.value)]
        if isinstance(node, ox.Literal):
            return [{"kind": "code", "value": [text(node.value)]}]
        if is_list(node):
            return [text("(")] + joined([show(i) for i in index.rdf_list(node)], ", ") + [text(")")]
        rows = [[text(f"{_local(p)} ")] + joined([show(v) for v in vs], ", ")
                for p, vs in sorted(index.by_subject.get(node, {}).items()) if p.startswith(SH)]
        return [text("[")] + joined(rows, "; ") + [text("]")]

    def path(node) -> list[dict]:
        """A property path in SHACL's syntax: ``^ekg:includesStudy``, ``a / b``, ``(a | b)``, ``p*``."""
        if isinstance(node, ox.NamedNode):
            return [name(node.value)]
        if is_list(node):
            return joined([path(i) for i in index.rdf_list(node)], " / ")
        alternatives = index.one(node, SH + "alternativePath")
        if alternatives is not None:
            return [text("(")] + joined([path(i) for i in index.rdf_list(alternatives)], " | ") + [text(")")]
        for key, before, after in _PATHS:
            inner = index.one(node, SH + key)
            if inner is not None:
                nested = isinstance(inner, ox.BlankNode) and not index.values(inner, SH + "inversePath")
                body = ([text("(")] + path(inner) + [text(")")]) if nested else path(inner)
                return ([text(before)] if before else []) + body + ([text(after)] if after else [])
        return show(node)

    def severity(node) -> str:
        found = sorted(_local(v.value) for v in index.values(node, SH + "severity"))
        return ", ".join(found) if found else "Violation"

    def literals(node, prop: str) -> list[str]:
        values = index.values(node, prop)
        values.sort(key=lambda v: (getattr(v, "language", None) not in (None, "en"), v.value))
        return [v.value for v in values]

    # the named shapes, and which shape uses which
    shapes: dict[str, str] = {}
    uses: dict[str, list[str]] = defaultdict(list)
    for subject, props in index.by_subject.items():
        if not isinstance(subject, ox.NamedNode):
            continue
        for t in props.get(RDF + "type", []):
            if t.value in _KINDS:
                shapes.setdefault(subject.value, _KINDS[t.value])
        if any(SH + key in props for key, _ in _TARGETS) and subject.value not in shapes:
            shapes[subject.value] = "property shape" if SH + "path" in props else "node shape"
        for key, kind in (("property", "property shape"), ("sparql", "SPARQL constraint")):
            for used in props.get(SH + key, []):
                if isinstance(used, ox.NamedNode):
                    shapes.setdefault(used.value, kind)
                    uses[subject.value].append(used.value)
    used_by: dict[str, list[str]] = defaultdict(list)
    for user, used in uses.items():
        for u in used:
            used_by[u].append(user)

    by_target: dict[str, list[str]] = defaultdict(list)

    def entry(iri: str, node, of) -> dict:
        """A shape's rows: kind, targets, path, constraints, severity, message, comment; *of* is the
        shape that uses it (a SPARQL constraint reports with its severity), or None."""
        rows: list[tuple[str, list[dict]]] = []
        for key, what in _TARGETS:
            found = sorted(index.values(node, SH + key), key=str)
            if found:
                rows.append((f"target: {what}", joined([show(v) for v in found], ", ")))
                for v in found:
                    if isinstance(v, ox.NamedNode) and iri:
                        by_target[v.value].append(iri)
        p = index.one(node, SH + "path")
        if p is not None:
            rows.append(("path", path(p)))
        for prop in sorted(index.by_subject.get(node, {}), key=lambda p: (
                _ORDER.index(_local(p)) if _local(p) in _ORDER else len(_ORDER), p)):
            if prop.startswith(SH) and _local(prop) not in _NOT_CONSTRAINTS:
                rows.append((_local(prop), joined([show(v) for v in sorted(index.values(node, prop), key=str)], ", ")))
        for v in index.values(node, SH + "deactivated"):
            rows.append(("deactivated", [text(v.value)]))
        rows.append(("severity", [text(severity(of) if of is not None and not index.values(node, SH + "severity")
                                       and shapes.get(iri) == "SPARQL constraint" else severity(node))]))
        for m in literals(node, SH + "message"):
            rows.append(("message", [text(m)]))
        for c in literals(node, RDFS_COMMENT):
            rows.append(("comment", [text(c)]))
        if iri and len(used_by.get(iri, [])) > 1:
            rows.append(("used by", joined([[name(u)] for u in sorted(set(used_by[iri]), key=_local)], ", ")))
        query = (literals(node, SH + "select") + literals(node, SH + "ask"))
        return {"local": _local(iri) if iri else "", "iri": iri, "kind": shapes.get(iri, "property shape"),
                "rows": rows, "query": query[0] if query else None}

    placed: set[str] = set()
    sections = []
    tops = sorted((i for i in shapes if not used_by.get(i)), key=_local)
    for top in tops:
        node = ox.NamedNode(top)
        head = entry(top, node, None)
        placed.add(top)
        parts = []
        for key in ("property", "sparql"):
            for used in sorted(index.values(node, SH + key), key=lambda v: _local(v.value) if isinstance(
                    v, ox.NamedNode) else "~"):
                if isinstance(used, ox.NamedNode):
                    if used.value in placed:
                        parts.append({"see": name(used.value), "kind": shapes[used.value]})
                        continue
                    placed.add(used.value)
                    parts.append(entry(used.value, used, node))
                else:
                    parts.append(entry("", used, node))
        sections.append({**head, "parts": parts})
    # shapes only other shapes use, in a cycle of uses (none placed above): their own sections
    for rest in sorted((i for i in shapes if i not in placed), key=_local):
        placed.add(rest)
        sections.append({**entry(rest, ox.NamedNode(rest), None), "parts": []})
    return {"sections": sections, "shapes": sorted(shapes, key=_local),
            "by_target": {t: sorted(set(s), key=_local) for t, s in sorted(by_target.items())}}


def render_shapes_page(triples, *, ontology_triples=None, nav: str = "", static_root: str | None = None,
                       ontology_href: str = "ontology.html") -> str:
    """The documentation of the shapes whose *triples* are given, as one HTML page; *nav* is HTML put
    at the top (the site's navigation); *ontology_triples*, the ontology's, say which terms its page
    documents (linked to their anchors at *ontology_href*); *static_root*, the address of the site's
    ``static/`` folder, links the stylesheet there instead of holding it."""
    import pyoxigraph as ox
    from markupsafe import Markup

    from exitkg.pages.templating import render

    documented = None
    if ontology_triples is not None:
        documented = {t.subject.value for t in ontology_triples
                      if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(EKG)}
    model = shapes_model(triples, ontology_href=ontology_href, documented=documented)
    counts: dict[str, int] = defaultdict(int)
    for section in model["sections"]:
        for s in [section, *section["parts"]]:
            if "rows" in s and s["iri"]:
                counts[s["kind"]] += 1
    return render("shapes.html", title="The SHACL shapes", nav=Markup(nav), static_root=static_root,
                  sections=model["sections"], ontology_href=ontology_href,
                  counts=[(k, counts[k]) for k in ("node shape", "property shape", "SPARQL constraint") if counts[k]])
