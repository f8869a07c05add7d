"""The SHACL test cases: one small base graph and, for every shape, a change that satisfies it and
a change that breaks it, applied in memory.

The base graph (:func:`base_doc`) is a small, self-contained graph that conforms to
``shapes/exit-factors-shapes.ttl`` when merged with the ontology. :data:`SPECS` holds, for each
shape IRI of that file, a valid case (often the base graph unchanged, when it already exercises
the shape) and an invalid case (the base graph with one change that breaks the rule of that shape),
each as a list of edits of the base. ``tests/checks/test_shapes.py`` builds every case in memory. To read
one case as Turtle::

    python tests/shape_cases.py base
    python tests/shape_cases.py Finding-locatedIn invalid
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from collections.abc import Callable


PREFIXES = [
    ("ekg", "https://w3id.org/exitkg/ontology#"),
    ("fx", "https://example.org/exitkg/fixture/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("bibo", "http://purl.org/ontology/bibo/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
]


# --------------------------------------------------------------------------- #
# A tiny document model: resources in a fixed order, each with its predicates
# in a fixed order, rendered the same way every time so that fixtures differ
# from base.ttl only where they were changed.
# --------------------------------------------------------------------------- #

def lit(text: str, lang: str | None = None) -> str:
    """A Turtle string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def words(n: int, lang: str | None = None) -> str:
    """A quote of exactly ``n`` words (with a language tag when *lang* is given)."""
    text = ("having regained her self-esteem through work and friendship she could imagine a future "
            "outside exploitation and she slowly found the courage to leave the place where she had "
            "been held for many long years").split()
    assert n <= len(text)
    return lit(" ".join(text[:n]), lang)


@dataclass
class Resource:
    subject: str
    props: list[list] = field(default_factory=list)  # [predicate, [objects]]
    comment: str | None = None

    def find(self, pred: str):
        for entry in self.props:
            if entry[0] == pred:
                return entry
        return None


class Doc:
    def __init__(self, resources: list[Resource]):
        self.resources = resources

    def get(self, subject: str) -> Resource:
        for res in self.resources:
            if res.subject == subject:
                return res
        raise KeyError(subject)

    def render(self, header: list[str]) -> str:
        out = [f"# {line}" if line else "#" for line in header]
        out.append("")
        out += [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES]
        for res in self.resources:
            out.append("")
            if res.comment:
                out += [f"# {line}" for line in res.comment.splitlines()]
            out += _render_resource(res)
        return "\n".join(out) + "\n"


def _render_resource(res: Resource) -> list[str]:
    lines = []
    props = [p for p in res.props if p[1]]
    for i, (pred, objs) in enumerate(props):
        end = " ." if i == len(props) - 1 else " ;"
        lead = f"{res.subject} " if i == 0 else "    "
        one_line = f"{lead}{pred} {', '.join(objs)}{end}"
        if len(one_line) <= 100 or len(objs) == 1:
            lines.append(one_line)
        else:
            lines.append(f"{lead}{pred} {objs[0]},")
            for obj in objs[1:-1]:
                lines.append(f"        {obj},")
            lines.append(f"        {objs[-1]}{end}")
    return lines


# Operations on a Doc. Each returns a function that applies it.

Op = Callable[[Doc], None]


def set_(subject: str, pred: str, *objs: str) -> Op:
    """Replace the values of ``pred`` (adding the predicate at the end if absent)."""
    def op(doc: Doc) -> None:
        res = doc.get(subject)
        entry = res.find(pred)
        if entry is None:
            res.props.append([pred, list(objs)])
        else:
            entry[1] = list(objs)
    return op


def add(subject: str, pred: str, *objs: str) -> Op:
    """Add values to ``pred``."""
    def op(doc: Doc) -> None:
        res = doc.get(subject)
        entry = res.find(pred)
        if entry is None:
            res.props.append([pred, list(objs)])
        else:
            entry[1].extend(objs)
    return op


def drop(subject: str, pred: str, *objs: str) -> Op:
    """Remove ``pred`` (or only the given values of it)."""
    def op(doc: Doc) -> None:
        res = doc.get(subject)
        entry = res.find(pred)
        assert entry is not None, (subject, pred)
        if objs:
            for obj in objs:
                entry[1].remove(obj)
        if not objs or not entry[1]:
            res.props.remove(entry)
    return op


def new(subject: str, props: list[tuple], after: str | None = None, comment: str | None = None) -> Op:
    """Add a resource (after ``after``, or at the end)."""
    def op(doc: Doc) -> None:
        res = Resource(subject, [[p, list(o) if isinstance(o, (list, tuple)) else [o]] for p, o in props],
                       comment)
        if after is None:
            doc.resources.append(res)
        else:
            doc.resources.insert(doc.resources.index(doc.get(after)) + 1, res)
    return op


def remove(subject: str) -> Op:
    """Remove a resource (its block only; references are dropped separately)."""
    def op(doc: Doc) -> None:
        doc.resources.remove(doc.get(subject))
    return op


# --------------------------------------------------------------------------- #
# The base graph
# --------------------------------------------------------------------------- #

R, S, I = "ekg:StatedInReview", "ekg:ExternalSource", "ekg:CuratorInference"  # noqa: E741 - I for inference


