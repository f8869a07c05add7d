"""Check that every quotation in the graph occurs verbatim in the review text.

The literals of ``ekg:quote`` and ``ekg:citedAs``, and the definitions of factors in the review's
own words (``skos:definition`` of a factor whose ``ekg:definitionProvenance`` is
``ekg:StatedInReview``), must appear in the source text after whitespace normalisation: every run
of whitespace (spaces, tabs, newlines, ...) becomes one space, in both the quote and the source, and
leading/trailing whitespace is dropped. Nothing else is normalised: case,
punctuation, curly quotes and dashes must match exactly.

Quotes hold the published wording. Our plain-text copy of the review marks up the numbers it
prints in parentheses as inline formulas (``( $n = 8$ )`` where the article prints ``(n = 8)``);
:func:`published_wording` removes that markup from the copy before quotes are looked up in it.
"""

from __future__ import annotations

import json
import os
import re
from typing import NamedTuple

from exitkg.core import errors
from exitkg.core.errors import InputError
from exitkg.rdf.namespaces import EKG_ID, QUOTE_PROPERTIES, SKOS, compact, local_name

_WHITESPACE = re.compile(r"\s+")
_DISPLAY_MAX = 100


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space and strip both ends."""
    return _WHITESPACE.sub(" ", text).strip()


_FORMULA = re.compile(r"(\(\s*)?\$([^$\n]+)\$(\s*\))?")


def published_wording(text: str) -> str:
    """The copy's text as the article prints it: the inline-formula markup of the copy removed.

    ``( $n = 8$ )`` becomes ``(n = 8)`` and ``$n = 3$  Nepali`` becomes ``n = 3  Nepali``: the
    dollar signs go, and so do the spaces the markup puts inside the parentheses around a formula.
    The only rule of the kind; the quote check applies it to the source before looking quotes up.
    """
    return _FORMULA.sub(lambda m: ("(" if m.group(1) else "") + m.group(2).strip() + (")" if m.group(3) else ""), text)


def quote_found(quote: str, normalised_source: str) -> bool:
    """The rule: *quote*, whitespace-normalised, is a non-empty substring of the normalised source."""
    needle = normalise_whitespace(quote)
    return bool(needle) and needle in normalised_source


class MissingQuote(NamedTuple):
    subject: str
    property: str
    quote: str


class QuoteCheck(NamedTuple):
    """Result of :func:`check_quotes`; unpacks as ``(missing, checked)``."""

    missing: list[MissingQuote]
    checked: int

    @property
    def ok(self) -> bool:
        """True when at least one quote was checked and all were found."""
        return self.checked > 0 and not self.missing

    @property
    def exit_code(self) -> int:
        return errors.OK if self.ok else errors.FAILED


def read_source(source_path: str | os.PathLike[str]) -> str:
    """Read the source text (UTF-8); raise :class:`InputError` if unusable."""
    from exitkg.rdf.files import read_text

    shown = os.fsdecode(source_path)
    text = read_text(source_path)
    if not text.strip():
        raise InputError(f"{shown}: source text is empty")
    return text


_CURATED_STUDY_SUBJECTS = """
SELECT DISTINCT ?x WHERE {
  ?x <https://w3id.org/exitkg/ontology#inSource> ?source .
  ?source <https://w3id.org/exitkg/ontology#encodes> ?doc .
  ?doc a <https://w3id.org/exitkg/ontology#Study> .
}"""
_SUBJECTS_OF_SOURCE = """
SELECT DISTINCT ?x ?source WHERE { ?x <https://w3id.org/exitkg/ontology#inSource> ?source }"""
#: a factor's definition in the review's words (in the merge; in one source's named graph: ``GRAPH ?source``)
_STATED_DEFINITION = """
  ?x <https://w3id.org/exitkg/ontology#definitionProvenance> <https://w3id.org/exitkg/ontology#StatedInReview> ;
     <http://www.w3.org/2004/02/skos/core#definition> ?definition ."""
SKOS_DEFINITION = SKOS + "definition"


def stated_definitions(graph, source: str | None = None) -> list[tuple]:
    """``(factor, definition)`` pairs, as pyoxigraph terms, of the definitions *graph* gives in the
    review's own words (``ekg:definitionProvenance ekg:StatedInReview``): every one, or with *source*
    (a source's IRI) those of that source's named graph. Definitions that are not literals are left out."""
    import pyoxigraph as ox

    if source is None:
        rows = graph.store.query(f"SELECT ?x ?definition WHERE {{ {_STATED_DEFINITION} }}")
    else:
        rows = graph.store.query(f"SELECT ?x ?definition ?source WHERE {{ GRAPH ?source {{ {_STATED_DEFINITION} }} }}",
                                 substitutions={ox.Variable("source"): ox.NamedNode(source)})
    found = {(row["x"], row["definition"]) for row in rows if isinstance(row["definition"], ox.Literal)}
    return sorted(found, key=lambda pair: (pair[0].value, pair[1].value))


def check_quotes(source_path: str | os.PathLike[str], graph=None, of: str | None = None) -> QuoteCheck:
    """Check every ``ekg:quote`` / ``ekg:citedAs`` literal of *graph*, and every definition of a
    factor in the review's words (:func:`stated_definitions`), against the source text.

    *graph* is a loaded :class:`exitkg.graph.local.KnowledgeGraph` (default: the packaged graph).
    By default the quotes of the review's sources are checked: every quote except those of
    studies curated from their own text, whose text is another. With *of* (a source's IRI or
    its last path segment, e.g. ``smith-2022``) only the quotes of that source are checked.
    Returns a :class:`QuoteCheck` ``(missing, checked)`` where *missing* lists
    ``(subject, property, quote)`` for each literal not found verbatim, sorted.
    Non-literal objects of these properties are ignored.
    """
    import pyoxigraph as ox

    from exitkg.graph.local import load

    source = normalise_whitespace(published_wording(read_source(source_path)))
    graph = graph if graph is not None else load()
    of_source: str | None = None
    if of is None:
        skip = {row["x"] for row in graph.store.query(_CURATED_STUDY_SUBJECTS)}
        keep = None
    else:
        iri = of if ":" in of else f"{EKG_ID}source/{of}"
        if iri not in graph.sources():
            raise InputError(f"no source {of!r} in the graph; its sources are: "
                             + ", ".join(local_name(s) for s in graph.sources()))
        keep = {row["x"] for row in graph.store.query(
            _SUBJECTS_OF_SOURCE, substitutions={ox.Variable("source"): ox.NamedNode(iri)})}
        skip = set()
        of_source = iri
    missing = []
    checked = 0
    for prop in QUOTE_PROPERTIES:
        for quad in graph.store.quads_for_pattern(None, ox.NamedNode(prop), None, ox.DefaultGraph()):
            if not isinstance(quad.object, ox.Literal) or quad.subject in skip:
                continue
            if keep is not None and quad.subject not in keep:
                continue
            checked += 1
            quote = quad.object.value
            if not quote_found(quote, source):
                subject = quad.subject
                subject_text = subject.value if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
                missing.append(MissingQuote(subject_text, prop, quote))
    for subject, definition in stated_definitions(graph, of_source):
        if subject in skip:
            continue
        checked += 1
        if not quote_found(definition.value, source):
            subject_text = subject.value if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
            missing.append(MissingQuote(subject_text, SKOS_DEFINITION, definition.value))
    missing.sort()
    return QuoteCheck(missing=missing, checked=checked)


def _shorten(text: str) -> str:
    text = normalise_whitespace(text)
    return text if len(text) <= _DISPLAY_MAX else text[: _DISPLAY_MAX - 1] + "…"


def _term(text: str) -> str:
    return text if text.startswith("_:") else compact(text)


def render_text(result: QuoteCheck, source_name: str = "the source") -> str:
    """Header line with counts, then one ``NOT FOUND`` line per missing quote."""
    found = result.checked - len(result.missing)
    if result.checked == 0:
        header = f"Quote check: no ekg:quote or ekg:citedAs literals to check against {source_name}"
    elif result.missing:
        header = f"Quote check: {len(result.missing)} of {result.checked} quotes not found in {source_name}"
    else:
        header = f"Quote check: all {found} of {result.checked} quotes found in {source_name}"
    lines = [header]
    for m in result.missing:
        lines.append(
            f"NOT FOUND  {_term(m.subject)}  {compact(m.property)}  "
            f"{json.dumps(_shorten(m.quote), ensure_ascii=False)}"
        )
    return "\n".join(lines) + "\n"


def render_json(result: QuoteCheck, source_name: str | None = None) -> str:
    """Stable JSON: ``{"ok", "checked", "missing", "not_found": [...]}``."""
    document = {
        "ok": result.ok,
        "source": source_name,
        "checked": result.checked,
        "missing": len(result.missing),
        "not_found": [m._asdict() for m in result.missing],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
