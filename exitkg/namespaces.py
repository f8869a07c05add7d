"""Namespace IRIs and the prefixes used when rendering terms for people."""

from __future__ import annotations

EKG = "https://w3id.org/exitkg/ontology#"
EKG_SHAPES = "https://w3id.org/exitkg/shapes#"
EKG_ID = "https://w3id.org/exitkg/id/"
#: The ontology's IRI, also the name of the named graph that holds it.
ONTOLOGY_IRI = "https://w3id.org/exitkg/ontology"
#: The dataset's IRI (its VoID/DCAT description), also the name of the graph that holds it.
DATASET = EKG_ID + "dataset"

QUOTE = EKG + "quote"
CITED_AS = EKG + "citedAs"
QUOTE_PROPERTIES = (QUOTE, CITED_AS)

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# Fixed prefixes; they take precedence over prefixes declared in input files so
# that rendered output is stable.
PREFIXES: dict[str, str] = {
    "ekg": EKG,
    "ekgsh": EKG_SHAPES,
    "ekgid": EKG_ID,
    "sh": SH,
    "rdf": RDF,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
}


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
