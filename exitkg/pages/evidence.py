"""The summaries at the top of the evidence pages: a factor's, a study's, a finding's and a source's.

Each identifier page of the site (:class:`exitkg.publish.site.Identifiers`) shows every statement
about its identifier; the pages of factors, studies, findings (and the evidence a review only
cites) and sources put first what a reader asks of them, as CIViC's evidence pages do:

- a factor: its label and definition (the review's words, with their section, or the curators'),
  each source's classification (level and role), its population-aware status, its evidence
  profile and exitkg's confidence level with the reasons (:mod:`exitkg.review.confidence`, the
  one rule), then its evidence table (the canned query ``evidence-for-factor``);
- a study: its record (authors, year, journal, DOI), its characteristics by their labels, with
  their provenance and source, and the findings from it (the canned query ``factors-of-study``);
- a finding: its claim in one sentence, its quote and where the source says it, its study and
  the article;
- a source: what it is, what it encodes, its documents and its statements counted by kind.

:class:`Summaries` computes them from a loaded graph (:class:`exitkg.graph.local.KnowledgeGraph`);
every value is read from the graph, and every count comes from a query or from the library.
*link* is a callable giving the address of an identifier's page (None where it has none).
"""

from __future__ import annotations

from collections.abc import Callable

from exitkg.core.citations import short_citation
from exitkg.rdf.namespaces import DCTERMS, EKG, EKG_ID, RDF, local_name
from exitkg.rdf.terms import lexical

Link = Callable[[str], "str | None"]

BIBO = "http://purl.org/ontology/bibo/"
#: the kinds of pages with a summary, by the class of their identifier
KINDS = {EKG + "Factor": "factor", EKG + "Study": "study", EKG + "Finding": "finding",
         EKG + "CitedEvidence": "finding", EKG + "Source": "source"}
#: the verb of a claim, by the effective direction of its statement
VERBS = {EKG + "facilitating": "facilitates exit", EKG + "hindering": "hinders exit"}
#: what a characteristic's node says of itself rather than of the study (shown apart)
_CHARACTERISTIC_META = {RDF + "type", EKG + "inSource", EKG + "provenance", EKG + "quote", EKG + "inferenceNote",
                        EKG + "sourceNote"}