def base_doc() -> Doc:
    def res(subject, *props, comment=None):
        return Resource(subject, [[p, list(o) if isinstance(o, (list, tuple)) else [o]] for p, o in props],
                        comment)

    return Doc([
        res("fx:review",
            ("a", "ekg:Review"),
            ("dcterms:title", lit("Factors in the exit from sex trafficking: a small review", "en")),
            ("ekg:year", "2021"),
            ("ekg:includesStudy", "fx:study"),
            ("ekg:hasSearch", "fx:search"),
            ("ekg:hasSelectionStep", ["fx:step-found", "fx:step-included"]),
            ("ekg:statesCount", "fx:count-included-studies"),
            ("ekg:namesModel", "fx:model"),
            comment="The review, its literature search, its selection flow and one count it states."),
        res("fx:source",
            ("a", "ekg:Source"),
            ("dcterms:title", lit("A small review, as a source", "en")),
            ("ekg:encodes", "fx:review"),
            comment="The source the review's statements belong to."),
        res("fx:search",
            ("a", "ekg:LiteratureSearch"),
            ("ekg:database", lit("Scopus")),
            ("ekg:queryString", lit("(sex* traffick*) AND (exit OR recovery)")),
            ("ekg:cutOff", '"2019-07"^^xsd:gYearMonth'),
            ("dcterms:language", lit("en"))),
        res("fx:step-found",
            ("a", "ekg:SelectionStep"),
            ("rdfs:label", lit("Records found", "en")),
            ("ekg:recordCount", "40"),
            ("ekg:stepOutcome", "ekg:identified"),
            ("ekg:order", "1"),
            ("ekg:provenance", R),
            ("ekg:locatedIn", "fx:section-figure-1")),
        res("fx:step-included",
            ("a", "ekg:SelectionStep"),
            ("rdfs:label", lit("Finally included", "en")),
            ("ekg:recordCount", "1"),
            ("ekg:stepOutcome", "ekg:retained"),
            ("ekg:fromStep", "fx:step-found"),
            ("ekg:order", "2"),
            ("ekg:provenance", R),
            ("ekg:locatedIn", "fx:section-figure-1")),
        res("fx:count-included-studies",
            ("a", "ekg:StatedCount"),
            ("ekg:countDimension", "fx:dimension-included-studies"),
            ("ekg:countUnit", "fx:unit-studies"),
            ("ekg:countValue", "1"),
            ("ekg:quote", lit("one empirical study was retained")),
            ("ekg:locatedIn", "fx:section-methods")),
        res("fx:dimension-included-studies",
            ("a", "ekg:CountDimension"),
            ("skos:prefLabel", lit("included studies", "en"))),
        res("fx:unit-studies",
            ("a", "ekg:CountUnit"),
            ("skos:prefLabel", lit("studies", "en"))),
        res("fx:section-methods",
            ("a", "ekg:ReviewSection"),
            ("rdfs:label", lit("Methods", "en")),
            ("ekg:order", "1"),
            comment="Sections of the review: one level and role heading of the Results, the others plain."),
        res("fx:section-figure-1",
            ("a", "ekg:ReviewSection"),
            ("rdfs:label", lit("Figure 1. Flow chart of the study selection process", "en")),
            ("ekg:order", "2")),
        res("fx:section-results-individual-facilitating",
            ("a", "ekg:ReviewSection"),
            ("rdfs:label", lit("Results: Individual Level, Facilitating Factors", "en")),
            ("ekg:order", "3"),
            ("ekg:sectionLevel", "ekg:individualLevel"),
            ("ekg:sectionRole", "ekg:facilitating")),
        res("fx:section-figure-2",
            ("a", "ekg:ReviewSection"),
            ("rdfs:label", lit("Figure 2. Intervening factors in the exit process", "en")),
            ("ekg:order", "4")),
        res("fx:section-figure-2-individual-facilitating",
            ("a", "ekg:ReviewSection"),
            ("rdfs:label", lit("Figure 2: Individual Level, Facilitating", "en")),
            ("ekg:order", "5"),
            ("ekg:sectionLevel", "ekg:individualLevel"),
            ("ekg:sectionRole", "ekg:facilitating"),
            ("dcterms:isPartOf", "fx:section-figure-2")),
        res("fx:study",
            ("a", "ekg:Study"),
            ("dcterms:title", lit("Leaving exploitation: a qualitative study with survivors in Nepal", "en")),
            ("ekg:year", "2017"),
            ("ekg:authorsAsPrinted", lit("Doe, J.; Roe, R.")),
            ("ekg:journalTitle", lit("Journal of Exit Studies")),
            ("ekg:citedAs", lit("Doe & Roe, 2017")),
            ("ekg:hasCharacteristic", ["fx:study-design", "fx:study-sample", "fx:study-gender",
                                       "fx:study-age-group", "fx:study-nationality", "fx:study-site",
                                       "fx:study-route", "fx:study-framework"]),
            ("ekg:hasPopulation", "fx:population-np"),
            comment="The included study, its characteristics (each with its provenance) and one population."),
        res("fx:study-design",
            ("a", "ekg:DesignCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:design", "ekg:qualitative"),
            ("ekg:provenance", R),
            ("ekg:quote", lit("a qualitative study of twenty Nepalese women"))),
        res("fx:study-sample",
            ("a", "ekg:SampleCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:sampleSize", "20"),
            ("ekg:sampleDescription", lit("20 women interviewed after leaving exploitation.")),
            ("ekg:provenance", R),
            ("ekg:quote", lit("a qualitative study of twenty Nepalese women"))),
        res("fx:study-gender",
            ("a", "ekg:GenderCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:genderComposition", "ekg:femaleOnly"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("The article's abstract describes twenty women."))),
        res("fx:study-age-group",
            ("a", "ekg:AgeGroupCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:ageGroup", "ekg:adults"),
            ("ekg:provenance", I),
            ("ekg:inferenceNote", lit("Assigned adults so that the review's age counts hold."))),
        res("fx:study-nationality",
            ("a", "ekg:NationalityCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:country", ["fx:country-np", "fx:country-in"]),
            ("ekg:provenance", R),
            ("ekg:quote", lit("women from Nepal and India"))),
        res("fx:study-site",
            ("a", "ekg:SiteCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:site", "ekg:brothels"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("The article's abstract speaks of brothels."))),
        res("fx:study-route",
            ("a", "ekg:RouteCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:route", "ekg:transnational"),
            ("ekg:provenance", I),
            ("ekg:inferenceNote", lit("Assigned transnational so that the review's route counts hold."))),
        res("fx:study-framework",
            ("a", "ekg:FrameworkCharacteristic"),
            ("ekg:inSource", "fx:source"),
            ("ekg:framework", "fx:model"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("The article's abstract frames exit on the Stages of Change model."))),
        res("fx:population-np",
            ("a", "ekg:Population"),
            ("dcterms:title", lit("Nepali sample of Doe & Roe 2017", "en")),
            ("ekg:sampleSize", "12"),
            ("ekg:country", "fx:country-np"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("Subsample size read in the article's abstract."))),
        res("fx:country-np",
            ("a", "ekg:Country"),
            ("skos:prefLabel", lit("Nepal", "en")),
            ("skos:notation", lit("NP"))),
        res("fx:country-in",
            ("a", "ekg:Country"),
            ("skos:prefLabel", lit("India", "en")),
            ("skos:notation", lit("IN"))),
        res("fx:factor-inner-resources",
            ("a", "ekg:Factor"),
            ("skos:prefLabel", lit("Inner resources", "en")),
            ("skos:narrower", "fx:factor-self-esteem"),
            ("ekg:groupingProvenance", I),
            ("skos:definition", lit("The strengths a person draws on from within.", "en")),
            ("ekg:definitionProvenance", I),
            comment="Two factors, one grouping the other, and how the review classifies each."),
        res("fx:factor-self-esteem",
            ("a", "ekg:Factor"),
            ("skos:prefLabel", lit("Self-esteem", "en")),
            ("skos:hiddenLabel", lit("self-worth", "en")),
            ("skos:definition", lit("a sense of her own worth", "en")),
            ("ekg:definitionProvenance", R),
            ("ekg:definitionLocatedIn", "fx:section-results-individual-facilitating")),
        res("fx:classification-inner-resources",
            ("a", "ekg:FactorClassification"),
            ("ekg:classifies", "fx:factor-inner-resources"),
            ("ekg:inSource", "fx:source"),
            ("ekg:level", "ekg:individualLevel"),
            ("ekg:role", "ekg:facilitating"),
            ("ekg:locatedIn", "fx:section-results-individual-facilitating"),
            ("ekg:factorLinkProvenance", I)),
        res("fx:classification-self-esteem",
            ("a", "ekg:FactorClassification"),
            ("ekg:classifies", "fx:factor-self-esteem"),
            ("ekg:inSource", "fx:source"),
            ("ekg:figureLabel", lit("Self esteem")),
            ("ekg:level", "ekg:individualLevel"),
            ("ekg:role", "ekg:facilitating"),
            ("ekg:locatedIn", "fx:section-figure-2-individual-facilitating"),
            ("ekg:factorLinkProvenance", R)),
        res("fx:finding-self-esteem",
            ("a", "ekg:Finding"),
            ("ekg:inSource", "fx:source"),
            ("rdfs:label", lit("Doe & Roe 2017: self-esteem facilitating", "en")),
            ("ekg:fromStudy", "fx:study"),
            ("ekg:aboutFactor", "fx:factor-self-esteem"),
            ("ekg:statedRole", "ekg:facilitating"),
            ("ekg:aboutAbsence", "false"),
            ("ekg:population", "fx:population-np"),
            ("ekg:quote", lit("self-esteem helps the women to leave exploitation")),
            ("ekg:locatedIn", "fx:section-results-individual-facilitating"),
            ("ekg:factorLinkProvenance", R),
            ("prov:wasDerivedFrom", "fx:review"),
            comment="A finding and a remark."),
        res("fx:remark-nepali-sample",
            ("a", "ekg:Remark"),
            ("ekg:inSource", "fx:source"),
            ("rdfs:label", lit("The review describes the sample of Doe & Roe 2017 as Nepali", "en")),
            ("ekg:fromStudy", "fx:study"),
            ("ekg:aboutFactor", "fx:factor-inner-resources"),
            ("ekg:factorLinkProvenance", I),
            ("ekg:quote", lit("one study concerns a Nepali sample")),
            ("ekg:locatedIn", "fx:section-methods"),
            ("prov:wasDerivedFrom", "fx:review")),
        res("fx:cited-work",
            ("a", "bibo:AcademicArticle"),
            ("dcterms:title", lit("Self-worth after exploitation", "en")),
            ("ekg:year", "2015"),
            ("ekg:citedAs", lit("Poe, 2015")),
            comment="A work the review cites in its discussion, and the evidence it cites it for."),
        res("fx:cited-evidence",
            ("a", "ekg:CitedEvidence"),
            ("ekg:inSource", "fx:source"),
            ("ekg:fromWork", "fx:cited-work"),
            ("ekg:aboutFactor", "fx:factor-self-esteem"),
            ("ekg:statedRole", "ekg:facilitating"),
            ("ekg:aboutAbsence", "false"),
            ("ekg:quote", lit("a sense of self-worth encourages the first steps out")),
            ("ekg:locatedIn", "fx:section-methods"),
            ("ekg:factorLinkProvenance", R),
            ("prov:wasDerivedFrom", "fx:review")),
        res("fx:model",
            ("a", "ekg:TheoreticalModel"),
            ("rdfs:label", lit("Stages of Change model", "en")),
            ("ekg:modelAuthors", lit("Prochaska, J. O.; DiClemente, C. C.")),
            ("ekg:year", "1992"),
            ("ekg:scope", "ekg:genericModel"),
            ("ekg:scopeProvenance", R),
            ("ekg:quote", lit("two are more generic")),
            ("ekg:hasComponent", ["fx:model-precontemplation", "fx:model-individual-level"]),
            ("ekg:hasLevelMapping", "fx:mapping-individual"),
            comment="A theoretical model with one stage, one level and the mapping of that level."),
        res("fx:model-precontemplation",
            ("a", "ekg:Stage"),
            ("rdfs:label", lit("precontemplation", "en")),
            ("ekg:order", "1"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("The stages as given by the model's own publication."))),
        res("fx:model-individual-level",
            ("a", "ekg:EcologicalLevel"),
            ("rdfs:label", lit("individual level", "en")),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("The levels as given by the model's own publication."))),
        res("fx:mapping-individual",
            ("a", "ekg:LevelMapping"),
            ("ekg:mapsFrom", "fx:model-individual-level"),
            ("ekg:mapsTo", "ekg:individualLevel"),
            ("ekg:provenance", I),
            ("ekg:inferenceNote", lit("The model's individual level is the review's individual level."))),
        res("fx:contradiction",
            ("a", "ekg:Contradiction"),
            ("ekg:inSource", "fx:source"),
            ("rdfs:label", lit("A grouping factor no study supports", "en")),
            ("rdfs:comment", lit("The review names inner resources but cites no study for them.", "en")),
            ("ekg:involves", ["fx:factor-inner-resources", "fx:remark-nepali-sample"]),
            ("ekg:conjecturedSource", "fx:study"),
            ("ekg:provenance", I),
            ("ekg:resolutionNote", lit("The factor is kept with no finding; the conjectured source is "
                                       "an inference, not a finding.")),
            comment="A contradiction with a conjectured source."),
    ])


