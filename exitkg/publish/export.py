"""``exitkg export``: the whole graph (with its VoID/DCAT description) in a standard format.

Triple formats (the merge of every source): Turtle, N-Triples, JSON-LD (compacted with the
context shipped as ``ontology/context.jsonld``, embedded in the output, so no remote context is
ever fetched) and RDF/XML. Dataset formats, which keep one named graph per source (and the
ontology and the description in graphs of their own): TriG and N-Quads. Every export parses back
to a graph isomorphic to the source, and the same graph always gives the same bytes: blank nodes
get canonical labels and triples are written in sorted order.

CSV: the tables of studies, factors and findings (the ``table-*`` canned queries), with cells a
spreadsheet would read as formulas neutralised.
"""

from __future__ import annotations

import json
import re

from exitkg.core.errors import OutputError, UsageError

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: triple formats: format -> file extension
RDF_FORMATS = {"turtle": "ttl", "ntriples": "nt", "jsonld": "jsonld", "rdfxml": "rdf"}
#: dataset formats (named graphs kept): format -> file extension
DATASET_FORMATS = {"trig": "trig", "nquads": "nq"}
FORMATS = (*RDF_FORMATS, *DATASET_FORMATS, "csv", "nanopub", "annotations")
TABLES = ("studies", "factors", "findings")


def context() -> dict:
    """The JSON-LD context shipped with the ontology."""
    from exitkg.core.resources import resource_dir

    with open(resource_dir("ontology") / "context.jsonld", encoding="utf-8") as handle:
        return json.load(handle)["@context"]


def tree_labels(triples) -> dict | None:
    """Labels for the blank nodes of *triples* (pyoxigraph) that depend only on the graph, when
    every blank node is the object of at most one triple and none lies on a cycle (lists, nested
    ``[ ]``, chains of any length): each is named by a hash of what it says (its subtree) and of
    where it hangs (its parent's name and the predicate), in linear time and without recursion.
    Blank nodes that nothing tells apart (the same subtree under the same parent and predicate) are
    interchangeable, so numbering them in any order gives the same output. None otherwise: then
    RDFC-1.0 decides, whose cost grows much faster on long chains."""
    import hashlib

    import pyoxigraph as ox

    out: dict = {}
    parent: dict = {}
    for t in triples:
        s, o = t.subject, t.object
        if isinstance(s, ox.BlankNode):
            out.setdefault(s, []).append(t)
        if isinstance(o, ox.BlankNode):
            if o in parent:
                return None  # the object of two triples: not a tree
            parent[o] = t
            out.setdefault(o, [])
    if not out:
        return {}
    # bottom up: a blank node's subtree hash once those of its blank children are known
    waiting = {b: sum(1 for t in ts if isinstance(t.object, ox.BlankNode)) for b, ts in out.items()}
    ready = [b for b, n in waiting.items() if n == 0]
    subtree: dict = {}
    while ready:
        b = ready.pop()
        lines = sorted(f"{t.predicate} {('_:' + subtree[t.object]) if isinstance(t.object, ox.BlankNode) else t.object}"
                       for t in out[b])
        subtree[b] = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
        up = parent.get(b)
        if up is not None and isinstance(up.subject, ox.BlankNode):
            waiting[up.subject] -= 1
            if waiting[up.subject] == 0:
                ready.append(up.subject)
    if len(subtree) != len(out):
        return None  # a cycle of blank nodes
    # top down: a name from the parent's name, the predicate and the subtree
    labels: dict = {}
    children: dict = {}
    for b, t in parent.items():
        children.setdefault(t.subject, []).append(b)
    queue = [b for b in out if b not in parent]
    used: dict = {}

    def name(b, context: str) -> str:
        base = hashlib.sha256(f"{context} {subtree[b]}".encode("utf-8")).hexdigest()[:32]
        used[base] = used.get(base, 0) + 1
        return f"c{base}" if used[base] == 1 else f"c{base}n{used[base]}"

    for b in sorted(queue, key=lambda x: subtree[x]):
        labels[b] = name(b, "")
    stack = list(queue)
    pending = [(child, parent[child]) for child in parent if not isinstance(parent[child].subject, ox.BlankNode)]
    for child, t in sorted(pending, key=lambda ct: (str(ct[1].subject), str(ct[1].predicate), subtree[ct[0]])):
        labels[child] = name(child, f"{t.subject} {t.predicate}")
        stack.append(child)
    while stack:
        b = stack.pop()
        for child in sorted(children.get(b, []), key=lambda c: (str(parent[c].predicate), subtree[c])):
            if child not in labels:
                labels[child] = name(child, f"_:{labels[b]} {parent[child].predicate}")
                stack.append(child)
    return labels if len(labels) == len(out) else None


