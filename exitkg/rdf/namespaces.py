"""Namespace IRIs and the prefixes used when rendering terms for people."""

from __future__ import annotations

#: Everything exitkg names is under this IRI (w3id.org redirects it).
BASE = "https://w3id.org/exitkg/"
EKG = BASE + "ontology#"
EKG_SHAPES = BASE + "shapes#"
EKG_ID = BASE + "id/"
#: the values of other data sets (case records' fields and codes), by data set: ``REF + "htcds/"``
REF = BASE + "ref/"
#: nanopublications (trusty URIs)
NP_BASE = BASE + "np/"
FACTOR_NS = EKG_ID + "factor/"
STUDY_NS = EKG_ID + "study/"
SOURCE_NS = EKG_ID + "source/"
COUNTRY_NS = EKG_ID + "country/"
AGE_BAND_NS = EKG_ID + "age-band/"
#: The ontology's IRI, also the name of the named graph that holds it.
ONTOLOGY_IRI = "https://w3id.org/exitkg/ontology"
#: The dataset's IRI (its VoID/DCAT description), also the name of the graph that holds it.
DATASET = EKG_ID + "dataset"

QUOTE = EKG + "quote"
CITED_AS = EKG + "citedAs"
QUOTE_PROPERTIES = (QUOTE, CITED_AS)

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
BIBO = "http://purl.org/ontology/bibo/"
FOAF = "http://xmlns.com/foaf/0.1/"

# Fixed prefixes; they take precedence over prefixes declared in input files so
# that rendered output is stable.
PREFIXES: dict[str, str] = {
    "ekg": EKG,
    "ekgsh": EKG_SHAPES,
    "ekgid": EKG_ID,
    "sh": SH,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "schema": "https://schema.org/",
}

#: the vocabularies the pages name by a prefix beside those of the exports (:data:`PREFIXES`): a page
#: shows no full IRI as a predicate or a class
PAGE_PREFIXES: dict[str, str] = {
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "bibo": BIBO,
    "foaf": FOAF,
    "vann": "http://purl.org/vocab/vann/",
    "obo": "http://purl.obolibrary.org/obo/",
}


def sparql_prefixes(*names: str) -> str:
    """The ``PREFIX`` lines of a SPARQL query for these prefixes of :data:`PREFIXES` (``"ekg"``, ``"skos"`` ...)."""
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


def local_name(iri: str) -> str:
    """The last segment of an IRI, after its last ``#`` or ``/``
    (``https://w3id.org/exitkg/ontology#hindering`` -> ``hindering``)."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def compact(iri: str, prefixes: dict[str, str] | None = None, *, path: bool = False) -> str:
    """Return ``prefix:local`` for *iri* if a prefix matches, else ``<iri>``.

    The longest matching namespace wins. The local part must be non-empty and
    contain no characters that would make the CURIE ambiguous; with *path*, for display only,
    it may contain ``/`` (``finding:ferrari-2021/hickle-2017-family``).
    """
    table = PREFIXES if prefixes is None else prefixes
    allowed = "_-./" if path else "_-."
    best: tuple[str, str] | None = None
    for prefix, ns in table.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(best[1])):
            local = iri[len(ns):]
            if local and all(c.isalnum() or c in allowed for c in local) and not local.endswith((".", "/")):
                best = (prefix, ns)
    if best is None:
        return f"<{iri}>"
    return f"{best[0]}:{iri[len(best[1]):]}"