# --------------------------------------------------------------------------- #
# Reusable changes
# --------------------------------------------------------------------------- #

def second_study(included: bool, population: bool = False) -> list[Op]:
    """A second complete study (optionally included by the review, optionally with a population)."""
    chars = [
        ("design", "ekg:DesignCharacteristic", "ekg:design", "ekg:quantitative"),
        ("gender", "ekg:GenderCharacteristic", "ekg:genderComposition", "ekg:femaleOnly"),
        ("age-group", "ekg:AgeGroupCharacteristic", "ekg:ageGroup", "ekg:youngAdults"),
        ("nationality", "ekg:NationalityCharacteristic", "ekg:country", "fx:country-in"),
        ("site", "ekg:SiteCharacteristic", "ekg:site", "ekg:siteUnspecified"),
        ("route", "ekg:RouteCharacteristic", "ekg:route", "ekg:national"),
    ]
    study = [
        ("a", "ekg:Study"),
        ("dcterms:title", lit("Readiness to exit among women in India", "en")),
        ("ekg:year", "2016"),
        ("ekg:authorsAsPrinted", lit("Poe, A.")),
        ("ekg:journalTitle", lit("Journal of Exit Studies")),
        ("ekg:citedAs", lit("Poe, 2016")),
        ("ekg:hasCharacteristic", [f"fx:study-2-{name}" for name, *_ in chars]),
    ]
    if population:
        study.append(("ekg:hasPopulation", "fx:population-2-in"))
    ops: list[Op] = []
    last = "fx:population-np"
    ops.append(new("fx:study-2", study, after=last, comment="A second study."))
    last = "fx:study-2"
    for name, cls, pred, value in chars:
        ops.append(new(f"fx:study-2-{name}", [
            ("a", cls), ("ekg:inSource", "fx:source"), (pred, value), ("ekg:provenance", I),
            ("ekg:inferenceNote", lit("Assigned so that the review's counts hold.")),
        ], after=last))
        last = f"fx:study-2-{name}"
    if population:
        ops.append(new("fx:population-2-in", [
            ("a", "ekg:Population"),
            ("dcterms:title", lit("Indian sample of Poe 2016", "en")),
            ("ekg:country", "fx:country-in"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("Read in the article's abstract.")),
        ], after=last))
    if included:
        ops.append(add("fx:review", "ekg:includesStudy", "fx:study-2"))
    return ops


def second_population() -> list[Op]:
    """A second population of the study."""
    return [
        add("fx:study", "ekg:hasPopulation", "fx:population-in"),
        new("fx:population-in", [
            ("a", "ekg:Population"),
            ("dcterms:title", lit("Indian sample of Doe & Roe 2017", "en")),
            ("ekg:sampleSize", "8"),
            ("ekg:country", "fx:country-in"),
            ("ekg:provenance", S),
            ("ekg:sourceNote", lit("Subsample size read in the article's abstract.")),
        ], after="fx:population-np"),
    ]


def extra_characteristic(name: str, cls: str, pred: str, value: str, after: str,
                         source: str = "fx:source") -> list[Op]:
    """A further characteristic of the study, of class ``cls``, in *source*."""
    subject = f"fx:study-{name}"
    return [
        add("fx:study", "ekg:hasCharacteristic", subject),
        new(subject, [("a", cls), ("ekg:inSource", source), (pred, value), ("ekg:provenance", I),
                      ("ekg:inferenceNote", lit("A second value, inferred by the curators."))], after=after),
    ]


def drop_characteristic(name: str) -> list[Op]:
    subject = f"fx:study-{name}"
    return [drop("fx:study", "ekg:hasCharacteristic", subject), remove(subject)]


def appraisal(*props: tuple, study: bool = True) -> list[Op]:
    """The study's appraisal with one concern (*props* instead of the concern)."""
    ops = [add("fx:study", "ekg:appraisal", "fx:appraisal")] if study else []
    return ops + [new("fx:appraisal", [("a", "ekg:Appraisal"), ("ekg:inSource", "fx:source"),
                                       *(props or [("ekg:concern", "ekg:analysisConcern")])],
                      after="fx:population-np")]


def second_source() -> list[Op]:
    """A second source, encoding nothing (curated)."""
    return [new("fx:source-2", [("a", "ekg:Source"), ("dcterms:title", lit("A second source", "en"))],
                after="fx:source")]


def review_statement(kind: str = "ekg:Limitation", subject: str = "fx:limitation", *extra: tuple) -> list[Op]:
    """A statement of the review beyond its results (by default a limitation), complete."""
    return [new(subject, [
        ("a", kind), ("ekg:inSource", "fx:source"), ("rdfs:label", lit("Only articles in English", "en")),
        ("ekg:order", "1"), ("ekg:quote", lit("the review was restricted to articles in English")),
        ("ekg:locatedIn", "fx:section-methods"), ("prov:wasDerivedFrom", "fx:review"), *extra],
        after="fx:cited-evidence")]


def stage_tie(statement: str = "fx:finding-self-esteem", stage: str = "fx:model-precontemplation") -> list[Op]:
    """The finding (or another statement) ties its factor to a stage of the model."""
    return [add(statement, "ekg:concernsStage", stage)]