def canonical_triples(triples) -> list:
    """*triples* (pyoxigraph) with canonical blank-node labels (:func:`tree_labels` where the blank
    nodes form trees, RDFC-1.0 otherwise), sorted: the same triples always come out as the same
    list, so their serialisations are byte-identical."""
    import pyoxigraph as ox

    triples = [ox.Triple(t.subject, t.predicate, t.object) for t in triples]
    labels = tree_labels(triples)
    if labels is not None:
        def relabel(term):
            return ox.BlankNode(labels[term]) if isinstance(term, ox.BlankNode) else term

        triples = ([ox.Triple(relabel(t.subject), t.predicate, relabel(t.object)) for t in triples]
                   if labels else triples)
    else:
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in dataset]
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def export_rdf(fmt: str, graph=None) -> bytes:
    """The whole graph, with its description, serialised in RDF format *fmt*.

    *graph* is a loaded :class:`exitkg.graph.local.KnowledgeGraph` (default: the packaged graph); its
    description is added when it has none.
    """
    import pyoxigraph as ox

    from exitkg.graph.local import load

    if fmt not in RDF_FORMATS and fmt not in DATASET_FORMATS:
        raise UsageError(f"unknown RDF format {fmt!r} (expected one of {', '.join([*RDF_FORMATS, *DATASET_FORMATS])})")
    graph = (graph if graph is not None else load()).described()
    if fmt in DATASET_FORMATS:
        return write_dataset(graph, fmt)
    triples = canonical_triples(graph.triples())
    if fmt == "ntriples":
        # pyoxigraph's stub: serialize without an output returns bytes
        return recased(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), graph.tags)  # type: ignore[arg-type]
    if fmt == "turtle":
        # pyoxigraph's stub: serialize without an output returns bytes
        return recased(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_prefixes(graph)), graph.tags)  # type: ignore[arg-type]
    if fmt == "jsonld":
        return write_jsonld(triples, context(), graph.tags)
    return write_rdfxml(triples, _prefixes(graph), graph.tags)


#: a string and its language tag, as Oxigraph's serializers write them: always in double quotes,
#: a quote or backslash inside escaped; IRIs, prefixed names and numbers hold no double quote
_TAGGED = re.compile(rb'"(?:[^"\\]|\\.)*+"(?:@([a-z0-9-]+))?', re.DOTALL)


def recased(data: bytes, tags: dict[str, str]) -> bytes:
    """Oxigraph's Turtle, TriG, N-Triples or N-Quads *data*, with each language tag spelled as the
    inputs spelled it (*tags*, :attr:`exitkg.graph.local.KnowledgeGraph.tags`): the store keeps them in
    lower case."""
    if not tags:
        return data
    spelled = {low.encode("ascii"): tag.encode("ascii") for low, tag in tags.items()}

    def spell(match: re.Match) -> bytes:
        tag = match.group(1)
        if tag is None or tag not in spelled:
            return match.group()
        return match.group()[:match.start(1) - match.start()] + spelled[tag]

    return _TAGGED.sub(spell, data)


