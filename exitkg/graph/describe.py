"""A VoID and DCAT description of the graph, computed from the graph itself.

:func:`describe` returns the triples that describe a loaded graph: title, description, licence,
version (the ontology's ``owl:versionInfo``), creator, source, triple and entity counts, classes
and properties, the vocabularies used, example resources, one partition per class with its
entity count, one subset per source (its named graph and triple count), the distributions
``exitkg export`` writes, and the SPARQL endpoint when one is served. The counts come from SPARQL
on the graph. There are no timestamps and no blank nodes, so the same graph always gets the same
description.
"""

from __future__ import annotations

from exitkg.rdf.namespaces import DATASET, DCTERMS, EKG, EKG_ID, OWL, RDF, XSD, ONTOLOGY_IRI as ONTOLOGY
REVIEW_URL = "https://vc.bridgew.edu/jiws/vol22/iss5/13"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
EXAMPLES = ("factor/stigma", "finding/ferrari-2021/wilson-nochajski-2016-stigma", "study/hickle-2017",
            "classification/ferrari-2021/family", "source/ferrari-2021",
            "characteristic/ferrari-2021/dalla-kreimer-2017-nationality",
            "contradiction/ferrari-2021/controversial-count")
#: export format -> (media type, file extension)
DISTRIBUTIONS = {
    "turtle": ("text/turtle", "ttl"),
    "ntriples": ("application/n-triples", "nt"),
    "trig": ("application/trig", "trig"),
    "nquads": ("application/n-quads", "nq"),
    "jsonld": ("application/ld+json", "jsonld"),
    "rdfxml": ("application/rdf+xml", "rdf"),
    "csv": ("text/csv", "csv"),
}
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
RDF_TYPE = RDF + "type"

_COUNTS = """
SELECT
  (COUNT(*) AS ?triples)
  (COUNT(DISTINCT ?s) AS ?subjects)
  (COUNT(DISTINCT ?p) AS ?properties)
WHERE { ?s ?p ?o }
"""
_ENTITIES = f"""
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{EKG_ID}")) }}
"""
_CLASSES = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"
_PREDICATES = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
_TYPES = f"""
SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?c FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{EKG_ID}")) }}
GROUP BY ?c
"""
_VERSION = f"SELECT ?v WHERE {{ <{ONTOLOGY}> <{OWL}versionInfo> ?v }} LIMIT 1"
_EXISTS = "ASK { ?s ?p ?o }"


def _namespace(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            head = iri.rsplit(sep, 1)[0] + sep
            if head not in ("http://", "https://"):
                return head
    return iri


def describe(graph, endpoint: str | None = None) -> list[tuple]:
    """The VoID/DCAT description of a loaded graph (:class:`exitkg.graph.local.KnowledgeGraph`), as
    pyoxigraph triples ``(subject, predicate, object)``."""
    import pyoxigraph as ox

    def iri(value: str):
        return ox.NamedNode(value)

    def text(value: str, lang: str | None = None):
        return ox.Literal(value, language=lang) if lang else ox.Literal(value)

    def integer(n: int):
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    out: list[tuple] = []
    ds = iri(DATASET)

    def add(p: str, o, s=ds):
        out.append((s, iri(p), o))

    counts = graph.run(_COUNTS).rows[0]
    predicates = sorted(r["p"].value for r in graph.run(_PREDICATES).rows)
    types = {r["c"].value: int(r["n"].value) for r in graph.run(_TYPES).rows if isinstance(r["c"], ox.NamedNode)}
    version_rows = graph.run(_VERSION).rows

    for cls in (VOID + "Dataset", DCAT + "Dataset"):
        add(RDF_TYPE, iri(cls))
    add(DCTERMS + "title", text("exitkg: factors in the exit from sex trafficking", "en"))
    add(DCTERMS + "description", text(
        "What helps and what hinders people leaving sex trafficking, as Linked Data, from the literature "
        "review by Ferrari (2021), The Factors Involved in the Exit from Sex Trafficking: its 13 studies and "
        "their samples, its classification of the factors of its Figure 2 by level and role, every finding of "
        "its Results section and the evidence its Discussion cites, each with a short quote, the theoretical "
        "models it names, and its internal contradictions; every value with its provenance and every "
        "statement with its source.", "en"))
    add(DCTERMS + "license", iri(LICENSE))
    add(DCTERMS + "creator", text("exitkg developers"))
    add(DCTERMS + "source", iri(REVIEW_URL))
    add(DCTERMS + "conformsTo", iri(ONTOLOGY))
    for keyword in ("sex trafficking", "exit factors", "literature review"):
        add(DCAT + "keyword", text(keyword, "en"))
    if version_rows:
        version = version_rows[0]["v"].value
        add(OWL + "versionInfo", text(version))
        add(DCAT + "version", text(version))
    add(VOID + "uriSpace", text(EKG_ID))
    add(VOID + "feature", iri("http://www.w3.org/ns/formats/Turtle"))
    add(VOID + "triples", integer(int(counts["triples"].value)))
    add(VOID + "entities", integer(int(graph.run(_ENTITIES).rows[0]["n"].value)))
    add(VOID + "distinctSubjects", integer(int(counts["subjects"].value)))
    add(VOID + "properties", integer(int(counts["properties"].value)))
    add(VOID + "classes", integer(int(graph.run(_CLASSES).rows[0]["n"].value)))
    vocabularies = {_namespace(p) for p in predicates} | {_namespace(c) for c in types}
    for ns in sorted(vocabularies - {EKG_ID}):
        add(VOID + "vocabulary", iri(ns))
    for example in EXAMPLES:
        resource = EKG_ID + example
        if graph.run(f"ASK {{ <{resource}> ?p ?o }}").boolean:
            add(VOID + "exampleResource", iri(resource))
    for cls, n in sorted(types.items()):
        if not cls.startswith(EKG):
            continue
        part = iri(f"{DATASET}/class/{cls[len(EKG):]}")
        add(VOID + "classPartition", part)
        add(VOID + "class", iri(cls), part)
        add(VOID + "entities", integer(n), part)
    for source, _title in graph.sources().items():
        if not graph.store.contains_named_graph(ox.NamedNode(source)):
            continue
        subset = iri(source)
        add(VOID + "subset", subset)
        add(RDF_TYPE, iri(VOID + "Dataset"), subset)
        add(VOID + "triples", integer(sum(1 for _ in graph.graph_quads(source))), subset)
    for fmt, (media, _ext) in DISTRIBUTIONS.items():
        dist = iri(f"{DATASET}/distribution/{fmt}")
        add(DCAT + "distribution", dist)
        add(RDF_TYPE, iri(DCAT + "Distribution"), dist)
        add(DCAT + "mediaType", iri(f"https://www.iana.org/assignments/media-types/{media}"), dist)
        add(DCTERMS + "title", text(f"exitkg as {media} (exitkg export --format {fmt})", "en"), dist)
        add(DCTERMS + "license", iri(LICENSE), dist)
    if endpoint:
        add(VOID + "sparqlEndpoint", iri(endpoint))
        service = iri(f"{DATASET}/service/sparql")
        add(RDF_TYPE, iri(DCAT + "DataService"), service)
        add(DCAT + "endpointURL", iri(endpoint), service)
        add(DCAT + "servesDataset", ds, service)
        add(DCAT + "accessService", service)
    return out
