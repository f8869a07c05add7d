"""``exitkg export --format nanopub``: every finding as a nanopublication, in one TriG document.

Each nanopublication has the four graphs of the nanopublication guidelines: a head linking the
others; an assertion (the finding: factor, stated role, absence, study, population, source);
provenance (the publication the finding is derived from, the verbatim quote and the section it
stands in, and the creators of the finding's source, to whom the assertion is attributed); and
publication information (the finding's IRI in the graph, the licence, the version the graph
states, and the creators of the finding's source with the date the source states, from its
``source.ttl``: its curators, by ORCID iD when known, or the project for the packaged sources).
Its IRI is a trusty URI, ``https://w3id.org/exitkg/np/RA...``, computed offline with the
published RA algorithm (the one the ``nanopub`` package verifies): the quads are written
with a blank where the hash goes, normalised (sorted as the algorithm sorts them, one line per
term), hashed with SHA-256, and the hash, base64url-encoded and prefixed ``RA``, takes the blank's
place. The same graph always gives the same bytes. Signing is optional (``--sign-key``, an RSA
key in a PEM file) and offline: the public key, algorithm and signature go into the publication
information, as the nanopublication tools expect, before the trusty URI is computed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cmp_to_key
from typing import NamedTuple

from exitkg.rdf.namespaces import (DCTERMS, EKG, FACTOR_NS, NP_BASE, PROV, RDF, RDFS, SOURCE_NS, STUDY_NS, XSD,
                               sparql_prefixes)

NP = "http://www.nanopub.org/nschema#"
NPX = "http://purl.org/nanopub/x/"
XSD_STRING = XSD + "string"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PLACEHOLDER = " "
_ASSERTION_PREDICATES = (RDF + "type", RDFS + "label", EKG + "aboutFactor", EKG + "statedRole",
                         EKG + "aboutAbsence", EKG + "fromStudy", EKG + "population", EKG + "inSource")
_PROVENANCE_PREDICATES = (EKG + "quote", EKG + "locatedIn", EKG + "factorLinkProvenance",
                          EKG + "quoteWordingNote")


class Term(NamedTuple):
    """An IRI (``datatype`` and ``language`` empty) or a literal."""

    value: str
    literal: bool = False
    datatype: str | None = None
    language: str | None = None


Quad = tuple  # (graph IRI | None, subject IRI, predicate IRI, object Term)


def _iri(value: str) -> Term:
    return Term(value)


# --------------------------------------------------------------------------- #
# The RA trusty-URI algorithm
# --------------------------------------------------------------------------- #

def _mask(text: str, hashstr: str | None) -> bytes:
    return (text.replace(hashstr, " ") if hashstr else text).encode("utf-8")


def _compare_literal(a: Term, b: Term) -> int:
    x1, x2 = a.value.encode("utf-8"), b.value.encode("utf-8")
    if x1 != x2:
        return -1 if x1 < x2 else 1

    def datatype(t: Term):
        return None if t.language else (t.datatype or XSD_STRING)

    d1, d2 = datatype(a), datatype(b)
    if d1 != d2:
        if d1 is None:
            return -1
        if d2 is None:
            return 1
        return -1 if d1 < d2 else 1
    l1, l2 = a.language, b.language
    if l1 != l2:
        if l1 is None:
            return -1
        if l2 is None:
            return 1
        return -1 if l1 < l2 else 1
    return 0


def _comparator(hashstr: str | None):
    def uri(a: str, b: str) -> int:
        p1, p2 = _mask(a, hashstr), _mask(b, hashstr)
        return -1 if p1 < p2 else 0 if p1 == p2 else 1

    def compare(q1: Quad, q2: Quad) -> int:
        g1, g2 = q1[0], q2[0]
        if g1 is None or g2 is None:
            c = 0 if g1 is None and g2 is None else -1 if g1 is None else 1
        else:
            c = uri(g1, g2)
        if c:
            return c
        c = uri(q1[1], q2[1]) or uri(q1[2], q2[2])
        if c:
            return c
        o1, o2 = q1[3], q2[3]
        if o1.literal != o2.literal:
            return 1 if o1.literal else -1
        return _compare_literal(o1, o2) if o1.literal else uri(o1.value, o2.value)

    return compare


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _line(term) -> str:
    if term is None:
        return "\n"
    if isinstance(term, str):
        return f"{term}\n"
    if not term.literal:
        return f"{term.value}\n"
    if term.language:
        return f"@{term.language.lower()} {_escape(term.value)}\n"
    return f"^{term.datatype or XSD_STRING} {_escape(term.value)}\n"


def normalised(quads: list[Quad], hashstr: str | None = None) -> str:
    """The text the RA hash is computed over: quads sorted, hash occurrences blanked, one line per term."""
    def blank(x):
        if x is None:
            return None
        if isinstance(x, str):
            return x.replace(hashstr, PLACEHOLDER) if hashstr else x
        return x if x.literal else Term(x.value.replace(hashstr, PLACEHOLDER) if hashstr else x.value)

    prepared = [(blank(g), blank(s), blank(p), blank(o)) for g, s, p, o in quads]
    prepared.sort(key=cmp_to_key(_comparator(None)))
    out, previous = [], ""
    for q in prepared:
        entry = "".join(_line(t) for t in q)
        if entry != previous:
            out.append(entry)
        previous = entry
    return "".join(out)


def trusty_hash(quads: list[Quad], hashstr: str | None = None) -> str:
    """The RA hash of *quads*: written with :data:`PLACEHOLDER` where the hash goes, or, to verify,
    with the hash *hashstr* in place."""
    digest = hashlib.sha256(normalised(quads, hashstr).encode("utf-8")).digest()
    return "RA" + re.sub("=", "", base64.b64encode(digest, b"-_").decode("ascii"))


def _fill(quads: list[Quad], hashstr: str) -> list[Quad]:
    def fill(x):
        if x is None:
            return None
        if isinstance(x, str):
            return x.replace(NP_BASE + PLACEHOLDER, NP_BASE + hashstr)
        return x if x.literal else Term(x.value.replace(NP_BASE + PLACEHOLDER, NP_BASE + hashstr))

    return [(fill(g), fill(s), fill(p), fill(o)) for g, s, p, o in quads]


# --------------------------------------------------------------------------- #
# Findings as nanopublications
# --------------------------------------------------------------------------- #

_FINDINGS = sparql_prefixes("ekg", "prov") + """
SELECT ?f ?pub WHERE { ?f a ekg:Finding ; prov:wasDerivedFrom ?pub } ORDER BY ?f ?pub"""


def _term(ox_term, tags: dict[str, str]) -> Term:
    """A term of the graph, a language tag spelled as the inputs spelled it (*tags*)."""
    import pyoxigraph as ox

    if isinstance(ox_term, ox.Literal):
        language = tags.get(ox_term.language, ox_term.language) if ox_term.language else None
        return Term(ox_term.value, True, None if language else ox_term.datatype.value, language)
    return Term(ox_term.value)


_SOURCE_CREATORS = sparql_prefixes("ekg", "dcterms") + """
SELECT ?source ?creator ?created WHERE {
  ?source a ekg:Source .
  OPTIONAL { ?source dcterms:creator ?creator FILTER(isIRI(?creator)) }
  OPTIONAL { ?source dcterms:created ?created }
} ORDER BY ?source ?creator ?created"""

_GRAPH_VERSION = sparql_prefixes("owl") + """
SELECT ?v WHERE { <https://w3id.org/exitkg/ontology> owl:versionInfo ?v } ORDER BY ?v LIMIT 1"""


def source_credits(graph) -> dict[str, tuple[list[str], list[Term]]]:
    """Each source's creators (IRIs) and the dates it states (``dcterms:created``), by source IRI."""
    credits: dict[str, tuple[list[str], list[Term]]] = {}
    for row in graph.store.query(_SOURCE_CREATORS):
        creators, dates = credits.setdefault(row["source"].value, ([], []))
        if row["creator"] is not None and row["creator"].value not in creators:
            creators.append(row["creator"].value)
        if row["created"] is not None:
            date = _term(row["created"], graph.tags)
            if date not in dates:
                dates.append(date)
    return credits


def finding_nanopub(graph, finding: str, publication: str, version: str,
                    signer: Signer | None = None,
                    credits: dict[str, tuple[list[str], list[Term]]] | None = None) -> tuple[str, list[Quad]]:
    """The nanopublication of one finding: its trusty IRI and its quads. *credits* are the sources'
    creators and dates (:func:`source_credits`, computed when not given)."""
    import pyoxigraph as ox

    np_iri = NP_BASE + PLACEHOLDER
    head, assertion, provenance, pubinfo = (f"{np_iri}#{g}" for g in ("Head", "assertion", "provenance", "pubinfo"))
    quads: list[Quad] = [
        (head, np_iri, RDF + "type", _iri(NP + "Nanopublication")),
        (head, np_iri, NP + "hasAssertion", _iri(assertion)),
        (head, np_iri, NP + "hasProvenance", _iri(provenance)),
        (head, np_iri, NP + "hasPublicationInfo", _iri(pubinfo)),
    ]
    # the finding's statements as the inputs wrote them (typed literals' forms, tags' spellings)
    for q in graph._restored(graph.store.quads_for_pattern(ox.NamedNode(finding), None, None, ox.DefaultGraph())):
        p = q.predicate.value
        if p in _ASSERTION_PREDICATES:
            quads.append((assertion, finding, p, _term(q.object, graph.tags)))
        elif p in _PROVENANCE_PREDICATES:
            quads.append((provenance, assertion, p, _term(q.object, graph.tags)))
    quads.append((provenance, assertion, PROV + "wasDerivedFrom", _iri(publication)))
    credits = source_credits(graph) if credits is None else credits
    sources = [q[3].value for q in quads if q[0] == assertion and q[2] == EKG + "inSource" and not q[3].literal]
    creators = [c for s in sources for c in credits.get(s, ([], []))[0]]
    dates = [d for s in sources for d in credits.get(s, ([], []))[1]]
    quads += [(provenance, assertion, PROV + "wasAttributedTo", _iri(c)) for c in creators]
    quads += [
        (pubinfo, np_iri, PROV + "wasDerivedFrom", _iri(finding)),
        (pubinfo, np_iri, DCTERMS + "license", _iri(LICENSE)),
        (pubinfo, np_iri, RDFS + "comment", Term(f"A finding of the exitkg graph, version {version}.", True)),
    ]
    quads += [(pubinfo, np_iri, DCTERMS + "creator", _iri(c)) for c in creators]
    quads += [(pubinfo, np_iri, DCTERMS + "created", d) for d in dates]
    if signer is not None:
        quads = signer.sign(quads, np_iri, pubinfo)
    hashstr = trusty_hash(quads)
    return NP_BASE + hashstr, _fill(quads, hashstr)


class Signer:
    """Signs nanopublications with an RSA private key (PEM, unencrypted), offline, as the
    nanopublication tools do: the public key, the algorithm and the target go into the
    publication information, the normalised quads are signed (RSASSA-PKCS1-v1_5 with SHA-256),
    and the signature is added before the trusty URI is computed."""

    def __init__(self, key_path):
        import os

        from exitkg.core.errors import InputError, UsageError

        shown = os.fsdecode(key_path)
        try:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
        except ImportError:
            raise UsageError("signing needs the 'cryptography' package: pip install 'exitkg[sign]'") from None
        try:
            with open(shown, "rb") as handle:
                key = serialization.load_pem_private_key(handle.read(), password=None)
        except OSError as exc:
            raise InputError(f"{shown}: cannot read the key: {exc.strerror or exc}") from None
        except (ValueError, TypeError) as exc:
            raise InputError(f"{shown}: not an unencrypted PEM private key ({exc})") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise InputError(f"{shown}: not an RSA key; nanopublications are signed with RSA")
        self._key = key
        der = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        self.public_key = base64.b64encode(der).decode("ascii")

    def sign(self, quads: list[Quad], np_iri: str, pubinfo: str) -> list[Quad]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        sig = f"{np_iri}#sig"
        quads = quads + [
            (pubinfo, sig, NPX + "hasPublicKey", Term(self.public_key, True)),
            (pubinfo, sig, NPX + "hasAlgorithm", Term("RSA", True)),
            (pubinfo, sig, NPX + "hasSignatureTarget", _iri(np_iri)),
        ]
        signature = self._key.sign(normalised(quads).encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        return quads + [(pubinfo, sig, NPX + "hasSignature", Term(base64.b64encode(signature).decode("ascii"), True))]


def export_nanopubs(graph=None, sign_key=None) -> bytes:
    """Every finding of *graph* (default: the packaged graph) as a nanopublication, as TriG;
    signed with the RSA private key at *sign_key* (a PEM file) when given."""
    import pyoxigraph as ox

    from exitkg.core.version import __version__
    from exitkg.graph.local import load

    signer = Signer(sign_key) if sign_key is not None else None
    graph = graph if graph is not None else load()
    # the version the graph states (a release may state its own), else the package's
    version = next((row["v"].value for row in graph.store.query(_GRAPH_VERSION)), __version__)
    credits = source_credits(graph)
    everything: list[ox.Quad] = []
    for row in graph.store.query(_FINDINGS):
        _iri_, quads = finding_nanopub(graph, row["f"].value, row["pub"].value, version, signer, credits)
        for g, s, p, o in quads:
            obj = (ox.Literal(o.value, language=o.language) if o.language else
                   ox.Literal(o.value, datatype=ox.NamedNode(o.datatype)) if o.literal and o.datatype else
                   ox.Literal(o.value) if o.literal else ox.NamedNode(o.value))
            everything.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), obj, ox.NamedNode(g)))
    # every quad here is in a named graph (ox.NamedNode(g) above)
    everything.sort(key=lambda q: (q.graph_name.value, str(q.subject), str(q.predicate), str(q.object)))  # type: ignore[union-attr]
    prefixes = {"np": NP, "npx": NPX, "prov": PROV, "dcterms": DCTERMS, "rdfs": RDFS, "ekg": EKG,
                "factor": FACTOR_NS, "study": STUDY_NS, "source": SOURCE_NS}
    from exitkg.publish.export import recased

    # pyoxigraph writes language tags in lower case: spelled again as in the quads the trusty URIs hash
    # pyoxigraph's stub: serialize without an output returns bytes
    return recased(ox.serialize(everything, format=ox.RdfFormat.TRIG, prefixes=prefixes), graph.tags)  # type: ignore[arg-type]
