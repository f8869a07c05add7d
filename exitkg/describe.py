"""A VoID and DCAT description of the graph, computed from the graph itself.

:func:`describe` returns the description of a graph: title, description, licence, version (the
ontology's ``owl:versionInfo``), creator, source, triple and entity counts, classes and
properties, the vocabularies used, example resources, one partition per class with its entity
count, the distributions ``exitkg export`` writes, and the SPARQL endpoint when one is served.
It has no timestamps and no blank nodes, so the same graph always gets the same description.

:func:`described_graph` is the graph every command queries, serves, publishes and exports:
the packaged ontology and data (plus any extra files) with its description added, so the
description is queryable like the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from exitkg.namespaces import EKG, EKG_ID
from exitkg.rdfio import PathLike

DATASET = EKG_ID + "dataset"
ONTOLOGY = "https://w3id.org/exitkg/ontology"
REVIEW_URL = "https://vc.bridgew.edu/jiws/vol22/iss5/13"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
EXAMPLES = ("factor/stigma", "finding/wilson-nochajski-2016-stigma", "study/hickle-2017",
            "characteristic/dalla-kreimer-2017-nationality", "contradiction/controversial-count")
#: export format -> (media type, file extension)
DISTRIBUTIONS = {
    "turtle": ("text/turtle", "ttl"),
    "ntriples": ("application/n-triples", "nt"),
    "jsonld": ("application/ld+json", "jsonld"),
    "rdfxml": ("application/rdf+xml", "rdf"),
    "csv": ("text/csv", "csv"),
}


def _namespace(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            head = iri.rsplit(sep, 1)[0] + sep
            if head not in ("http://", "https://"):
                return head
    return iri


def describe(graph, endpoint: str | None = None):
    """The VoID/DCAT description of *graph* (an rdflib graph), as a new graph."""
    from rdflib import OWL, RDF, Graph, Literal, URIRef
    from rdflib.namespace import DCAT, DCTERMS, VOID, XSD

    out = Graph()
    out.bind("void", VOID)
    out.bind("dcat", DCAT)
    out.bind("dcterms", DCTERMS)
    ds = URIRef(DATASET)
    version = graph.value(URIRef(ONTOLOGY), OWL.versionInfo)

    def add(p, o):
        out.add((ds, p, o))

    for cls in (VOID.Dataset, DCAT.Dataset):
        add(RDF.type, cls)
    add(DCTERMS.title, Literal("exitkg: factors in the exit from sex trafficking", lang="en"))
    add(DCTERMS.description, Literal(
        "The literature review by Ferrari (2021), The Factors Involved in the Exit from Sex Trafficking, "
        "as Linked Data: its 13 studies and their samples, the factors of its Figure 2 with level and "
        "role, every finding of its Results section with a short quote, the theoretical models it "
        "names, and its internal contradictions, each value with its provenance.", lang="en"))
    add(DCTERMS.license, URIRef(LICENSE))
    add(DCTERMS.creator, Literal("exitkg developers"))
    add(DCTERMS.source, URIRef(REVIEW_URL))
    add(DCTERMS.conformsTo, URIRef(ONTOLOGY))
    add(DCAT.keyword, Literal("sex trafficking", lang="en"))
    add(DCAT.keyword, Literal("exit factors", lang="en"))
    add(DCAT.keyword, Literal("literature review", lang="en"))
    if version is not None:
        add(OWL.versionInfo, Literal(str(version)))
        add(URIRef(str(DCAT) + "version"), Literal(str(version)))  # DCAT 3; rdflib lists DCAT 2 terms
    add(VOID.uriSpace, Literal(EKG_ID))
    add(VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle"))

    subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
    entities = {s for s in subjects if str(s).startswith(EKG_ID)}
    predicates = set(graph.predicates())
    types = Counter(o for s, o in graph.subject_objects(RDF.type) if str(s).startswith(EKG_ID))
    add(VOID.triples, Literal(len(graph), datatype=XSD.integer))
    add(VOID.entities, Literal(len(entities), datatype=XSD.integer))
    add(VOID.distinctSubjects, Literal(len(set(graph.subjects())), datatype=XSD.integer))
    add(VOID.properties, Literal(len(predicates), datatype=XSD.integer))
    add(VOID.classes, Literal(len(set(graph.objects(None, RDF.type))), datatype=XSD.integer))
    vocabularies = {_namespace(str(p)) for p in predicates} | {_namespace(str(c)) for c in types}
    for ns in sorted(vocabularies - {EKG_ID}):
        add(VOID.vocabulary, URIRef(ns))
    for example in EXAMPLES:
        iri = URIRef(EKG_ID + example)
        if (iri, None, None) in graph:
            add(VOID.exampleResource, iri)
    for cls, n in sorted(types.items()):
        if not str(cls).startswith(EKG):
            continue
        part = URIRef(f"{DATASET}/class/{str(cls)[len(EKG):]}")
        add(VOID.classPartition, part)
        out.add((part, VOID["class"], cls))
        out.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for fmt, (media, ext) in DISTRIBUTIONS.items():
        dist = URIRef(f"{DATASET}/distribution/{fmt}")
        add(DCAT.distribution, dist)
        out.add((dist, RDF.type, DCAT.Distribution))
        out.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{media}")))
        out.add((dist, DCTERMS.title, Literal(f"exitkg as {media} (exitkg export --format {fmt})", lang="en")))
        out.add((dist, DCTERMS.license, URIRef(LICENSE)))
    if endpoint:
        add(VOID.sparqlEndpoint, URIRef(endpoint))
        service = URIRef(f"{DATASET}/service/sparql")
        out.add((service, RDF.type, DCAT.DataService))
        out.add((service, DCAT.endpointURL, URIRef(endpoint)))
        out.add((service, DCAT.servesDataset, ds))
        add(DCAT.accessService, service)
    return out


def described_graph(extra_paths: Iterable[PathLike] | None = None, endpoint: str | None = None):
    """The packaged graph (plus *extra_paths*) with its VoID/DCAT description added."""
    from exitkg.rdfio import bind_prefixes, load_graph, load_packaged_graph

    graph = load_packaged_graph()
    if extra_paths:
        load_graph(list(extra_paths), base_graph=graph)
    description = describe(graph, endpoint)
    graph += description
    bind_prefixes(graph, {"void": "http://rdfs.org/ns/void#", "dcat": "http://www.w3.org/ns/dcat#"})
    return graph