_PREFIXES = """PREFIX ekg: <https://w3id.org/exitkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
"""
_TYPES = "SELECT DISTINCT ?x ?type WHERE { ?x a ?type }"
_DEFINITION = _PREFIXES + """
SELECT ?x ?definition ?provenance ?section WHERE {
  ?x skos:definition ?definition
  OPTIONAL { ?x ekg:definitionProvenance ?provenance }
  OPTIONAL { ?x ekg:definitionLocatedIn ?section }
} ORDER BY ?definition LIMIT 1
"""
_CLASSIFICATIONS = _PREFIXES + """
SELECT ?x ?classification ?source ?level ?role ?printed ?section WHERE {
  ?classification ekg:classifies ?x ; ekg:inSource ?source ; ekg:level ?level ; ekg:role ?role .
  OPTIONAL { ?classification ekg:figureLabel ?printed }
  OPTIONAL { ?classification ekg:locatedIn ?section }
} ORDER BY ?source ?classification
"""
_RECORD = _PREFIXES + """
SELECT ?x ?title ?year ?authors ?journal ?volume ?issue ?pages ?doi WHERE {
  OPTIONAL { ?x dcterms:title ?title }
  OPTIONAL { ?x ekg:year ?year }
  OPTIONAL { ?x ekg:authorsAsPrinted ?authors }
  OPTIONAL { ?x ekg:journalTitle ?journal }
  OPTIONAL { ?x bibo:volume ?volume }
  OPTIONAL { ?x bibo:issue ?issue }
  OPTIONAL { ?x bibo:pages ?pages }
  OPTIONAL { ?x bibo:doi ?doi }
} LIMIT 1
"""
_CITED_AS = _PREFIXES + "SELECT ?x ?cited WHERE { ?x ekg:citedAs ?cited } ORDER BY ?cited LIMIT 1"
_CHARACTERISTICS = _PREFIXES + """
SELECT ?x ?characteristic ?type ?source ?provenance ?quote ?note WHERE {
  ?x ekg:hasCharacteristic ?characteristic .
  ?characteristic a ?type ; ekg:inSource ?source .
  ?type rdfs:subClassOf ekg:Characteristic .
  OPTIONAL { ?characteristic ekg:provenance ?provenance }
  OPTIONAL { ?characteristic ekg:quote ?quote }
  OPTIONAL { ?characteristic ekg:inferenceNote|ekg:sourceNote ?note }
} ORDER BY ?source ?type ?characteristic
"""
_VALUES = "SELECT ?x ?p ?o WHERE { ?x ?p ?o } ORDER BY ?p ?o"
# the statements about a factor whose link to it, or whose reading, is the curators' inference
_INFERRED = _PREFIXES + """
SELECT DISTINCT ?x ?statement WHERE {
  ?statement ekg:aboutFactor ?x .
  { ?statement ekg:factorLinkProvenance ekg:CuratorInference } UNION { ?statement ekg:provenance ekg:CuratorInference }
}
"""
_STATEMENT = _PREFIXES + """
SELECT ?x ?factor ?direction ?stated ?absence ?quote ?section ?source ?study ?work ?population ?link WHERE {
  ?x ekg:aboutFactor ?factor ; ekg:inSource ?source .
  OPTIONAL { ?x ekg:effectiveRole ?direction }
  OPTIONAL { ?x ekg:statedRole ?stated }
  OPTIONAL { ?x ekg:aboutAbsence ?absence }
  OPTIONAL { ?x ekg:quote ?quote }
  OPTIONAL { ?x ekg:locatedIn ?section }
  OPTIONAL { ?x ekg:fromStudy ?study }
  OPTIONAL { ?x ekg:fromWork ?work }
  OPTIONAL { ?x ekg:population ?population }
  OPTIONAL { ?x ekg:factorLinkProvenance ?link }
} LIMIT 1
"""
_SOURCE = _PREFIXES + """
SELECT ?x ?p ?o WHERE {
  ?x ?p ?o FILTER(?p IN (dcterms:title, dcterms:description, ekg:encodes, dcterms:source, dcterms:license,
                         dcterms:creator))
} ORDER BY ?p ?o
"""
_SOURCE_COUNTS = _PREFIXES + """
SELECT ?x ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ekg:inSource ?x ; a ?type }
GROUP BY ?x ?type ORDER BY DESC(?n) ?type
"""


def _one(result) -> dict:
    return result.rows[0] if result.rows else {}


def _text(term) -> str | None:
    return lexical(term) if term is not None else None


def doi_address(doi: str) -> str:
    """The address that resolves a DOI (``10.1080/...`` -> ``https://doi.org/10.1080/...``)."""
    return doi if doi.startswith(("http://", "https://")) else "https://doi.org/" + doi


def _percent(share: float | None) -> str:
    return "none" if share is None else f"{round(share * 100)}%"


