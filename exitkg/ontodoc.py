"""The ontology's documentation page: every class and property with its definition, the derived
classes' OWL definitions in Manchester syntax, the closed lists with their members.

The page is built from the ontology's named graph alone, in a fixed order (terms sorted by local
name within each section), so it is byte-identical from run to run. Each term has an anchor named
after its local name: ``ontology.html#ControversialByEvidence`` is where the identifier
``https://w3id.org/exitkg/ontology#ControversialByEvidence`` resolves.

Class expressions are read from their RDF (lists, restrictions, Boolean connectives) into a small
tree (:func:`expression`) and written in the Manchester syntax of OWL 2, with every named term
linked: ``Factor and (hasStatement some EffectivelyFacilitatingAssertion) and ...``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape

from exitkg.namespaces import EKG, ONTOLOGY_IRI, PREFIXES, RDF

OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

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
    prop: object             # Named, or ("inverse", Named)
    filler: object = None
    n: int | None = None


_CARDINALITIES = {"minCardinality": "min", "maxCardinality": "max", "cardinality": "exactly",
                  "minQualifiedCardinality": "min", "maxQualifiedCardinality": "max",
                  "qualifiedCardinality": "exactly"}


class _Index:
    """The ontology's triples, indexed by subject."""

    def __init__(self, triples):
        import pyoxigraph as ox

        self.ox = ox
        self.by_subject: dict = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.by_subject[t.subject][t.predicate.value].append(t.object)

    def values(self, node, prop: str) -> list:
        return list(self.by_subject.get(node, {}).get(prop, []))

    def one(self, node, prop: str):
        found = self.values(node, prop)
        return found[0] if found else None

    def rdf_list(self, node) -> list:
        items, seen = [], set()
        while node is not None and not (isinstance(node, self.ox.NamedNode) and node.value == RDF + "nil"):
            if node in seen:
                raise ValueError("a cyclic RDF list")
            seen.add(node)
            first = self.one(node, RDF + "first")
            if first is None:
                raise ValueError("an RDF list without rdf:first")
            items.append(first)
            node = self.one(node, RDF + "rest")
        return items


def expression(index: _Index, node):
    """The class expression at *node* (a named class, or a blank node holding OWL's RDF of one)."""
    ox = index.ox
    if isinstance(node, ox.NamedNode):
        return Named(node.value)
    if isinstance(node, ox.Literal):
        return Value(node.value, node.datatype.value)
    for prop, op in (("intersectionOf", "and"), ("unionOf", "or")):
        members = index.one(node, OWL + prop)
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


def manchester(expr, name) -> str:
    """*expr* in Manchester syntax, as HTML; *name* renders a named term (an IRI) as HTML."""
    def kw(word: str) -> str:
        return f'<span class="kw">{word}</span>'

    def inner(e, nested: bool) -> str:
        if isinstance(e, Named):
            return name(e.iri)
        if isinstance(e, Value):
            if e.datatype in (XSD + "boolean", XSD + "integer", XSD + "nonNegativeInteger"):
                return escape(e.lexical)
            return f'"{escape(e.lexical)}"^^{name(e.datatype)}'
        if isinstance(e, Nary):
            if e.op == "oneOf":
                return "{" + ", ".join(inner(i, False) for i in e.items) + "}"
            text = f" {kw(e.op)} ".join(inner(i, True) for i in e.items)
            return f"({text})" if nested else text
        if isinstance(e, Not):
            return f"{kw('not')} {inner(e.item, True)}"
        if isinstance(e, Restriction):
            prop = (f"{kw('inverse')} ({name(e.prop[1].iri)})" if isinstance(e.prop, tuple) else name(e.prop.iri))
            if e.op == "self":
                text = f"{prop} {kw('Self')}"
            elif e.n is not None:
                text = f"{prop} {kw(e.op)} {e.n}" + (f" {inner(e.filler, True)}" if e.filler is not None else "")
            else:
                text = f"{prop} {kw(e.op)} {inner(e.filler, True)}"
            return f"({text})" if nested else text
        raise TypeError(e)
    return inner(expr, False)


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