# shape local name -> (valid description, valid ops, invalid description, invalid ops)
SPECS: dict[str, tuple[str, list[Op], str, list[Op]]] = {
    # Review
    "Review": (
        "a review with title, year, included study, search and named model", [],
        "the review has no publication year", [drop("fx:review", "ekg:year")]),
    "Review-title": (
        "the review has exactly one non-empty title", [],
        "the review has no title", [drop("fx:review", "dcterms:title")]),
    "Review-year": (
        "the review's year is one xsd:integer", [],
        "the review's year is a string, not an integer", [set_("fx:review", "ekg:year", lit("2021"))]),
    "Review-includesStudy": (
        "the review includes one ekg:Study", [],
        "the review also 'includes' a factor, which is not an ekg:Study",
        [add("fx:review", "ekg:includesStudy", "fx:factor-self-esteem")]),
    "Review-hasSearch": (
        "the review has exactly one ekg:LiteratureSearch", [],
        "the review's link to its literature search is removed", [drop("fx:review", "ekg:hasSearch")]),
    "Review-namesModel": (
        "the review names one ekg:TheoreticalModel", [],
        "the review also 'names' the study as a model",
        [add("fx:review", "ekg:namesModel", "fx:study")]),
    # Literature search
    "LiteratureSearch": (
        "a literature search with databases, query, cut-off and language", [],
        "the search has no cut-off month", [drop("fx:search", "ekg:cutOff")]),
    "LiteratureSearch-database": (
        "the search names two databases",
        [add("fx:search", "ekg:database", lit("Sociological Abstracts"))],
        "the search names no database", [drop("fx:search", "ekg:database")]),
    "LiteratureSearch-queryString": (
        "the search has exactly one query string", [],
        "the search has two query strings",
        [add("fx:search", "ekg:queryString", lit("sex trafficking AND survivors"))]),
    "LiteratureSearch-cutOff": (
        "the search's cut-off is one xsd:gYearMonth", [],
        "the cut-off is an xsd:date, not an xsd:gYearMonth",
        [set_("fx:search", "ekg:cutOff", '"2019-07-31"^^xsd:date')]),
    "LiteratureSearch-language": (
        "the search states its language", [],
        "the search states no language", [drop("fx:search", "dcterms:language")]),
    # Selection steps
    "SelectionStep": (
        "two complete selection steps, one drawn from the other", [],
        "the included step has no position", [drop("fx:step-included", "ekg:order")]),
    "SelectionStep-recordCount": (
        "a selection step holding zero records is allowed",
        [new("fx:step-not-obtained", [
            ("a", "ekg:SelectionStep"), ("rdfs:label", lit("Requested but not obtained", "en")),
            ("ekg:recordCount", "0"), ("ekg:stepOutcome", "ekg:excluded"), ("ekg:fromStep", "fx:step-found"),
            ("ekg:order", "3"), ("ekg:provenance", R), ("ekg:locatedIn", "fx:section-figure-1")],
            after="fx:step-included"),
         add("fx:review", "ekg:hasSelectionStep", "fx:step-not-obtained")],
        "the included step's record count is negative", [set_("fx:step-included", "ekg:recordCount", "-1")]),
    "SelectionStep-stepOutcome": (
        "each step has one outcome from the closed list", [],
        "the included step's outcome is a role (ekg:facilitating), not a selection outcome",
        [set_("fx:step-included", "ekg:stepOutcome", "ekg:facilitating")]),
    "SelectionStep-order": (
        "each step has one positive position", [],
        "the included step's position is 0", [set_("fx:step-included", "ekg:order", "0")]),
    "SelectionStep-fromStep": (
        "the included step draws from one other selection step", [],
        "the included step draws from a review section, not a selection step",
        [set_("fx:step-included", "ekg:fromStep", "fx:section-figure-1")]),
    "SelectionStep-inReview": (
        "each step is a selection step of the review", [],
        "the review no longer lists the included step",
        [drop("fx:review", "ekg:hasSelectionStep", "fx:step-included")]),
    # Stated counts
    "StatedCount": (
        "a complete stated count", [],
        "the stated count has no unit", [drop("fx:count-included-studies", "ekg:countUnit")]),
    "StatedCount-countDimension": (
        "the count has one ekg:CountDimension", [],
        "the count's dimension is a unit, not an ekg:CountDimension",
        [set_("fx:count-included-studies", "ekg:countDimension", "fx:unit-studies")]),
    "StatedCount-countUnit": (
        "the count has one ekg:CountUnit", [],
        "the count's unit is a dimension, not an ekg:CountUnit",
        [set_("fx:count-included-studies", "ekg:countUnit", "fx:dimension-included-studies")]),
    "StatedCount-countValue": (
        "a count of zero is allowed", [set_("fx:count-included-studies", "ekg:countValue", "0")],
        "the count's value is negative", [set_("fx:count-included-studies", "ekg:countValue", "-1")]),
    "StatedCount-quote": (
        "the count has exactly one quote", [],
        "the count has no quote", [drop("fx:count-included-studies", "ekg:quote")]),
    "StatedCount-locatedIn": (
        "the count is located in one review section", [],
        "the count is located in a factor, not a review section",
        [set_("fx:count-included-studies", "ekg:locatedIn", "fx:factor-self-esteem")]),
    "StatedCount-inReview": (
        "the count is stated by the review", [],
        "the review no longer states the count", [drop("fx:review", "ekg:statesCount")]),
    # Review sections
    "ReviewSection": (
        "complete review sections", [],
        "the Methods section has no label", [drop("fx:section-methods", "rdfs:label")]),
    "ReviewSection-label": (
        "each section has exactly one label", [],
        "the Methods section has two labels", [add("fx:section-methods", "rdfs:label", lit("Method", "en"))]),
    "ReviewSection-order": (
        "each section has one positive position", [],
        "the Methods section's position is 0", [set_("fx:section-methods", "ekg:order", "0")]),
    "ReviewSection-sectionLevel": (
        "the Results heading has one level from the closed list", [],
        "the Results heading's level is a role (ekg:facilitating), not a level",
        [set_("fx:section-results-individual-facilitating", "ekg:sectionLevel", "ekg:facilitating")]),
    "ReviewSection-sectionRole": (
        "the Results heading has one role from the closed list", [],
        "the Results heading's role is a level (ekg:individualLevel), not a role",
        [set_("fx:section-results-individual-facilitating", "ekg:sectionRole", "ekg:individualLevel")]),
    "ReviewSection-levelAndRole": (
        "one section names both a level and a role, the others neither", [],
        "the Figure 2 section names a level but no role",
        [set_("fx:section-figure-2", "ekg:sectionLevel", "ekg:individualLevel")]),
    # Quotes, sources
    "Quote": (
        "every quote is short", [],
        "the finding's quote has 26 words", [set_("fx:finding-self-esteem", "ekg:quote", words(26))]),
    "Quote-words": (
        "the design's quote has exactly 25 words", [set_("fx:study-design", "ekg:quote", words(25))],
        "the count's quote has 26 words", [set_("fx:count-included-studies", "ekg:quote", words(26))]),
    "Source": (
        "a complete source", [],
        "the source has no title", [drop("fx:source", "dcterms:title")]),
    "Source-title": (
        "the source has exactly one title", [],
        "the source has two titles", [add("fx:source", "dcterms:title", lit("Another title", "en"))]),
    "Source-encodes": (
        "a source that encodes no publication (curated)", [drop("fx:source", "ekg:encodes")],
        "the source encodes a factor, not a publication", [set_("fx:source", "ekg:encodes", "fx:factor-self-esteem")]),
    "InSource": (
        "every statement, classification, characteristic and contradiction is in the source", [],
        "the remark belongs to no source", [drop("fx:remark-nepali-sample", "ekg:inSource")]),
    "InSource-inSource": (
        "each belongs to exactly one source", [],
        "the finding belongs to the review, which is not a source",
        [set_("fx:finding-self-esteem", "ekg:inSource", "fx:review")]),
    # Studies
    "Study": (
        "a complete study", [],
        "the study has two titles", [add("fx:study", "dcterms:title", lit("Another title", "en"))]),
    "IncludedStudy": (
        "a second study, known from a fragment of its own text, has no year, author list or journal",
        second_study(included=False) + second_source() + [set_("fx:source-2", "ekg:encodes", "fx:study-2"),
                                                          drop("fx:study-2", "ekg:year"),
                                                          drop("fx:study-2", "ekg:authorsAsPrinted"),
                                                          drop("fx:study-2", "ekg:journalTitle")],
        "the included study has no journal title", [drop("fx:study", "ekg:journalTitle")]),
    "Study-title": (
        "the study has exactly one non-empty title", [],
        "the study's title is empty", [set_("fx:study", "dcterms:title", lit("", "en"))]),
    "Study-year": (
        "a study published in 1999", [set_("fx:study", "ekg:year", "1999")],
        "the study's year is 1850, before 1900", [set_("fx:study", "ekg:year", "1850")]),
    "Study-authors": (
        "the study has exactly one author list", [],
        "the study has no author list", [drop("fx:study", "ekg:authorsAsPrinted")]),
    "Study-journal": (
        "the study has exactly one journal title", [],
        "the study has two journal titles",
        [add("fx:study", "ekg:journalTitle", lit("Journal of Exit Research"))]),
    "Study-doi": (
        "the study has a well-formed DOI",
        [set_("fx:study", "bibo:doi", lit("10.1080/10911359.2017.1288193"))],
        "the study's DOI contains a space",
        [set_("fx:study", "bibo:doi", lit("10.1080/ 10911359.2017.1288193"))]),
    "Study-citedAs": (
        "the study is cited in two ways by the review",
        [add("fx:study", "ekg:citedAs", lit("Doe et al., 2017"))],
        "the study's in-text citation is a number, not a string",
        [set_("fx:study", "ekg:citedAs", "2017")]),
    "Study-includedBy": (
        "the study is included by the review", [],
        "a factor 'includes' the study; what includes a study must be a review",
        [add("fx:factor-self-esteem", "ekg:includesStudy", "fx:study")]),
    "Study-includedOrEncoded": (
        "a second study, included by no review, is the publication a second source encodes",
        second_study(included=False) + second_source() + [set_("fx:source-2", "ekg:encodes", "fx:study-2")],
        "a second, otherwise complete study is neither included by a review nor encoded by a source",
        second_study(included=False)),
    "Study-design": (
        "the study has exactly one design characteristic", [],
        "the study's design characteristic is removed", drop_characteristic("design")),
    "Study-gender": (
        "the study has a gender characteristic", [],
        "the study's gender characteristic is removed", drop_characteristic("gender")),
    "Study-ageGroup": (
        "the study has exactly one age-group characteristic", [],
        "the study's age-group characteristic is removed", drop_characteristic("age-group")),
    "Study-nationality": (
        "the study has a nationality characteristic", [],
        "the study's nationality characteristic is removed", drop_characteristic("nationality")),
    "Study-site": (
        "the study has exactly one site characteristic", [],
        "the study's site characteristic is removed", drop_characteristic("site")),
    "Study-route": (
        "the study has a route characteristic", [],
        "the study's route characteristic is removed", drop_characteristic("route")),
    "Study-hasCharacteristic": (
        "every characteristic of the study is an ekg:Characteristic", [],
        "the study's population is also given as a characteristic",
        [add("fx:study", "ekg:hasCharacteristic", "fx:population-np")]),
    "Study-hasPopulation": (
        "the study's population is an ekg:Population", [],
        "a country is given as a population of the study",
        [add("fx:study", "ekg:hasPopulation", "fx:country-in")]),
    "Study-oneCharacteristicPerSource": (
        "a second source gives the study a gender composition of its own",
        second_source() + extra_characteristic("gender-2", "ekg:GenderCharacteristic", "ekg:genderComposition",
                                               "ekg:mixedGender", "fx:study-gender", source="fx:source-2"),
        "one source gives the study two gender compositions",
        extra_characteristic("gender-2", "ekg:GenderCharacteristic", "ekg:genderComposition",
                             "ekg:mixedGender", "fx:study-gender")),
    "Study-notAfterCutOff": (
        "a study published in 2019, the year of the search's cut-off", [set_("fx:study", "ekg:year", "2019")],
        "the study's year is 2020, after the search's cut-off of 2019-07", [set_("fx:study", "ekg:year", "2020")]),
    # Characteristics and provenance
    "Characteristic": (
        "every characteristic belongs to the study", [],
        "a framework characteristic belongs to no study",
        [new("fx:orphan-framework", [
            ("a", "ekg:FrameworkCharacteristic"), ("ekg:framework", "fx:model"), ("ekg:provenance", I),
            ("ekg:inferenceNote", lit("A framework assignment left without its study."))],
            after="fx:study-framework")]),
    "Characteristic-ofStudy": (
        "each characteristic belongs to exactly one study", [],
        "the population also claims the study's site characteristic",
        [add("fx:population-np", "ekg:hasCharacteristic", "fx:study-site")]),
    "Characteristic-provenance": (
        "every characteristic states its provenance", [],
        "the site characteristic states no provenance at all",
        [drop("fx:study-site", "ekg:provenance"), drop("fx:study-site", "ekg:sourceNote")]),
    "Provenanced": (
        "values stated in the review, read in an external source and inferred by the curators", [],
        "the inferred age group has no inference note",
        [drop("fx:study-age-group", "ekg:inferenceNote")]),
    "Provenanced-provenance": (
        "each value has one provenance from the closed list", [],
        "the age group's provenance is a role (ekg:facilitating), not a provenance kind",
        [set_("fx:study-age-group", "ekg:provenance", "ekg:facilitating")]),
    "Provenanced-sourceNote": (
        "the externally sourced values have non-empty source notes", [],
        "the gender composition's source note is empty", [set_("fx:study-gender", "ekg:sourceNote", lit(""))]),
    "Provenanced-inferenceNote": (
        "the inferred values have non-empty inference notes", [],
        "the age group's inference note is empty", [set_("fx:study-age-group", "ekg:inferenceNote", lit(""))]),
    "Provenanced-statedHasQuote": (
        "a value stated in the review located by its section instead of a quote",
        [drop("fx:study-design", "ekg:quote"), set_("fx:study-design", "ekg:locatedIn", "fx:section-methods")],
        "the design is stated in the review but has neither a quote nor a location",
        [drop("fx:study-design", "ekg:quote")]),
    "Provenanced-externalHasNote": (
        "the externally sourced values name their source", [],
        "the gender composition comes from an external source but has no source note",
        [drop("fx:study-gender", "ekg:sourceNote")]),
    "Provenanced-inferredHasNote": (
        "inferred values with an inference note, and a contradiction explained by its encoding note", [],
        "the route is a curator inference but has no inference note",
        [drop("fx:study-route", "ekg:inferenceNote")]),
    # Characteristic kinds
    "DesignCharacteristic": (
        "a complete design characteristic", [],
        "the design characteristic has no design", [drop("fx:study-design", "ekg:design")]),
    "DesignCharacteristic-design": (
        "a mixed-methods design", [set_("fx:study-design", "ekg:design", "ekg:mixedMethods")],
        "the design is an age group (ekg:adults), not a design",
        [set_("fx:study-design", "ekg:design", "ekg:adults")]),
    "SampleCharacteristic": (
        "a complete sample characteristic", [],
        "the sample characteristic has no description", [drop("fx:study-sample", "ekg:sampleDescription")]),
    "SampleCharacteristic-sampleSize": (
        "a sample characteristic without a size is allowed", [drop("fx:study-sample", "ekg:sampleSize")],
        "the sample size is 0", [set_("fx:study-sample", "ekg:sampleSize", "0")]),
    "SampleCharacteristic-sampleDescription": (
        "the sample has exactly one description", [],
        "the sample has two descriptions",
        [add("fx:study-sample", "ekg:sampleDescription", lit("Twenty survivors."))]),
    "GenderCharacteristic": (
        "a complete gender characteristic", [],
        "the gender characteristic has no composition",
        [drop("fx:study-gender", "ekg:genderComposition")]),
    "GenderCharacteristic-genderComposition": (
        "a mixed-gender composition", [set_("fx:study-gender", "ekg:genderComposition", "ekg:mixedGender")],
        "the composition is a participant gender (ekg:women), not a composition",
        [set_("fx:study-gender", "ekg:genderComposition", "ekg:women")]),
    "GenderCharacteristic-womenCount": (
        "the gender characteristic counts 20 women", [set_("fx:study-gender", "ekg:womenCount", "20")],
        "the number of women is negative", [set_("fx:study-gender", "ekg:womenCount", "-1")]),
    "GenderCharacteristic-menCount": (
        "the gender characteristic counts 0 men", [set_("fx:study-gender", "ekg:menCount", "0")],
        "the gender characteristic has two numbers of men",
        [set_("fx:study-gender", "ekg:menCount", "0", "2")]),
    "GenderCharacteristic-transgenderWomenCount": (
        "the gender characteristic counts 0 transgender women",
        [set_("fx:study-gender", "ekg:transgenderWomenCount", "0")],
        "the number of transgender women is a decimal, not an integer",
        [set_("fx:study-gender", "ekg:transgenderWomenCount", "1.5")]),
    "AgeGroupCharacteristic": (
        "a complete age-group characteristic", [],
        "the age-group characteristic has no age group", [drop("fx:study-age-group", "ekg:ageGroup")]),
    "AgeGroupCharacteristic-ageGroup": (
        "young adults and adults", [set_("fx:study-age-group", "ekg:ageGroup", "ekg:youngAdultsAndAdults")],
        "the age group is a gender composition (ekg:femaleOnly), not an age group",
        [set_("fx:study-age-group", "ekg:ageGroup", "ekg:femaleOnly")]),
    "NationalityCharacteristic": (
        "a complete nationality characteristic", [],
        "the nationality characteristic names no country", [drop("fx:study-nationality", "ekg:country")]),
    "NationalityCharacteristic-country": (
        "the nationality names two countries, each an ekg:Country", [],
        "the nationality names a world region, not an ekg:Country",
        [set_("fx:study-nationality", "ekg:country", "fx:region-asia")]),
    "SiteCharacteristic": (
        "a complete site characteristic", [],
        "the site characteristic has no site", [drop("fx:study-site", "ekg:site")]),
    "SiteCharacteristic-site": (
        "a street site", [set_("fx:study-site", "ekg:site", "ekg:outdoorStreet")],
        "the site is the broader concept ekg:indoor, which is not in the closed list",
        [set_("fx:study-site", "ekg:site", "ekg:indoor")]),
    "RouteCharacteristic": (
        "a complete route characteristic", [],
        "the route characteristic has no route", [drop("fx:study-route", "ekg:route")]),
    "RouteCharacteristic-route": (
        "an unspecified route", [set_("fx:study-route", "ekg:route", "ekg:routeUnspecified")],
        "the route is an unspecified site (ekg:siteUnspecified), not a route",
        [set_("fx:study-route", "ekg:route", "ekg:siteUnspecified")]),
    "FrameworkCharacteristic": (
        "a complete framework characteristic", [],
        "the framework characteristic names no model", [drop("fx:study-framework", "ekg:framework")]),
    "FrameworkCharacteristic-framework": (
        "the framework is one ekg:TheoreticalModel", [],
        "the framework is a stage of the model, not a theoretical model",
        [set_("fx:study-framework", "ekg:framework", "fx:model-precontemplation")]),
    # Populations and countries
    "Population": (
        "a complete population", [],
        "the population has no title", [drop("fx:population-np", "dcterms:title")]),
    "Population-title": (
        "the population has exactly one title", [],
        "the population has two titles",
        [add("fx:population-np", "dcterms:title", lit("Nepali women", "en"))]),
    "Population-sampleSize": (
        "a population without a size is allowed", [drop("fx:population-np", "ekg:sampleSize")],
        "the population's size is 0", [set_("fx:population-np", "ekg:sampleSize", "0")]),
    "Population-country": (
        "the population's country is an ekg:Country", [],
        "the population's country is a world region, not an ekg:Country",
        [set_("fx:population-np", "ekg:country", "fx:region-asia")]),
    "Population-ofStudy": (
        "the population belongs to exactly one study", [],
        "a second population belongs to no study",
        [new("fx:population-in", [
            ("a", "ekg:Population"), ("dcterms:title", lit("Indian sample of Doe & Roe 2017", "en")),
            ("ekg:country", "fx:country-in"), ("ekg:provenance", S),
            ("ekg:sourceNote", lit("Read in the article's abstract."))], after="fx:population-np")]),
    "Population-provenance": (
        "the population states its provenance", [],
        "the population states no provenance at all",
        [drop("fx:population-np", "ekg:provenance"), drop("fx:population-np", "ekg:sourceNote")]),
    # Appraisals of a study's methods
    "Appraisal": (
        "a study's appraisal with one concern", appraisal(),
        "the appraisal is in no source", appraisal(("ekg:concern", "ekg:analysisConcern"))[:1] + [
            new("fx:appraisal", [("a", "ekg:Appraisal"), ("ekg:concern", "ekg:analysisConcern")],
                after="fx:population-np")]),
    "Appraisal-inSource": (
        "the appraisal is in exactly one source", appraisal(),
        "the appraisal is in no source", [add("fx:study", "ekg:appraisal", "fx:appraisal"),
                                           new("fx:appraisal", [("a", "ekg:Appraisal")], after="fx:population-np")]),
    "Appraisal-concern": (
        "an appraisal that records no concern", appraisal(("rdfs:comment", lit("No concern found.", "en"))),
        "the concern is a study design, not a methodological concern",
        appraisal(("ekg:concern", "ekg:qualitative"))),
    "Appraisal-ofStudy": (
        "the appraisal is a study's", appraisal(),
        "the appraisal is no study's", appraisal(study=False)),
    "Country": (
        "complete countries", [],
        "a country has no ISO code", [drop("fx:country-in", "skos:notation")]),
    "Country-prefLabel": (
        "a country labelled in two languages", [add("fx:country-np", "skos:prefLabel", lit("Nepal", "de"))],
        "a country's label has no language tag", [set_("fx:country-np", "skos:prefLabel", lit("Nepal"))]),
    "Country-notation": (
        "each country has one two-letter capital code", [],
        "a country's code is in lower case", [set_("fx:country-np", "skos:notation", lit("np"))]),
    # Factors
    "Factor": (
        "two complete factors", [],
        "a factor has no preferred label", [drop("fx:factor-self-esteem", "skos:prefLabel")]),
    "Factor-prefLabel": (
        "a factor labelled in two languages",
        [add("fx:factor-self-esteem", "skos:prefLabel", lit("Autostima", "it"))],
        "a factor has two English preferred labels",
        [add("fx:factor-self-esteem", "skos:prefLabel", lit("Self-worth", "en"))]),
    "Factor-classified": (
        "each factor is classified by the review", [],
        "a third factor is classified by no source",
        [new("fx:factor-hope", [("a", "ekg:Factor"), ("skos:prefLabel", lit("Hope", "en"))],
             after="fx:factor-self-esteem")]),
    "Factor-narrower": (
        "the grouping factor groups a factor", [],
        "the grouping factor also groups a country",
        [add("fx:factor-inner-resources", "skos:narrower", "fx:country-np")]),
    "Factor-broader": (
        "a factor grouped under a factor (skos:broader)",
        [set_("fx:factor-self-esteem", "skos:broader", "fx:factor-inner-resources")],
        "a factor is grouped under a level (ekg:individualLevel), not a factor",
        [set_("fx:factor-self-esteem", "skos:broader", "ekg:individualLevel")]),
    "Factor-groupingProvenance": (
        "the grouping is stated in the review",
        [set_("fx:factor-inner-resources", "ekg:groupingProvenance", R)],
        "the grouping's provenance is a role (ekg:facilitating), not a provenance kind",
        [set_("fx:factor-inner-resources", "ekg:groupingProvenance", "ekg:facilitating")]),
    "Factor-groupingHasProvenance": (
        "the grouping factor states the provenance of its grouping", [],
        "the grouping factor does not state the provenance of its grouping",
        [drop("fx:factor-inner-resources", "ekg:groupingProvenance")]),
    "Factor-definition": (
        "each factor has one English definition", [],
        "a factor has a second definition, in Italian",
        [add("fx:factor-self-esteem", "skos:definition", lit("il senso del proprio valore", "it"))]),
    "Factor-defined": (
        "each factor has a definition", [],
        "a factor has no definition",
        [drop("fx:factor-inner-resources", "skos:definition"), drop("fx:factor-inner-resources", "ekg:definitionProvenance")]),
    "Factor-definitionProvenance": (
        "a definition the curators wrote, located nowhere",
        [set_("fx:factor-self-esteem", "ekg:definitionProvenance", I), drop("fx:factor-self-esteem", "ekg:definitionLocatedIn")],
        "a definition said to come from an external source",
        [set_("fx:factor-self-esteem", "ekg:definitionProvenance", S)]),
    "Factor-definitionLocatedIn": (
        "the review's definition names the heading it stands under", [],
        "the review's definition is located in a study, not a section",
        [set_("fx:factor-self-esteem", "ekg:definitionLocatedIn", "fx:study")]),
    "Factor-definitionHasProvenance": (
        "each definition states its provenance", [],
        "a definition does not say whose words it is",
        [drop("fx:factor-inner-resources", "ekg:definitionProvenance")]),
    "Factor-statedDefinitionWords": (
        "the review's definition has exactly 25 words, and the curators' 26",
        [set_("fx:factor-self-esteem", "skos:definition", words(25, "en")),
         set_("fx:factor-inner-resources", "skos:definition", words(26, "en"))],
        "the review's definition has 26 words",
        [set_("fx:factor-self-esteem", "skos:definition", words(26, "en"))]),
    # Hierarchies (lint warnings)
    "Hierarchy": (
        "classes and factors form trees", [],
        "two classes are subclasses of each other",
        [new("fx:ClassA", [("rdfs:subClassOf", "fx:ClassB")]), new("fx:ClassB", [("rdfs:subClassOf", "fx:ClassA")])]),
    "Hierarchy-subClassCycle": (
        "a chain of subclasses without a cycle",
        [new("fx:ClassA", [("rdfs:subClassOf", "fx:ClassB")]), new("fx:ClassB", [("rdfs:subClassOf", "fx:ClassC")])],
        "three classes in a cycle of subclasses",
        [new("fx:ClassA", [("rdfs:subClassOf", "fx:ClassB")]), new("fx:ClassB", [("rdfs:subClassOf", "fx:ClassC")]),
         new("fx:ClassC", [("rdfs:subClassOf", "fx:ClassA")])]),
    "Hierarchy-groupingCycle": (
        "a factor grouped under the factor that groups it, said both ways",
        [set_("fx:factor-self-esteem", "skos:broader", "fx:factor-inner-resources")],
        "the grouping factor is also grouped under the factor it groups",
        [set_("fx:factor-inner-resources", "skos:broader", "fx:factor-self-esteem")]),
    # Classifications
    "FactorClassification": (
        "two complete classifications", [],
        "a classification has no role", [drop("fx:classification-self-esteem", "ekg:role")]),
    "FactorClassification-classifies": (
        "each classification classifies one factor", [],
        "a classification classifies a study, not a factor",
        [set_("fx:classification-self-esteem", "ekg:classifies", "fx:study")]),
    "FactorClassification-level": (
        "a relational factor, under a relational heading",
        [set_("fx:classification-inner-resources", "ekg:level", "ekg:relationalLevel"),
         set_("fx:section-results-individual-facilitating", "ekg:sectionLevel", "ekg:relationalLevel")],
        "a classification's level is a role (ekg:facilitating), not a level",
        [set_("fx:classification-self-esteem", "ekg:level", "ekg:facilitating")]),
    "FactorClassification-role": (
        "a factor classified as controversial, under no heading",
        [set_("fx:classification-inner-resources", "ekg:role", "ekg:controversial"),
         set_("fx:classification-inner-resources", "ekg:locatedIn", "fx:section-methods")],
        "a classification has two roles",
        [set_("fx:classification-self-esteem", "ekg:role", "ekg:facilitating", "ekg:hindering")]),
    "FactorClassification-figureLabel": (
        "a classification with the label the figure prints", [],
        "a classification's printed label is empty",
        [set_("fx:classification-self-esteem", "ekg:figureLabel", lit(""))]),
    "FactorClassification-locatedIn": (
        "each classification is located in a section", [],
        "a classification is located in a study, not a section",
        [set_("fx:classification-self-esteem", "ekg:locatedIn", "fx:study")]),
    "FactorClassification-factorLinkProvenance": (
        "each classification says whether the review names the factor", [],
        "a classification does not say whether the review names the factor",
        [drop("fx:classification-self-esteem", "ekg:factorLinkProvenance")]),
    "FactorClassification-agreesWithLocation": (
        "a classification located in a section with no level or role",
        [set_("fx:classification-self-esteem", "ekg:locatedIn", "fx:section-figure-2")],
        "a classification says hindering but stands in a facilitating box",
        [set_("fx:classification-self-esteem", "ekg:role", "ekg:hindering")]),
    "FactorClassification-onePerSource": (
        "a second source classifies a factor differently",
        second_source() + [new("fx:classification-self-esteem-2", [
            ("a", "ekg:FactorClassification"), ("ekg:classifies", "fx:factor-self-esteem"),
            ("ekg:inSource", "fx:source-2"), ("ekg:level", "ekg:relationalLevel"), ("ekg:role", "ekg:hindering"),
            ("ekg:locatedIn", "fx:section-methods"), ("ekg:factorLinkProvenance", R)],
            after="fx:classification-self-esteem")],
        "the review classifies a factor twice",
        [new("fx:classification-self-esteem-2", [
            ("a", "ekg:FactorClassification"), ("ekg:classifies", "fx:factor-self-esteem"),
            ("ekg:inSource", "fx:source"), ("ekg:level", "ekg:individualLevel"), ("ekg:role", "ekg:facilitating"),
            ("ekg:locatedIn", "fx:section-methods"), ("ekg:factorLinkProvenance", R)],
            after="fx:classification-self-esteem")]),
    # Statements
    "Statement": (
        "a complete finding and a complete remark", [],
        "the remark has no quote", [drop("fx:remark-nepali-sample", "ekg:quote")]),
    "Statement-quote": (
        "each statement has exactly one quote", [],
        "the remark has two quotes",
        [add("fx:remark-nepali-sample", "ekg:quote", lit("a Nepali sample"))]),
    "Statement-locatedIn": (
        "each statement is located in exactly one section", [],
        "the remark is located in two sections",
        [add("fx:remark-nepali-sample", "ekg:locatedIn", "fx:section-figure-1")]),
    "Statement-fromStudy": (
        "the remark cites one ekg:Study", [],
        "the remark cites a theoretical model as its study",
        [set_("fx:remark-nepali-sample", "ekg:fromStudy", "fx:model")]),
    "Statement-aboutFactor": (
        "the remark is about one ekg:Factor", [],
        "the remark is about a study, not a factor",
        [set_("fx:remark-nepali-sample", "ekg:aboutFactor", "fx:study")]),
    "Statement-derivedFrom": (
        "each statement is derived from the review", [],
        "the remark is not derived from the review",
        [drop("fx:remark-nepali-sample", "prov:wasDerivedFrom")]),
    "Statement-factorLinkProvenance": (
        "the links to factors are stated in the review or inferred by the curators", [],
        "the remark's link to its factor claims an external source",
        [set_("fx:remark-nepali-sample", "ekg:factorLinkProvenance", S)]),
    "Statement-factorValue": (
        "a finding names the value of its factor",
        [set_("fx:finding-self-esteem", "ekg:factorValue", lit("regained"))],
        "a finding names an empty value of its factor",
        [set_("fx:finding-self-esteem", "ekg:factorValue", lit(""))]),
    "Statement-factorLinkHasProvenance": (
        "each statement about a factor states the provenance of that link", [],
        "the remark is about a factor but does not state the provenance of that link",
        [drop("fx:remark-nepali-sample", "ekg:factorLinkProvenance")]),
    # Role assertions: findings and cited evidence
    "RoleAssertion": (
        "a complete finding and a complete piece of cited evidence", [],
        "the finding does not say whether it is about the factor's absence",
        [drop("fx:finding-self-esteem", "ekg:aboutAbsence")]),
    "RoleAssertion-aboutFactor": (
        "each role assertion is about exactly one factor", [],
        "the cited evidence is about no factor", [drop("fx:cited-evidence", "ekg:aboutFactor")]),
    "RoleAssertion-statedRole": (
        "a hindering finding about the factor's absence",
        [set_("fx:finding-self-esteem", "ekg:statedRole", "ekg:hindering"),
         set_("fx:finding-self-esteem", "ekg:aboutAbsence", "true"),
         set_("fx:finding-self-esteem", "ekg:quote", lit("the lack of self-esteem makes it difficult to leave"))],
        "the finding states the role ekg:controversial",
        [set_("fx:finding-self-esteem", "ekg:statedRole", "ekg:controversial")]),
    "RoleAssertion-aboutAbsence": (
        "cited evidence about the factor's absence, worded as a barrier",
        [set_("fx:cited-evidence", "ekg:statedRole", "ekg:hindering"),
         set_("fx:cited-evidence", "ekg:aboutAbsence", "true"),
         set_("fx:cited-evidence", "ekg:quote", lit("without self-worth the women return to the brothels"))],
        "aboutAbsence is the string \"false\", not an xsd:boolean",
        [set_("fx:finding-self-esteem", "ekg:aboutAbsence", lit("false"))]),
    "RoleAssertion-quoteWordingNote": (
        "a quote without a role word, with a note on why",
        [set_("fx:finding-self-esteem", "ekg:quote", lit("self-esteem, in the words of the women, was the turning point")),
         set_("fx:finding-self-esteem", "ekg:quoteWordingNote", lit("The role is in the next sentence."))],
        "a note on the quote's wording that is empty",
        [set_("fx:finding-self-esteem", "ekg:quoteWordingNote", lit(""))]),
    "RoleAssertion-quoteNamesFactorAndRole": (
        "a quote naming the factor by a hidden label (the source's word for it) and a role word",
        [set_("fx:finding-self-esteem", "ekg:quote", lit("regaining self-worth helped them to leave"))],
        "a quote that names the factor but no word of the role it states",
        [set_("fx:finding-self-esteem", "ekg:quote", lit("self-esteem was discussed by every woman"))]),
    "CitedEvidence": (
        "a complete piece of cited evidence", [],
        "the cited evidence names no cited work", [drop("fx:cited-evidence", "ekg:fromWork")]),
    "CitedEvidence-fromWork": (
        "the cited evidence names one cited work", [],
        "the cited evidence names a factor as its work",
        [set_("fx:cited-evidence", "ekg:fromWork", "fx:factor-self-esteem")]),
    "CitedEvidence-noStudy": (
        "the cited evidence names no included study", [],
        "the cited evidence also names an included study",
        [set_("fx:cited-evidence", "ekg:fromStudy", "fx:study")]),
    # Findings
    "Finding": (
        "a complete finding", [],
        "the finding cites no study", [drop("fx:finding-self-esteem", "ekg:fromStudy")]),
    "Finding-fromStudy": (
        "the finding cites exactly one study", [],
        "the finding cites no study", [drop("fx:finding-self-esteem", "ekg:fromStudy")]),
    "Finding-population": (
        "the finding is restricted to one population of its study", [],
        "the finding is restricted to both populations of its study",
        second_population() + [add("fx:finding-self-esteem", "ekg:population", "fx:population-in")]),
    "Finding-locatedIn": (
        "the finding is located in a section of the review", [],
        "the finding is 'located in' the study, which is no section",
        [set_("fx:finding-self-esteem", "ekg:locatedIn", "fx:study")]),
    "Finding-underResultsHeading": (
        "the review's finding is located under a level and role heading of the Results", [],
        "the review's finding is located in the Methods section, which names no level",
        [set_("fx:finding-self-esteem", "ekg:locatedIn", "fx:section-methods")]),
    "Finding-populationOfStudy": (
        "the finding's population belongs to the study it cites", [],
        "the finding's population belongs to another study",
        second_study(included=True, population=True)
        + [set_("fx:finding-self-esteem", "ekg:population", "fx:population-2-in")]),
    # Theoretical models
    "TheoreticalModel": (
        "a complete theoretical model", [],
        "the model has no scope", [drop("fx:model", "ekg:scope")]),
    "TheoreticalModel-label": (
        "the model has exactly one label", [],
        "the model has two labels", [add("fx:model", "rdfs:label", lit("Transtheoretical model", "en"))]),
    "TheoreticalModel-authors": (
        "the model has exactly one author list", [],
        "the model has no author list", [drop("fx:model", "ekg:modelAuthors")]),
    "TheoreticalModel-year": (
        "the model's year is one integer", [],
        "the model's year is an xsd:gYear, not an integer",
        [set_("fx:model", "ekg:year", '"1992"^^xsd:gYear')]),
    "TheoreticalModel-scope": (
        "a model specific to sex trafficking", [set_("fx:model", "ekg:scope", "ekg:traffickingSpecificModel")],
        "the model's scope is a provenance kind, not a scope",
        [set_("fx:model", "ekg:scope", R)]),
    "TheoreticalModel-scopeProvenance": (
        "the scope is a curator inference", [set_("fx:model", "ekg:scopeProvenance", I)],
        "the scope's provenance is a scope (ekg:genericModel), not a provenance kind",
        [set_("fx:model", "ekg:scopeProvenance", "ekg:genericModel")]),
    "TheoreticalModel-namedBy": (
        "the model is named by the review", [],
        "the review no longer names the model", [drop("fx:review", "ekg:namesModel")]),
    "TheoreticalModel-hasComponent": (
        "the model's components are a stage and a level", [],
        "the model's level mapping is also given as a component",
        [add("fx:model", "ekg:hasComponent", "fx:mapping-individual")]),
    "TheoreticalModel-integrates": (
        "a second model integrates the first",
        [add("fx:review", "ekg:namesModel", "fx:model-integrated"),
         new("fx:model-integrated", [
             ("a", "ekg:TheoreticalModel"), ("rdfs:label", lit("Integrated model of exit", "en")),
             ("ekg:modelAuthors", lit("Poe, A.")), ("ekg:year", "2015"),
             ("ekg:scope", "ekg:traffickingSpecificModel"), ("ekg:scopeProvenance", R),
             ("ekg:integrates", "fx:model")], after="fx:mapping-individual")],
        "the model integrates a study",
        [add("fx:model", "ekg:integrates", "fx:study")]),
    "ModelComponent": (
        "two complete model components", [],
        "the stage has no label", [drop("fx:model-precontemplation", "rdfs:label")]),
    "ModelComponent-label": (
        "each component has exactly one label", [],
        "the stage has two labels",
        [add("fx:model-precontemplation", "rdfs:label", lit("pre-contemplation", "en"))]),
    "ModelComponent-ofModel": (
        "each component belongs to exactly one model", [],
        "the model no longer lists the stage among its components",
        [drop("fx:model", "ekg:hasComponent", "fx:model-precontemplation")]),
    "ModelComponent-provenance": (
        "each component states where it comes from", [],
        "the stage does not state where it comes from",
        [drop("fx:model-precontemplation", "ekg:provenance"),
         drop("fx:model-precontemplation", "ekg:sourceNote")]),
    "Stage": (
        "a complete stage", [],
        "the stage has no position", [drop("fx:model-precontemplation", "ekg:order")]),
    "Stage-order": (
        "the stage has one positive position", [],
        "the stage's position is 0", [set_("fx:model-precontemplation", "ekg:order", "0")]),
    "LevelMapping": (
        "a complete level mapping", [],
        "the mapping maps to no level", [drop("fx:mapping-individual", "ekg:mapsTo")]),
    "LevelMapping-mapsFrom": (
        "the mapping maps from one model component", [],
        "the mapping maps from the model itself, not a model component",
        [set_("fx:mapping-individual", "ekg:mapsFrom", "fx:model")]),
    "LevelMapping-mapsTo": (
        "the mapping maps to one of the review's levels", [],
        "the mapping maps to a role (ekg:facilitating), not a level",
        [set_("fx:mapping-individual", "ekg:mapsTo", "ekg:facilitating")]),
    "LevelMapping-provenance": (
        "the mapping states its provenance", [],
        "the mapping does not state its provenance",
        [drop("fx:mapping-individual", "ekg:provenance"), drop("fx:mapping-individual", "ekg:inferenceNote")]),
    # Contradictions
    "Contradiction": (
        "a complete contradiction", [],
        "the contradiction has no label", [drop("fx:contradiction", "rdfs:label")]),
    "Contradiction-label": (
        "the contradiction has exactly one label", [],
        "the contradiction has two labels",
        [add("fx:contradiction", "rdfs:label", lit("Inner resources without a study", "en"))]),
    "Contradiction-comment": (
        "the contradiction has exactly one description", [],
        "the contradiction has no description", [drop("fx:contradiction", "rdfs:comment")]),
    "Contradiction-involves": (
        "the contradiction names the resources holding its sides", [],
        "the contradiction names no resource", [drop("fx:contradiction", "ekg:involves")]),
    "Contradiction-resolutionNote": (
        "the contradiction says once how the graph encodes it", [],
        "the contradiction has two encoding notes",
        [add("fx:contradiction", "ekg:resolutionNote", lit("Kept as data."))]),
    "Contradiction-conjecturedSource": (
        "the conjectured source is an ekg:Study", [],
        "the conjectured source is a factor, not a study",
        [set_("fx:contradiction", "ekg:conjecturedSource", "fx:factor-self-esteem")]),
    "Contradiction-conjectureIsInferred": (
        "the contradiction with a conjectured source is marked as a curator inference", [],
        "the contradiction conjectures a source but is not marked as a curator inference",
        [drop("fx:contradiction", "ekg:provenance")]),
    # Statements of the review beyond its results, and ties of a factor to a stage
    "ReviewStatement": (
        "a complete limitation", review_statement(),
        "the limitation has no label", review_statement() + [drop("fx:limitation", "rdfs:label")]),
    "ReviewStatement-label": (
        "an inclusion criterion with one label", review_statement("ekg:InclusionCriterion", "fx:criterion"),
        "the limitation has two labels",
        review_statement() + [add("fx:limitation", "rdfs:label", lit("English only", "en"))]),
    "ReviewStatement-order": (
        "a quality statement without a position", review_statement("ekg:QualityStatement", "fx:quality")
        + [drop("fx:quality", "ekg:order")],
        "the limitation's position is 0", review_statement() + [set_("fx:limitation", "ekg:order", "0")]),
    "ReviewStatement-kind": (
        "a recommendation", review_statement("ekg:Recommendation", "fx:recommendation"),
        "an eligibility criterion that is neither an inclusion nor an exclusion criterion",
        review_statement("ekg:EligibilityCriterion", "fx:criterion")),
    "UncitedClaim": (
        "a claim that cites nothing", review_statement("ekg:UncitedClaim", "fx:claim"),
        "the claim without a citation cites the study",
        review_statement("ekg:UncitedClaim", "fx:claim", ("ekg:fromStudy", "fx:study"))),
    "UncitedClaim-noCitation": (
        "a claim about a factor that cites nothing",
        review_statement("ekg:UncitedClaim", "fx:claim", ("ekg:aboutFactor", "fx:factor-self-esteem"),
                         ("ekg:factorLinkProvenance", R)),
        "the claim without a citation cites a work",
        review_statement("ekg:UncitedClaim", "fx:claim", ("ekg:fromWork", "fx:cited-work"))),
    "StageTie": (
        "the finding ties its factor to the first stage of the model", stage_tie(),
        "the finding ties its factor to the model itself", stage_tie(stage="fx:model")),
    "StageTie-concernsStage": (
        "the finding ties its factor to a stage", stage_tie(),
        "the finding ties its factor to a level of the model, not a stage",
        stage_tie(stage="fx:model-individual-level")),
    "StageTie-aboutFactor": (
        "the finding that names a stage is about a factor", stage_tie(),
        "a limitation about no factor names a stage",
        review_statement() + stage_tie("fx:limitation")),
}



# --------------------------------------------------------------------------- #
# Building cases
# --------------------------------------------------------------------------- #



def build(name: str | None = None, kind: str = "valid") -> str:
    """The Turtle text of the base graph (``name=None``) or of one case of one shape."""
    doc = Doc(copy.deepcopy(base_doc().resources))
    if name is None:
        return doc.render(["The base graph of the SHACL test cases."])
    valid_desc, valid_ops, invalid_desc, invalid_ops = SPECS[name]
    ops, desc = (valid_ops, valid_desc) if kind == "valid" else (invalid_ops, invalid_desc)
    for op in ops:
        op(doc)
    return doc.render([f"ekgsh:{name}, {kind} case: {desc}."])


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] == "base":
        sys.stdout.write(build())
    else:
        sys.stdout.write(build(args[0], args[1] if len(args) > 1 else "invalid"))