def recased_jsonld(data: bytes, tags: dict[str, str]) -> bytes:
    """Oxigraph's JSON-LD *data* with each ``@language`` spelled as the inputs spelled it (*tags*)."""
    import json

    if not tags:
        return data

    def spell(node):
        if isinstance(node, dict):
            return {k: (tags.get(v, v) if k == "@language" and isinstance(v, str) else spell(v))
                    for k, v in node.items()}
        return [spell(v) for v in node] if isinstance(node, list) else node

    return json.dumps(spell(json.loads(data)), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _prefixes(graph) -> dict[str, str]:
    from exitkg.rdf.namespaces import PREFIXES

    return dict(sorted({**{p: ns for p, ns in graph.prefixes.items() if p and p not in PREFIXES}, **PREFIXES}.items()))


def write_dataset(graph, fmt: str) -> bytes:
    """TriG or N-Quads: one named graph per source, the ontology and the description in graphs of
    their own, triples from files that declare no source in the default graph. Blank nodes get
    canonical labels (:func:`tree_labels`, or RDFC-1.0) and quads are written sorted, so the bytes
    are stable."""
    import pyoxigraph as ox

    quads = [q for name in graph.named_graphs() for q in graph.graph_quads(name)] + list(graph.unnamed_triples())
    labels = tree_labels({ox.Triple(q.subject, q.predicate, q.object) for q in quads})
    if labels is not None:
        def relabel(term):
            return ox.BlankNode(labels[term]) if isinstance(term, ox.BlankNode) else term

        dataset = ox.Dataset(ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), q.graph_name) for q in quads)
    else:
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    quads = sorted(dataset, key=lambda q: (str(q.graph_name) if not isinstance(q.graph_name, ox.DefaultGraph) else "",
                                           str(q.subject), str(q.predicate), str(q.object)))
    if fmt == "nquads":
        # pyoxigraph's stub: serialize without an output returns bytes
        return recased(ox.serialize(quads, format=ox.RdfFormat.N_QUADS), graph.tags)  # type: ignore[arg-type]
    # pyoxigraph's stub: serialize without an output returns bytes
    return recased(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_prefixes(graph)), graph.tags)  # type: ignore[arg-type]


# JSON-LD and RDF/XML are written here, from the canonical sorted triples, so the bytes are stable.

def _bnode_id(node) -> str:
    return "b" + "".join(c for c in node.value if c.isalnum())


def write_jsonld(triples, ctx: dict, tags: dict[str, str] | None = None) -> bytes:
    """Compacted JSON-LD with *ctx* embedded: ``{"@context": ..., "@graph": [nodes by @id]}``;
    language tags spelled as in *tags* (lower-case form -> spelling)."""
    import pyoxigraph as ox

    prefixes = sorted(((k, v) for k, v in ctx.items() if isinstance(v, str)), key=lambda kv: -len(kv[1]))
    spelled = tags or {}

    def compact(iri: str) -> str:
        for prefix, ns in prefixes:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns):]}"
        return iri

    def value(o):
        if isinstance(o, ox.BlankNode):
            return {"@id": "_:" + _bnode_id(o)}
        if isinstance(o, ox.NamedNode):
            return {"@id": compact(o.value)}
        out = {"@value": o.value}
        if o.language:
            out["@language"] = spelled.get(o.language, o.language)
        elif o.datatype.value != XSD_STRING:
            out["@type"] = compact(o.datatype.value)
        return out

    nodes: dict = {}
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        node = nodes.setdefault(s, {"@id": "_:" + _bnode_id(s) if isinstance(s, ox.BlankNode) else compact(s.value)})
        if p.value == RDF_TYPE and isinstance(o, ox.NamedNode):
            node.setdefault("@type", []).append(compact(o.value))
        else:
            node.setdefault(compact(p.value), []).append(value(o))
    document = {"@context": ctx, "@graph": list(nodes.values())}
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