class Summaries:
    """The summaries of a loaded *graph*'s evidence pages; the evidence profiles are computed once."""

    def __init__(self, graph):
        self.graph = graph
        self._evidence: dict | None = None

    def _run(self, text: str, iri: str):
        import pyoxigraph as ox

        return self.graph.run(text, {"x": ox.NamedNode(iri)})

    def label(self, iri: str) -> str:
        """The label of *iri* (SKOS preferred label, RDFS label or title), else its last name."""
        row = _one(self.graph.run(_PREFIXES + """SELECT ?x ?l WHERE {
          OPTIONAL { ?x skos:prefLabel ?p } OPTIONAL { ?x rdfs:label ?r } OPTIONAL { ?x dcterms:title ?t }
          BIND(COALESCE(?p, ?r, ?t) AS ?l) } ORDER BY ?l LIMIT 1""", {"x": _node(iri)}))
        return _text(row.get("l")) or local_name(iri)

    def citation(self, iri: str) -> str:
        """A study's or work's short citation from its record: its authors' names (the first and "et
        al." from three) and its year (``Dalla & Kreimer, 2017``, ``Dahal et al., 2015``), else as a
        review cites it, else its label."""
        record = _one(self._run(_RECORD, iri))
        authors, year = _text(record.get("authors")), _text(record.get("year"))
        short = short_citation(authors or "", year, year_separator=", ")
        if short:
            return short
        return _text(_one(self._run(_CITED_AS, iri)).get("cited")) or self.label(iri)

    def kind(self, iri: str) -> str | None:
        """The kind of page with a summary (factor, study, finding, source), or None."""
        types = {lexical(r["type"]) for r in self._run(_TYPES, iri).rows}
        for cls, kind in KINDS.items():
            if cls in types:
                return kind
        return None

    def summary(self, iri: str, link: Link) -> tuple[str, dict] | None:
        """``(kind, summary)`` for *iri*'s page, or None when its kind has no summary."""
        kind = self.kind(iri)
        if kind is None:
            return None
        return kind, getattr(self, kind)(iri, link)

    def _ref(self, iri: str | None, link: Link, text: str | None = None) -> dict | None:
        if iri is None:
            return None
        return {"text": text if text is not None else self.label(iri), "href": link(iri), "iri": iri}

    # --- a factor ------------------------------------------------------------------------------
    def evidence(self) -> dict:
        """Every factor's :class:`exitkg.review.confidence.FactorEvidence`, by its IRI."""
        if self._evidence is None:
            from exitkg.review.confidence import evidence_profiles

            self._evidence = {f.factor: f for f in evidence_profiles(self.graph)}
        return self._evidence

    def definition(self, iri: str, link: Link) -> dict | None:
        """A factor's definition (``skos:definition``) and its origin (``ekg:definitionProvenance``,
        ``ekg:definitionLocatedIn``): None when it has none."""
        row = _one(self._run(_DEFINITION, iri))
        if not row.get("definition"):
            return None
        provenance = _text(row.get("provenance"))
        return {"text": lexical(row["definition"]),
                "stated": provenance == EKG + "StatedInReview",
                "inferred": provenance == EKG + "CuratorInference",
                "section": self._ref(_text(row.get("section")), link)}

    def factor(self, iri: str, link: Link) -> dict:
        from exitkg.sparql import queries as Q

        classifications = [{"source": self._ref(lexical(r["source"]), link),
                            "level": self._ref(lexical(r["level"]), link),
                            "role": self._ref(lexical(r["role"]), link),
                            "printed": _text(r.get("printed")),
                            "section": self._ref(_text(r.get("section")), link),
                            "classification": self._ref(lexical(r["classification"]), link, "")}
                           for r in self._run(_CLASSIFICATIONS, iri).rows]
        found = self.evidence().get(iri)
        inferred = {lexical(r["statement"]) for r in self._run(_INFERRED, iri).rows}
        evidence = []
        for r in Q.run(Q.catalogue()["evidence-for-factor"], self.graph, {"factor": iri}).rows:
            support = _text(r.get("evidence"))
            evidence.append({
                "statement": self._ref(lexical(r["statement"]), link, self.label(lexical(r["statement"]))),
                "kind": lexical(r["kind"]), "inferred": lexical(r["statement"]) in inferred,
                "direction": local_name(lexical(r["direction"])) if r.get("direction") else "no direction",
                "evidence": self._ref(support, link, self.citation(support)) if support else None,
                "population": self._ref(_text(r.get("population")), link),
                "quote": lexical(r["quote"]), "section": lexical(r["section"]),
                "source": self._ref(lexical(r["in_source"]), link, local_name(lexical(r["in_source"])))})
        out: dict = {"label": self.label(iri), "definition": self.definition(iri, link),
                     "classifications": classifications, "evidence": evidence, "status": None}
        if found is not None:
            p = found.profile
            out.update({
                "status": found.status,
                "profile": _profile_rows(p),
                "by_source": [{"source": self._ref(EKG_ID + "source/" + s, link, s),
                               **_profile_counts(q)} for s, q in found.by_source.items()],
                "by_population": [{"population": c, **_profile_counts(q)} for c, q in found.by_population.items()],
                "confidence": {"level": found.confidence.level, "reasons": found.confidence.reasons}})
        return out

    # --- a study -------------------------------------------------------------------------------
    def study(self, iri: str, link: Link) -> dict:
        from exitkg.sparql import queries as Q

        record: dict[str, str | None] = {k: _text(v) for k, v in _one(self._run(_RECORD, iri)).items()}
        doi = record.get("doi")
        characteristics: list[dict] = []
        for r in self._run(_CHARACTERISTICS, iri).rows:
            node = lexical(r["characteristic"])
            values: list[dict] = [{"what": self.label(lexical(v["p"])), "p": lexical(v["p"]),
                       "value": (self._ref(lexical(v["o"]), link) if _is_iri(v["o"])
                                 else {"text": lexical(v["o"]), "href": None, "iri": None})}
                      for v in self._run(_VALUES, node).rows if lexical(v["p"]) not in _CHARACTERISTIC_META]
            characteristics.append({
                "kind": self.label(lexical(r["type"])), "values": values,
                "node": self._ref(node, link, ""),
                "source": self._ref(lexical(r["source"]), link, local_name(lexical(r["source"]))),
                "provenance": self._ref(_text(r.get("provenance")), link),
                "inferred": _text(r.get("provenance")) == EKG + "CuratorInference",
                "quote": _text(r.get("quote")), "note": _text(r.get("note"))})

        def key(*properties: str, sep: str = ", ") -> list[dict]:
            """The values of these properties (in this order) per characteristic, with its origin."""
            return [{"values": [v["value"] for p in properties for v in c["values"] if v["p"] == EKG + p],
                     "inferred": c["inferred"], "source": c["source"], "sep": sep}
                    for c in characteristics if any(v["p"] in {EKG + p for p in properties} for v in c["values"])]

        findings = [{"finding": self._ref(lexical(r["finding"]), link),
                     "factor": self._ref(lexical(r["factor"]), link, lexical(r["label"])),
                     "direction": local_name(lexical(r["direction"])) if r.get("direction") else "no direction",
                     "population": self._ref(_text(r.get("population")), link),
                     "quote": _text(r.get("quote")),
                     "source": self._ref(lexical(r["in_source"]), link, local_name(lexical(r["in_source"])))}
                    for r in Q.run(Q.catalogue()["factors-of-study"], self.graph, {"study": iri}).rows]
        return {"citation": self.citation(iri), "record": record,
                "doi": doi_address(doi) if doi else None,
                "characteristics": characteristics, "findings": findings,
                "design": key("design"), "sample": key("sampleSize", "sampleDescription", sep=": "),
                "country": key("country"),
                "several_sources": len({c["source"]["iri"] for c in characteristics}) > 1}

    # --- a finding ----------------------------------------------------------------------------
    def finding(self, iri: str, link: Link) -> dict:
        row = {k: _text(v) for k, v in _one(self._run(_STATEMENT, iri)).items()}
        support = row.get("study") or row.get("work")
        citation = self.citation(support) if support else None
        factor_iri, population_iri = row.get("factor"), row.get("population")
        factor = self.label(factor_iri) if factor_iri else "?"
        verb = VERBS.get(row.get("direction") or "", "has no direction for exit")
        if plural(factor):
            verb = verb.replace("facilitates", "facilitate").replace("hinders", "hinder").replace("has no", "have no")
        population = self.label(population_iri) if population_iri else None
        claim = f"{factor} {verb}" + (f" in the {population}" if population else "") + \
            (f" ({citation})" if citation else "")
        record: dict[str, str | None] = (
            {k: _text(v) for k, v in _one(self._run(_RECORD, support)).items()} if support else {})
        doi = record.get("doi")
        return {"claim": claim, "quote": row.get("quote"), "section": self._ref(row.get("section"), link),
                "factor": self._ref(row.get("factor"), link), "direction": self._ref(row.get("direction"), link),
                "stated": self._ref(row.get("stated"), link), "absence": row.get("absence") == "true",
                "evidence": self._ref(support, link, citation) if support else None,
                "population": self._ref(row.get("population"), link),
                "link_provenance": self._ref(row.get("link"), link),
                "inferred": row.get("link") == EKG + "CuratorInference",
                "source": self._ref(row.get("source"), link),
                "title": record.get("title"),
                "doi": doi_address(doi) if doi else None}

    # --- a source -----------------------------------------------------------------------------
    def source(self, iri: str, link: Link) -> dict:
        about: dict[str, list] = {}
        for r in self._run(_SOURCE, iri).rows:
            value = lexical(r["o"])
            about.setdefault(local_name(lexical(r["p"])), []).append(
                self._ref(value, link, value if lexical(r["p"]) in (DCTERMS + "license", DCTERMS + "creator")
                          else None) if _is_iri(r["o"]) else {"text": value, "href": None, "iri": None})
        counts = [{"kind": self._ref(lexical(r["type"]), link), "n": int(lexical(r["n"]))}
                  for r in self._run(_SOURCE_COUNTS, iri).rows]
        return {"title": about.get("title", [{"text": self.label(iri)}])[0]["text"],
                "description": (about.get("description") or [{"text": None}])[0]["text"],
                "encodes": about.get("encodes", []), "documents": about.get("source", []),
                "license": about.get("license", []), "creator": about.get("creator", []),
                "counts": counts, "total": sum(c["n"] for c in counts)}


