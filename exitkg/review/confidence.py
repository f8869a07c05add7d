"""Each factor's evidence profile and exitkg's confidence level, with the reasons that set it.

The profile comes from the canned query ``evidence-profile`` (``queries/evidence-profile.rq``),
overall, per source and per population (country); the status (contested, population-specific) from
``controversial-by-evidence`` with ``population_aware=true``, the one definition of the statuses.

The confidence level is set by ONE rule, :func:`confidence`, after the components of GRADE-CERQual
(docs/confidence.md): it starts from "high" and goes down one level per step each component
takes, with the thresholds of :data:`THRESHOLDS`. It is computed by exitkg's rule from what the
graph records; it is not a CERQual assessment made by reviewers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exitkg.rdf import vocabulary
from exitkg.rdf.namespaces import sparql_prefixes
from exitkg.rdf.terms import lexical
from exitkg.sparql import queries as Q

#: The levels, highest first; each downgrade moves one step down (never below the last).
LEVELS = ("high", "moderate", "low", "very low")

#: Every threshold of the rule, in one place (docs/confidence.md explains each).
THRESHOLDS = {
    # adequacy: fewer studies than this is one step down; a single study two; none, three
    "studies": 3,
    # adequacy: with enough studies, fewer participants (stated sample sizes) than this is one step down
    "participants": 100,
    # relevance: evidence placed in fewer countries than this is one step down
    "countries": 2,
    # methodological limitations: above this share of studies with a recorded concern is two steps
    # down; any study with a concern (up to this share) is one step
    "concerns_share": 0.5,
    # methodological limitations: above this share of studies neither appraised nor covered by a
    # review's quality statement is one step down
    "unappraised_share": 0.5,
}

_QUALITY = sparql_prefixes("ekg") + """
SELECT ?quote WHERE { ?qs a ekg:QualityStatement ; ekg:quote ?quote } ORDER BY ?quote LIMIT 1
"""
_SOURCES = sparql_prefixes("ekg") + """
SELECT DISTINCT ?source WHERE { ?source a ekg:Source } ORDER BY ?source
"""

_COUNTS = ("studies", "cited_works", "statements", "facilitating", "hindering", "inferred", "participants",
           "participants_of", "appraised_studies", "with_concerns", "under_quality_statement", "unappraised")
_LISTS = ("designs", "countries", "concerns")


@dataclass
class Profile:
    """The evidence about one factor in one scope (all the graph, one source, one population)."""
    studies: int = 0
    cited_works: int = 0
    statements: int = 0
    facilitating: int = 0
    hindering: int = 0
    inferred: int = 0
    participants: int = 0
    participants_of: int = 0
    appraised_studies: int = 0
    with_concerns: int = 0
    under_quality_statement: int = 0
    unappraised: int = 0
    designs: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)
    first_year: int | None = None
    last_year: int | None = None

    @property
    def agreement(self) -> float | None:
        """The share of the statements in the majority's direction (None without statements)."""
        return max(self.facilitating, self.hindering) / self.statements if self.statements else None

    @property
    def inferred_share(self) -> float | None:
        """The share of the statements the curators inferred (their link to the factor or their reading)."""
        return self.inferred / self.statements if self.statements else None

    def as_dict(self) -> dict:
        out = {name: getattr(self, name) for name in _COUNTS + _LISTS + ("first_year", "last_year")}
        out["agreement"] = _round(self.agreement)
        out["inferred_share"] = _round(self.inferred_share)
        return out


@dataclass
class Confidence:
    level: str
    reasons: list[str]

    def as_dict(self) -> dict:
        return {"level": self.level, "reasons": self.reasons}


@dataclass
class FactorEvidence:
    factor: str
    label: str
    status: str
    profile: Profile
    confidence: Confidence
    by_source: dict[str, Profile] = field(default_factory=dict)
    by_population: dict[str, Profile] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"factor": self.factor, "label": self.label, "status": self.status,
                "profile": self.profile.as_dict(), "confidence": self.confidence.as_dict(),
                "by_source": {k: v.as_dict() for k, v in self.by_source.items()},
                "by_population": {k: v.as_dict() for k, v in self.by_population.items()}}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _profile(row) -> Profile:
    def number(name: str) -> int:
        term = row.get(name)
        return int(lexical(term)) if term is not None else 0

    def year(name: str) -> int | None:
        term = row.get(name)
        return int(lexical(term)) if term is not None else None

    def items(name: str) -> list[str]:
        text = lexical(row.get(name)) if row.get(name) is not None else ""
        return sorted(x for x in text.split(" | ") if x)

    profile = Profile(first_year=year("first_year"), last_year=year("last_year"))
    for name in _COUNTS:
        setattr(profile, name, number(name))
    for name in _LISTS:
        setattr(profile, name, items(name))
    return profile


def _profiles(engine, params: dict[str, str]) -> dict[str, tuple[str, Profile]]:
    rows = Q.run(Q.catalogue()["evidence-profile"], engine, params).rows
    return {lexical(r["factor"]): (lexical(r["label"]), _profile(r)) for r in rows}


