"""The ontology's documentation page: a table of contents, the creators, the version history, a
class diagram, every class and property with its definition, the derived classes' OWL definitions
in Manchester syntax, the closed lists with their members, and the shapes by what they target.

The page is built from the ontology's named graph, with the released sections of CHANGELOG.md
(:func:`release_history`) and the shapes (:mod:`exitkg.pages.shapes`, documented on a page of
their own beside this one), in a fixed order (terms sorted by local name within each section), so
it is byte-identical from run to run. Each term has an anchor named
after its local name: ``ontology.html#ControversialByEvidence`` is where the identifier
``https://w3id.org/exitkg/ontology#ControversialByEvidence`` resolves.

Class expressions are read from their RDF (lists, restrictions, Boolean connectives) into a small
tree (:func:`expression`) and written in the Manchester syntax of OWL 2, with every named term
linked: ``Factor and (hasStatement some EffectivelyFacilitatingAssertion) and ...``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from exitkg.pages.rdfindex import TripleIndex
from exitkg.rdf.namespaces import EKG, ONTOLOGY_IRI, PAGE_PREFIXES, PREFIXES, RDF

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: the project's own address, the home page of its site
SITE = "https://w3id.org/exitkg/"

# --------------------------------------------------------------------------- #
# Class expressions as a tree
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Named:
    iri: str


@dataclass(frozen=True)
class Value:
    """A literal in a class expression (``hasValue false``, a cardinality)."""
    lexical: str
    datatype: str


@dataclass(frozen=True)
class Nary:
    op: str                  # "and" | "or" | "oneOf"
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class Restriction:
    op: str                  # some | only | value | min | max | exactly | self
    prop: Named | tuple[str, Named]  # Named, or ("inverse", Named)
    filler: object = None
    n: int | None = None


_CARDINALITIES = {"minCardinality": "min", "maxCardinality": "max", "cardinality": "exactly",
                  "minQualifiedCardinality": "min", "maxQualifiedCardinality": "max",
                  "qualifiedCardinality": "exactly"}



def expression(index: TripleIndex, node):
    """The class expression at *node* (a named class, or a blank node holding OWL's RDF of one)."""
    ox = index.ox
    if isinstance(node, ox.NamedNode):
        return Named(node.value)
    if isinstance(node, ox.Literal):
        return Value(node.value, node.datatype.value)
    for kind, op in (("intersectionOf", "and"), ("unionOf", "or")):
        members = index.one(node, OWL + kind)
        if members is not None:
            return Nary(op, tuple(expression(index, m) for m in index.rdf_list(members)))
    members = index.one(node, OWL + "oneOf")
    if members is not None:
        return Nary("oneOf", tuple(expression(index, m) for m in index.rdf_list(members)))
    complement = index.one(node, OWL + "complementOf")
    if complement is not None:
        return Not(expression(index, complement))
    on = index.one(node, OWL + "onProperty")
    if on is None:
        raise ValueError(f"a class expression exitkg cannot read ({node})")
    inverse = index.one(on, OWL + "inverseOf") if isinstance(on, ox.BlankNode) else None
    prop = ("inverse", Named(inverse.value)) if inverse is not None else Named(on.value)
    for key, op in (("someValuesFrom", "some"), ("allValuesFrom", "only"), ("hasValue", "value")):
        filler = index.one(node, OWL + key)
        if filler is not None:
            return Restriction(op, prop, expression(index, filler))
    if index.one(node, OWL + "hasSelf") is not None:
        return Restriction("self", prop)
    for key, op in _CARDINALITIES.items():
        n = index.one(node, OWL + key)
        if n is not None:
            on_class = index.one(node, OWL + "onClass")
            filler = expression(index, on_class) if on_class is not None else None
            return Restriction(op, prop, filler, int(n.value))
    raise ValueError(f"a restriction exitkg cannot read ({node})")


def manchester_parts(expr, name) -> list[dict]:
    """*expr* in Manchester syntax, as the parts ``templates/parts.html`` writes (named terms,
    keywords, literals, punctuation); *name* gives a named term's part (a link)."""
    def kw(word: str) -> dict:
        return {"kind": "kw", "value": word}

    def text(value: str) -> dict:
        return {"kind": "text", "value": value}

    def between(items: list[list[dict]], sep: list[dict]) -> list[dict]:
        out: list[dict] = []
        for i, item in enumerate(items):
            out += (sep if i else []) + item
        return out

    def inner(e, nested: bool) -> list[dict]:
        if isinstance(e, Named):
            return [name(e.iri)]
        if isinstance(e, Value):
            if e.datatype in (XSD + "boolean", XSD + "integer", XSD + "nonNegativeInteger"):
                return [text(e.lexical)]
            return [{"kind": "typed", "value": e.lexical, "datatype": name(e.datatype)}]
        if isinstance(e, Nary):
            if e.op == "oneOf":
                return [text("{")] + between([inner(i, False) for i in e.items], [text(", ")]) + [text("}")]
            parts = between([inner(i, True) for i in e.items], [text(" "), kw(e.op), text(" ")])
            return [text("(")] + parts + [text(")")] if nested else parts
        if isinstance(e, Not):
            return [kw("not"), text(" ")] + inner(e.item, True)
        if isinstance(e, Restriction):
            prop = ([kw("inverse"), text(" ("), name(e.prop[1].iri), text(")")]
                    if isinstance(e.prop, tuple) else [name(e.prop.iri)])
            if e.op == "self":
                parts = prop + [text(" "), kw("Self")]
            elif e.n is not None:
                parts = prop + [text(" "), kw(e.op), text(f" {e.n}")] + (
                    [text(" ")] + inner(e.filler, True) if e.filler is not None else [])
            else:
                parts = prop + [text(" "), kw(e.op), text(" ")] + inner(e.filler, True)
            return [text("(")] + parts + [text(")")] if nested else parts
        raise TypeError(e)
    return inner(expr, False)


def manchester(expr, name) -> str:
    """*expr* in Manchester syntax, as HTML; *name* gives a named term's text (linked to its IRI)."""
    from exitkg.pages.templating import environment

    parts = environment().get_template("parts.html").module.parts
    return str(parts(manchester_parts(expr, lambda iri: {"kind": "link", "href": iri, "value": name(iri)})))


# --------------------------------------------------------------------------- #
# The page
# --------------------------------------------------------------------------- #

SECTIONS = (
    ("classes", "Classes", OWL + "Class"),
    ("object-properties", "Object properties", OWL + "ObjectProperty"),
    ("datatype-properties", "Datatype properties", OWL + "DatatypeProperty"),
    ("annotation-properties", "Annotation properties", OWL + "AnnotationProperty"),
    ("individuals", "Named individuals", OWL + "NamedIndividual"),
    ("concept-schemes", "Concept schemes", SKOS + "ConceptScheme"),
)
_CHARACTERISTICS = ("FunctionalProperty", "InverseFunctionalProperty", "TransitiveProperty", "SymmetricProperty",
                    "AsymmetricProperty", "ReflexiveProperty", "IrreflexiveProperty")


def _local(iri: str) -> str:
    return iri[len(EKG):] if iri.startswith(EKG) else iri


def short_name(iri: str) -> str:
    """A term as the ontology's page names it: ``Factor`` (ours), ``foaf:Person``, or ``<IRI>``."""
    if iri.startswith(EKG):
        return _local(iri)
    for prefix, ns in sorted({**PREFIXES, **PAGE_PREFIXES}.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def render_diagram(triples, page: str = "ontology") -> str:
    """The class diagram of the ontology whose *triples* are given (SVG, :mod:`exitkg.pages.diagram`),
    its classes linked to their anchors on the ontology's page; *page* is where the SVG stands: the
    page itself (``ontology``: links ``#Factor``), or a file beside it (``ontology.svg``: links
    ``ontology.html#Factor``)."""
    from exitkg.pages.diagram import render_class_diagram

    base = "" if page in ("ontology", "") or page.startswith("ontology/") else "ontology.html"
    return render_class_diagram(triples, lambda iri: f"{base}#{_local(iri)}" if iri.startswith(EKG) else None,
                                short_name)


#: a released section's heading in CHANGELOG.md: ``## [0.1.0]`` or ``## [0.1.0] - 2026-11-24``
_RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\](?:[ \t]*[-\u2013][ \t]*(?P<date>\d{4}-\d{2}-\d{2}))?[ \t]*$", re.M)


def release_history(changelog: str | None, triples=()) -> list[dict]:
    """The ontology's versions, newest first: each released section of the change log *changelog*
    (the text of CHANGELOG.md; ``## [Unreleased]`` is no release) with its date when the heading
    gives one, its first paragraph and its subsections (``### Added``) with their numbers of
    entries; then each version the ontology (its *triples*) names by ``owl:priorVersion`` that the
    change log does not. Each has its version IRI (``https://w3id.org/exitkg/ontology/0.1.0``)."""
    out: list[dict] = []
    found = list(_RELEASE.finditer(changelog or ""))
    for i, m in enumerate(found):
        version = m.group("version").strip()
        if version.lower() == "unreleased":
            continue
        body = (changelog or "")[m.end(): found[i + 1].start() if i + 1 < len(found) else None]
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        summary = " ".join(paragraphs[0].split()) if paragraphs and not paragraphs[0].startswith(("#", "-")) else ""
        changes = []
        for part in re.split(r"^### ", body, flags=re.M)[1:]:
            heading, _, items = part.partition("\n")
            changes.append((heading.strip(), len(re.findall(r"^- ", items, re.M))))
        out.append({"version": version, "date": m.group("date") or "", "iri": f"{ONTOLOGY_IRI}/{version}",
                    "summary": summary, "changes": changes})
    named = {r["iri"] for r in out}
    for t in triples:
        if (t.subject.value == ONTOLOGY_IRI and t.predicate.value == OWL + "priorVersion"
                and t.object.value not in named):
            named.add(t.object.value)
            version = t.object.value.rsplit("/", 1)[-1]
            out.append({"version": version, "date": "", "iri": t.object.value,
                        "summary": "", "changes": []})
    return out


def render_ontology_page(triples, *, page: str = "ontology", nav: str = "", link=None,
                         static_root: str | None = None, history: list[dict] | None = None,
                         shapes: dict | None = None) -> str:
    """The documentation of the ontology whose *triples* are given (its named graph), as one HTML
    page at the site path *page* (``ontology``, or ``ontology/0.1.0`` for a version); *nav* is HTML
    put at the top (the site's navigation); *link* maps other identifiers of the project to the
    address of their page (or None); *static_root*, the address of the site's ``static/`` folder,
    links the stylesheet there instead of holding it. *history* is the version history
    (:func:`release_history`; default: from the CHANGELOG.md beside the resources read), *shapes*
    what :func:`exitkg.pages.shapes.shapes_model` makes of the shapes (default: the packaged
    ``shapes/``), linked on the page ``shapes.html`` beside the ontology's."""
    import os

    import pyoxigraph as ox
    from markupsafe import Markup

    from exitkg.pages.templating import render

    index = TripleIndex(triples)
    onto = ox.NamedNode(ONTOLOGY_IRI)

    def text(node, prop: str) -> str:
        values = index.values(node, prop)
        values.sort(key=lambda v: (getattr(v, "language", None) not in (None, "en"), v.value))
        return values[0].value if values else ""

    def label(iri: str) -> str:
        return text(ox.NamedNode(iri), RDFS + "label") or text(ox.NamedNode(iri), SKOS + "prefLabel") or _local(iri)

    def name(iri: str) -> dict:
        """A named term's link: to its anchor on this page (ours), or to its IRI, shortened."""
        if iri.startswith(EKG):
            return {"kind": "link", "href": f"#{_local(iri)}", "value": _local(iri), "title": label(iri)}
        return {"kind": "link", "href": iri, "value": short_name(iri)}

    def show(node) -> list[dict]:
        if isinstance(node, ox.NamedNode):
            return [name(node.value)]
        if isinstance(node, ox.Literal):
            return [{"kind": "text", "value": node.value}]
        return manchester_parts(expression(index, node), name)

    def joined(items: list[list[dict]], sep: dict) -> list[dict]:
        out: list[dict] = []
        for i, item in enumerate(items):
            out += ([sep] if i else []) + item
        return out

    comma, text_part = {"kind": "text", "value": ", "}, (lambda value: [{"kind": "text", "value": value}])

    types: dict[str, set[str]] = defaultdict(set)
    for subject, props in index.by_subject.items():
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(EKG):
            for t in props.get(RDF + "type", []):
                types[subject.value].add(t.value)
    # inverse lookups: subclasses, members of closed lists, disjointness, properties by domain and range
    subclasses: dict[str, list[str]] = defaultdict(list)
    instances: dict[str, list[str]] = defaultdict(list)
    domain_of: dict[str, list[str]] = defaultdict(list)
    range_of: dict[str, list[str]] = defaultdict(list)
    disjoint: dict[str, set[str]] = defaultdict(set)
    different: dict[str, set[str]] = defaultdict(set)
    for subject, props in index.by_subject.items():
        is_named = isinstance(subject, ox.NamedNode)
        for sup in props.get(RDFS + "subClassOf", []):
            if is_named and isinstance(sup, ox.NamedNode):
                subclasses[sup.value].append(subject.value)
        for t in props.get(RDF + "type", []):
            if is_named and t.value.startswith(EKG):
                instances[t.value].append(subject.value)
        for d in props.get(RDFS + "domain", []):
            if is_named and isinstance(d, ox.NamedNode):
                domain_of[d.value].append(subject.value)
        for r in props.get(RDFS + "range", []):
            if is_named and isinstance(r, ox.NamedNode):
                range_of[r.value].append(subject.value)
        kinds = {t.value for t in props.get(RDF + "type", [])}
        if OWL + "AllDisjointClasses" in kinds or OWL + "AllDifferent" in kinds:
            into = disjoint if OWL + "AllDisjointClasses" in kinds else different
            for key in ("members", "distinctMembers"):
                for lst in props.get(OWL + key, []):
                    members = [m.value for m in index.rdf_list(lst) if isinstance(m, ox.NamedNode)]
                    for m in members:
                        into[m].update(x for x in members if x != m)
        for other in props.get(OWL + "disjointWith", []):
            if is_named and isinstance(other, ox.NamedNode):
                disjoint[subject.value].add(other.value)
                disjoint[other.value].add(subject.value)

    def links(iris) -> list[dict]:
        return joined([[name(i)] for i in sorted(set(iris), key=_local)], comma)

    # the shapes, on their own page beside this one, by what they target
    shapes_href = os.path.relpath("shapes.html", os.path.dirname(page) or ".").replace(os.sep, "/")
    if shapes is None:
        from exitkg.pages.shapes import shapes_model, shapes_triples

        shapes = shapes_model(shapes_triples())
    by_target: dict[str, list[str]] = shapes["by_target"]

    def shape_links(found: list[str]) -> list[dict]:
        from exitkg.pages.shapes import _local as shape_local

        return joined([[{"kind": "link", "href": f"{shapes_href}#{shape_local(s)}", "value": shape_local(s)}]
                       for s in found], comma)

    def term(iri: str, section: str) -> dict:
        node = ox.NamedNode(iri)
        rows: list[tuple[str, list[dict]]] = [("IRI", [{"kind": "code", "value": text_part(iri)}])]
        kinds = sorted(t for t in types[iri] if t.startswith(EKG) or t.rsplit("#", 1)[-1] in _CHARACTERISTICS)
        if kinds:
            rows.append(("type", links(kinds) if section == "individuals" else
                         joined([text_part(k.rsplit("#", 1)[-1].replace("Property", "")) for k in kinds], comma)))
        for prop, what in ((SKOS + "definition", "definition"), (RDFS + "comment", "comment"),
                           (SKOS + "scopeNote", "scope note"), (SKOS + "editorialNote", "editorial note")):
            for v in sorted(index.values(node, prop), key=lambda v: v.value):
                rows.append((what, text_part(v.value)))
        for prop, what in ((SKOS + "prefLabel", "preferred label"), (SKOS + "altLabel", "also called"),
                           (SKOS + "notation", "notation")):
            found = sorted(v.value for v in index.values(node, prop))
            if found:
                rows.append((what, joined([text_part(v) for v in found], {"kind": "text", "value": "; "})))
        for v in index.values(node, OWL + "equivalentClass"):
            rows.append(("equivalent to", [{"kind": "owl", "value": show(v)}]))
        supers = index.values(node, RDFS + "subClassOf")
        if supers:
            rows.append(("subclass of", joined([show(s) for s in sorted(supers, key=str)], {"kind": "br"})))
        if subclasses.get(iri):
            rows.append(("superclass of", links(subclasses[iri])))
        for prop, what in ((RDFS + "subPropertyOf", "subproperty of"), (OWL + "inverseOf", "inverse of"),
                           (RDFS + "domain", "domain"), (RDFS + "range", "range"),
                           (SKOS + "inScheme", "in scheme"), (SKOS + "broader", "broader"),
                           (SKOS + "hasTopConcept", "top concepts")):
            found = index.values(node, prop)
            if found:
                rows.append((what, joined([show(v) for v in sorted(found, key=str)], comma)))
        if disjoint.get(iri):
            rows.append(("disjoint with", links(disjoint[iri])))
        if different.get(iri):
            rows.append(("different from", links(different[iri])))
        if instances.get(iri) and section == "classes":
            rows.append(("members", links(instances[iri])))
        if domain_of.get(iri):
            rows.append(("properties with this domain", links(domain_of[iri])))
        if range_of.get(iri):
            rows.append(("properties with this range", links(range_of[iri])))
        if by_target.get(iri):
            rows.append(("shapes that target it", shape_links(by_target[iri])))
        return {"local": _local(iri), "label": label(iri), "rows": rows}

    placed: set[str] = set()
    sections = []
    for key, title, kind in SECTIONS:
        members = sorted((i for i, ts in types.items() if kind in ts and i not in placed), key=_local)
        if not members:
            continue
        placed.update(members)
        sections.append({"key": key, "title": title, "terms": [term(i, key) for i in members]})
    derived = [{"local": _local(i), "label": label(i),
                "definition": show(index.one(ox.NamedNode(i), OWL + "equivalentClass"))}
               for i in sorted((i for i in types if index.values(ox.NamedNode(i), OWL + "equivalentClass")
                                and index.one(index.one(ox.NamedNode(i), OWL + "equivalentClass"),
                                              OWL + "oneOf") is None),
                               key=_local)]

    header = []
    for prop, what in ((DCT + "title", "title"), (OWL + "versionInfo", "version"), (OWL + "versionIRI", "version IRI"),
                       (DCT + "creator", "creator"), (DCT + "created", "created"), (DCT + "license", "license"),
                       (DCT + "source", "source"), ("http://purl.org/vocab/vann/preferredNamespacePrefix", "prefix"),
                       ("http://purl.org/vocab/vann/preferredNamespaceUri", "namespace"), (RDFS + "comment", "note")):
        for v in sorted(index.values(onto, prop), key=lambda v: v.value):
            target = (link(v.value) if link else None) if isinstance(v, ox.NamedNode) else None
            if isinstance(v, ox.NamedNode) and target is None and v.value.startswith(ONTOLOGY_IRI):
                value = text_part(v.value)        # an identifier of the project with no page here: no dead link
            elif isinstance(v, ox.NamedNode):
                value = [{"kind": "link", "href": target or v.value, "value": v.value}]
            else:
                value = text_part(v.value)
            header.append((what, value))

    # who made it: its creators and contributors, by name where the ontology gives one
    def who(node) -> list[dict]:
        if not isinstance(node, ox.NamedNode):
            return text_part(node.value)
        called = (text(node, "http://xmlns.com/foaf/0.1/name") or text(node, "https://schema.org/name")
                  or text(node, RDFS + "label"))
        target = (link(node.value) if link else None) or node.value
        if target == SITE:     # the project itself: its site's home page, not an address outside the site
            target = os.path.relpath("index.html", os.path.dirname(page) or ".").replace(os.sep, "/")
        return [{"kind": "link", "href": target, "value": called or node.value}]

    creators = [(what, joined([who(v) for v in sorted(index.values(onto, DCT + prop), key=lambda v: v.value)],
                              {"kind": "text", "value": "; "}))
                for prop, what in (("creator", "creators"), ("contributor", "contributors"), ("publisher", "publisher"))
                if index.values(onto, DCT + prop)]
    if history is None:
        from exitkg.core.resources import changelog_path

        log = changelog_path()
        history = release_history(log.read_text(encoding="utf-8") if log is not None else None, triples)
    current = text(onto, OWL + "versionInfo")
    versions = [{**h, "current": h["version"] == current,
                 "href": (link(h["iri"]) if link else None)} for h in history]

    diagram = render_diagram(triples, page)
    diagram_href = os.path.relpath("ontology.svg", os.path.dirname(page) or ".").replace(os.sep, "/")
    targets = [{"target": [name(t)], "shapes": shape_links(found)} for t, found in
               sorted(by_target.items(), key=lambda kv: (not kv[0].startswith(EKG), _local(kv[0])))]
    return render("ontology.html", title=text(onto, DCT + "title") or "Ontology",
                  name=os.path.basename(page), nav=Markup(nav), iri=ONTOLOGY_IRI, static_root=static_root,
                  description=text(onto, DCT + "description"), header=header, derived=derived, sections=sections,
                  creators=creators, versions=versions, current=current, diagram=Markup(diagram),
                  diagram_href=diagram_href, shapes_href=shapes_href, targets=targets,
                  shape_count=len(shapes["shapes"]))