def plural(label: str) -> bool:
    """Whether a factor's label names a plural (``NGOs``, ``Clients and kidnappers``; not ``Lack of
    support from professionals`` nor ``Awareness``): its head, before a preposition, joins two
    nouns or ends in a plural s."""
    import re

    head = re.split(r" (?:of|from|with|to|in|for|on|by) ", label, maxsplit=1)[0]
    return " and " in head or (head.endswith("s") and not head.endswith(("ss", "us", "is")))


def _node(iri: str):
    import pyoxigraph as ox

    return ox.NamedNode(iri)


def _is_iri(term) -> bool:
    import pyoxigraph as ox

    return isinstance(term, ox.NamedNode)


def _profile_counts(p) -> dict:
    return {"studies": p.studies, "cited_works": p.cited_works, "statements": p.statements,
            "facilitating": p.facilitating, "hindering": p.hindering}


def _profile_rows(p) -> list[tuple[str, str]]:
    """A factor's evidence profile (:class:`exitkg.review.confidence.Profile`) as rows of a table."""
    years = (("not known for every study" if p.statements else "none") if p.first_year is None else
             str(p.first_year) if p.first_year == p.last_year else f"{p.first_year} to {p.last_year}")
    return [
        ("studies", f"{p.studies}" + (f" (and {p.cited_works} works the review only cites)" if p.cited_works else "")),
        ("participants", f"{p.participants} (sample sizes stated for {p.participants_of} of {p.studies} studies)"),
        ("designs", ", ".join(p.designs) or "none stated"),
        ("countries", ", ".join(p.countries) or "none stated"),
        ("years", years),
        ("directions", f"{p.facilitating} facilitating, {p.hindering} hindering (of {p.statements} statements)"),
        ("agreement", _percent(p.agreement) + (" in the majority's direction" if p.agreement is not None else "")),
        ("inferred by the curators", _percent(p.inferred_share) + f" ({p.inferred} of {p.statements} statements)"),
    ]