#: characters XML 1.0 cannot hold, not even as character references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str, where: str) -> str:
    bad = _NOT_XML.search(text)
    if bad:
        raise OutputError(f"{where} holds the character U+{ord(bad.group()):04X}, which RDF/XML cannot represent "
                          "(XML 1.0 has no way to write it); export to another format (turtle, ntriples, jsonld)")
    return text


# Kept by hand, not pyoxigraph's RDF/XML writer (0.5): that one changes every released byte, lower-cases
# language tags, and writes ill-formed XML for a control character or a predicate with no XML name.
def write_rdfxml(triples, prefixes: dict[str, str], tags: dict[str, str] | None = None) -> bytes:
    """RDF/XML with one rdf:Description per subject, in sorted order; language tags spelled as in
    *tags*. Every character is checked before anything is written: a literal or IRI that XML 1.0
    cannot hold is an :class:`OutputError`."""
    from xml.sax.saxutils import escape, quoteattr

    import pyoxigraph as ox

    local_name = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*$")
    known = {ns: p for p, ns in prefixes.items() if p}
    used: dict[str, str] = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf"}

    def qname(iri: str) -> str:
        match = local_name.search(iri)
        if not match or match.start() == 0:
            raise OutputError(f"the predicate <{iri}> cannot be written in RDF/XML (no XML name for it); "
                              "export to another format (turtle, ntriples, jsonld)")
        ns, local = iri[:match.start()], iri[match.start():]
        if ns not in used:
            prefix = known.get(ns)
            if not prefix or prefix in used.values():
                prefix = f"ns{len(used)}"
            used[ns] = prefix
        return f"{used[ns]}:{local}"

    body = []
    current = None
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if s != current:
            if current is not None:
                body.append("  </rdf:Description>")
            about = (f'rdf:nodeID="{_bnode_id(s)}"' if isinstance(s, ox.BlankNode)
                     else f"rdf:about={quoteattr(_xml_text(s.value, f'the IRI <{s.value}>'))}")
            body.append(f"  <rdf:Description {about}>")
            current = s
        name = qname(p.value)
        if isinstance(o, ox.BlankNode):
            body.append(f'    <{name} rdf:nodeID="{_bnode_id(o)}"/>')
        elif isinstance(o, ox.NamedNode):
            body.append(f"    <{name} rdf:resource={quoteattr(_xml_text(o.value, f'the IRI <{o.value}>'))}/>")
        else:
            attrs = f" xml:lang={quoteattr((tags or {}).get(o.language, o.language))}" if o.language else (
                f" rdf:datatype={quoteattr(o.datatype.value)}" if o.datatype.value != XSD_STRING else "")
            text = escape(_xml_text(o.value, f"a literal of <{s.value}> <{p.value}>"), {"\r": "&#13;"})
            body.append(f"    <{name}{attrs}>{text}</{name}>")
    if current is not None:
        body.append("  </rdf:Description>")
    head = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    head += [f"   xmlns:{prefix}={quoteattr(ns)}" for ns, prefix in sorted(used.items(), key=lambda kv: kv[1])]
    head[-1] += ">"
    return ("\n".join(head + body + ["</rdf:RDF>"]) + "\n").encode("utf-8")


def export_table(table: str, graph=None) -> str:
    """One table (studies, factors or findings) as CSV, from a loaded graph (default: packaged)."""
    from exitkg.sparql import queries as Q
    from exitkg.graph.local import load

    if table not in TABLES:
        raise UsageError(f"unknown table {table!r} (expected one of {', '.join(TABLES)})")
    graph = graph if graph is not None else load()
    return Q.render_csv(Q.run(Q.catalogue()[f"table-{table}"], graph))


def export_tables(graph=None) -> dict[str, str]:
    """All tables as ``{file name: CSV text}``."""
    from exitkg.graph.local import load

    graph = graph if graph is not None else load()
    return {f"{t}.csv": export_table(t, graph) for t in TABLES}