def render_ontology_page(triples, *, page: str = "ontology", nav: str = "", link=None) -> str:
    """The documentation of the ontology whose *triples* are given (its named graph), as one HTML
    page at the site path *page* (``ontology``, or ``ontology/0.1.0`` for a version); *nav* is HTML
    put at the top (the site's navigation); *link* maps other identifiers of the project to the
    address of their page (or None)."""
    import os
    import pyoxigraph as ox

    index = _Index(triples)
    onto = ox.NamedNode(ONTOLOGY_IRI)

    def text(node, prop: str) -> str:
        values = index.values(node, prop)
        values.sort(key=lambda v: (getattr(v, "language", None) not in (None, "en"), v.value))
        return values[0].value if values else ""

    def label(iri: str) -> str:
        return text(ox.NamedNode(iri), RDFS + "label") or text(ox.NamedNode(iri), SKOS + "prefLabel") or _local(iri)

    def name(iri: str) -> str:
        if iri.startswith(EKG):
            return f'<a href="#{escape(_local(iri))}" title="{escape(label(iri))}">{escape(_local(iri))}</a>'
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and len(iri) > len(ns):
                return f'<a href="{escape(iri)}">{escape(prefix)}:{escape(iri[len(ns):])}</a>'
        for prefix, ns in (("bibo", "http://purl.org/ontology/bibo/"), ("vann", "http://purl.org/vocab/vann/"),
                           ("void", "http://rdfs.org/ns/void#"), ("obo", "http://purl.obolibrary.org/obo/")):
            if iri.startswith(ns):
                return f'<a href="{escape(iri)}">{prefix}:{escape(iri[len(ns):])}</a>'
        return f'<a href="{escape(iri)}">&lt;{escape(iri)}&gt;</a>'

    def show(node) -> str:
        if isinstance(node, ox.NamedNode):
            return name(node.value)
        if isinstance(node, ox.Literal):
            return escape(node.value)
        return manchester(expression(index, node), name)

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
            target = disjoint if OWL + "AllDisjointClasses" in kinds else different
            for key in ("members", "distinctMembers"):
                for lst in props.get(OWL + key, []):
                    members = [m.value for m in index.rdf_list(lst) if isinstance(m, ox.NamedNode)]
                    for m in members:
                        target[m].update(x for x in members if x != m)
        for other in props.get(OWL + "disjointWith", []):
            if is_named and isinstance(other, ox.NamedNode):
                disjoint[subject.value].add(other.value)
                disjoint[other.value].add(subject.value)

    def links(iris) -> str:
        return ", ".join(name(i) for i in sorted(set(iris), key=_local))

    def term(iri: str, section: str) -> str:
        node = ox.NamedNode(iri)
        local = _local(iri)
        rows: list[tuple[str, str]] = [("IRI", f"<code>{escape(iri)}</code>")]
        kinds = sorted(t for t in types[iri] if t.startswith(EKG) or t.rsplit("#", 1)[-1] in _CHARACTERISTICS)
        if kinds:
            rows.append(("type", links(kinds) if section == "individuals" else
                         ", ".join(escape(k.rsplit("#", 1)[-1].replace("Property", "")) for k in kinds)))
        for prop, what in ((SKOS + "definition", "definition"), (RDFS + "comment", "comment"),
                           (SKOS + "scopeNote", "scope note"), (SKOS + "editorialNote", "editorial note")):
            for v in sorted(index.values(node, prop), key=lambda v: v.value):
                rows.append((what, escape(v.value)))
        for prop, what in ((SKOS + "prefLabel", "preferred label"), (SKOS + "altLabel", "also called"),
                           (SKOS + "notation", "notation")):
            found = sorted(v.value for v in index.values(node, prop))
            if found:
                rows.append((what, "; ".join(escape(v) for v in found)))
        for v in index.values(node, OWL + "equivalentClass"):
            rows.append(("equivalent to", f'<span class="owl">{show(v)}</span>'))
        supers = index.values(node, RDFS + "subClassOf")
        if supers:
            rows.append(("subclass of", "<br>".join(show(s) for s in sorted(supers, key=str))))
        if subclasses.get(iri):
            rows.append(("superclass of", links(subclasses[iri])))
        for prop, what in ((RDFS + "subPropertyOf", "subproperty of"), (OWL + "inverseOf", "inverse of"),
                           (RDFS + "domain", "domain"), (RDFS + "range", "range"),
                           (SKOS + "inScheme", "in scheme"), (SKOS + "broader", "broader"),
                           (SKOS + "hasTopConcept", "top concepts")):
            found = index.values(node, prop)
            if found:
                rows.append((what, ", ".join(show(v) for v in sorted(found, key=str))))
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
        body = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        return (f'<section class="term" id="{escape(local)}">\n<h3>{escape(label(iri))} '
                f'<span class="local">{escape(local)}</span></h3>\n<table>\n{body}\n</table>\n</section>')

    placed: set[str] = set()
    sections = []
    toc = []
    for key, title, kind in SECTIONS:
        members = sorted((i for i, ts in types.items() if kind in ts and i not in placed), key=_local)
        if not members:
            continue
        placed.update(members)
        toc.append(f'<li><a href="#{key}">{title}</a> ({len(members)}): '
                   + ", ".join(f'<a href="#{escape(_local(i))}">{escape(_local(i))}</a>' for i in members) + "</li>")
        sections.append(f'<h2 id="{key}">{title}</h2>\n' + "\n".join(term(i, key) for i in members))
    derived = sorted((i for i in types if index.values(ox.NamedNode(i), OWL + "equivalentClass")
                      and index.one(index.one(ox.NamedNode(i), OWL + "equivalentClass"), OWL + "oneOf") is None),
                     key=_local)

    header_rows = []
    for prop, what in ((DCT + "title", "title"), (OWL + "versionInfo", "version"), (OWL + "versionIRI", "version IRI"),
                       (DCT + "creator", "creator"), (DCT + "created", "created"), (DCT + "license", "license"),
                       (DCT + "source", "source"), ("http://purl.org/vocab/vann/preferredNamespacePrefix", "prefix"),
                       ("http://purl.org/vocab/vann/preferredNamespaceUri", "namespace"), (RDFS + "comment", "note")):
        for v in sorted(index.values(onto, prop), key=lambda v: v.value):
            target = (link(v.value) if link else None) if isinstance(v, ox.NamedNode) else None
            if isinstance(v, ox.NamedNode) and target is None and v.value.startswith(ONTOLOGY_IRI):
                value = escape(v.value)        # an identifier of the project with no page here: no dead link
            elif isinstance(v, ox.NamedNode):
                value = f'<a href="{escape(target or v.value)}">{escape(v.value)}</a>'
            else:
                value = escape(v.value)
            header_rows.append(f"<tr><th>{what}</th><td>{value}</td></tr>")
    title = text(onto, DCT + "title") or "Ontology"
    base = escape(os.path.basename(page))
    description = text(onto, DCT + "description")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
        f'<link rel="alternate" type="text/turtle" href="{base}.ttl">\n'
        f'<link rel="alternate" type="application/ld+json" href="{base}.jsonld">\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n{nav}"
        f"<h1>{escape(title)}</h1>\n<p><code>{escape(ONTOLOGY_IRI)}</code></p>\n<p>{escape(description)}</p>\n"
        f'<p>Also as <a href="{base}.ttl">Turtle</a> and <a href="{base}.jsonld">JSON-LD</a>.</p>\n'
        f"<table>\n{chr(10).join(header_rows)}\n</table>\n"
        "<h2 id=\"derived\">Derived classes</h2>\n<p>Classes a reasoner fills from the statements, by their OWL "
        "definitions (Manchester syntax):</p>\n<ul>\n"
        + "\n".join(f'<li><a href="#{escape(_local(i))}">{escape(label(i))}</a> &#8801; <span class="owl">'
                    f'{show(index.one(ox.NamedNode(i), OWL + "equivalentClass"))}</span></li>' for i in derived)
        + "\n</ul>\n<h2>Contents</h2>\n<ul>\n" + "\n".join(toc) + "\n</ul>\n"
        + "\n".join(sections) + "\n</body>\n</html>\n")


STYLE = ("body{font-family:system-ui,Arial,sans-serif;margin:1.5rem;max-width:72rem;color:#222}"
         "nav{margin-bottom:1rem}nav a{margin-right:1rem}"
         "table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;"
         "vertical-align:top}th{font-weight:normal;color:#555;white-space:nowrap}"
         "section.term{margin:1.2rem 0;padding-top:.3rem;border-top:1px solid #eee}"
         "h3 .local{font-weight:normal;color:#777;font-size:.85em;margin-left:.5rem}"
         ".kw{color:#7a2a8a;font-weight:600}.owl{font-family:ui-monospace,monospace;font-size:.9em}"
         "code{font-size:.9em}.lang{color:#888}")