def _statuses(engine, params: dict[str, str]) -> dict[str, str]:
    rows = Q.run(Q.catalogue()["controversial-by-evidence"], engine, {**params, "population_aware": "true"}).rows
    return {lexical(r["factor"]): lexical(r["status"]) for r in rows}


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def confidence(profile: Profile, status: str, quality_quote: str = "") -> Confidence:
    """exitkg's confidence rule: start from "high" and step down per component of GRADE-CERQual
    (adequacy, coherence, relevance, methodological limitations), by :data:`THRESHOLDS`. Every
    component adds one reason, whether it steps down or not. *status* is the population-aware status
    of ``controversial-by-evidence`` ("contested", "population-specific", or anything else for a
    factor whose evidence points one way); *quality_quote* is a review's quality statement, which
    stands for the studies the review includes where no appraisal is recorded."""
    t = THRESHOLDS
    steps = 0
    reasons: list[str] = []
    p = profile
    # adequacy: studies and participants
    if p.studies == 0:
        steps += 3
        reasons.append("adequacy: no study (" + (f"{p.cited_works} cited works only" if p.cited_works
                                                  else "no evidence") + "): down three levels")
    elif p.studies == 1:
        steps += 2
        reasons.append("adequacy: a single study: down two levels")
    elif p.studies < t["studies"]:
        steps += 1
        reasons.append(f"adequacy: {p.studies} studies (fewer than {t['studies']}): down one level")
    elif p.participants < t["participants"]:
        steps += 1
        reasons.append(f"adequacy: {p.studies} studies but {p.participants} participants stated "
                       f"(in {_share(p.participants_of, p.studies)} studies; fewer than {t['participants']}): "
                       "down one level")
    else:
        reasons.append(f"adequacy: {p.studies} studies, {p.participants} participants stated "
                       f"(in {_share(p.participants_of, p.studies)} studies): no concern")
    # coherence: agreement of the directions, population-aware
    if status == "contested":
        steps += 2
        reasons.append(f"coherence: contested ({p.facilitating} facilitating, {p.hindering} hindering, "
                       "both within one population): down two levels")
    elif status == "population-specific":
        steps += 1
        reasons.append(f"coherence: population-specific ({p.facilitating} facilitating, {p.hindering} hindering, "
                       "the directions differ only between populations): down one level")
    elif p.statements:
        reasons.append("coherence: " + ("the one statement points one way" if p.statements == 1
                                        else f"all {p.statements} statements point one way") + ": no concern")
    else:
        reasons.append("coherence: no statement to compare: no step")
    # relevance: the populations the evidence comes from
    if len(p.countries) < t["countries"]:
        steps += 1
        where = f"one country ({p.countries[0]})" if p.countries else "no country stated"
        reasons.append(f"relevance: evidence from {where} (fewer than {t['countries']}): down one level")
    else:
        reasons.append(f"relevance: evidence from {len(p.countries)} countries: no concern")
    # methodological limitations: the appraisals recorded, else a review's quality statement
    if p.studies:
        concerned = p.with_concerns / p.studies
        unappraised = p.unappraised / p.studies
        if concerned > t["concerns_share"]:
            steps += 2
            reasons.append(f"methodological limitations: {_share(p.with_concerns, p.studies)} studies with recorded "
                           f"concerns ({', '.join(p.concerns)}): down two levels")
        elif concerned > 0:
            steps += 1
            reasons.append(f"methodological limitations: {_share(p.with_concerns, p.studies)} studies with recorded "
                           f"concerns ({', '.join(p.concerns)}): down one level")
        elif unappraised > t["unappraised_share"]:
            steps += 1
            reasons.append(f"methodological limitations: {_share(p.unappraised, p.studies)} "
                           "studies neither appraised nor covered by a review's quality statement: down one level")
        elif p.appraised_studies < p.studies and p.under_quality_statement:
            quote = f' ("{quality_quote}")' if quality_quote else ""
            reasons.append("methodological limitations: no appraisal recorded for "
                           f"{_share(p.studies - p.appraised_studies, p.studies)} studies; the review's quality "
                           f"statement{quote} stands for them: no concern")
        else:
            reasons.append(f"methodological limitations: {_share(p.appraised_studies, p.studies)} studies "
                           "appraised, no concern recorded: no concern")
    else:
        reasons.append("methodological limitations: no study to appraise: no step")
    return Confidence(level=LEVELS[min(steps, len(LEVELS) - 1)], reasons=reasons)


def evidence_profiles(engine, *, include_cited: bool = True) -> list[FactorEvidence]:
    """Every factor of *engine*'s graph (a loaded graph or an endpoint): its profile overall, per
    source and per population (country), its population-aware status and its confidence level
    with the reasons. *include_cited* keeps the evidence a review only cites in its discussion."""
    flag = {"include_cited": "true" if include_cited else "false"}
    overall = _profiles(engine, flag)
    statuses = _statuses(engine, flag)
    quotes = [lexical(r["quote"]) for r in engine.run(_QUALITY).rows]
    quality = quotes[0] if quotes else ""
    by_source: dict[str, dict[str, tuple[str, Profile]]] = {}
    for row in engine.run(_SOURCES).rows:
        source = lexical(row["source"])
        by_source[vocabulary.local_name(source)] = _profiles(engine, {**flag, "source": source})
    countries = sorted({c for _, p in overall.values() for c in p.countries})
    by_country = {c: _profiles(engine, {**flag, "country": c}) for c in countries}
    out = []
    for factor, (label, profile) in sorted(overall.items(), key=lambda kv: kv[1][0].lower()):
        status = statuses.get(factor, "not controversial")
        out.append(FactorEvidence(
            factor=factor, label=label, status=status, profile=profile,
            confidence=confidence(profile, status, quality),
            by_source={s: rows[factor][1] for s, rows in by_source.items()
                       if factor in rows and rows[factor][1].statements},
            by_population={c: rows[factor][1] for c, rows in by_country.items()
                           if factor in rows and c in profile.countries and rows[factor][1].statements},
        ))
    return out


def concern_labels() -> tuple[str, ...]:
    """The closed list of methodological concerns an appraisal may record (from the ontology)."""
    return vocabulary.names(vocabulary.METHODOLOGICAL_CONCERN)
