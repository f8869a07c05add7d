"""Quote anchors: each quote as a W3C Web Annotation with a ``TextQuoteSelector``.

``exitkg export --format annotations --source TEXT`` finds every quote of the review's sources in
the user's plain-text copy of the review and writes one annotation per quote (JSON-LD, the Web
Annotation context): the body is the statement the quote supports (a finding, a remark, a stated
count ...), the target the review, selected by the quote's exact text in the copy (whitespace as
it stands there) with up to 32 characters before and after it, so annotation tools can highlight
where every statement comes from. The prefix and suffix come from the user's copy at export time;
the project itself holds no more of the review than the quotes.

``exitkg check-quotes --source TEXT --annotations FILE`` checks such a file: every selector's
prefix, exact text and suffix occur, in that order, in the text (whitespace normalised), and
every ``exact`` is one of the graph's quotes.
"""

from __future__ import annotations

import json
import os
import re
from typing import NamedTuple

from exitkg.core.errors import InputError
from exitkg.rdf.namespaces import EKG, sparql_prefixes

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_WIDTH = 32

_QUOTES = sparql_prefixes("ekg") + """
SELECT DISTINCT ?x ?quote ?doc WHERE {
  ?x ekg:quote ?quote .
  OPTIONAL { ?x ekg:inSource ?source . ?source ekg:encodes ?doc }
  FILTER NOT EXISTS { ?x ekg:inSource ?s2 . ?s2 ekg:encodes ?d2 . ?d2 a ekg:Study }
} ORDER BY ?x ?quote"""

_REVIEW = sparql_prefixes("ekg") + """
SELECT ?review WHERE { ?review a ekg:Review } ORDER BY ?review LIMIT 1"""


def _pattern(quote: str) -> re.Pattern:
    words = quote.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words))


def _anchor(text: str, quote: str) -> tuple[str, str, str] | None:
    match = _pattern(quote).search(text)
    if match is None or not quote.split():
        return None
    start, end = match.span()
    return text[max(0, start - CONTEXT_WIDTH):start], text[start:end], text[end:end + CONTEXT_WIDTH]


def export_annotations(source_path: str | os.PathLike[str], graph=None) -> bytes:
    """One Web Annotation per quote of the review's sources, anchored in the text at *source_path*.
    Raises :class:`InputError` naming the first quote not found (run ``check-quotes`` first)."""
    from exitkg.graph.local import load
    from exitkg.checks.check_quotes import published_wording, read_source

    text = published_wording(read_source(source_path))
    graph = graph if graph is not None else load()
    review_rows = list(graph.store.query(_REVIEW))
    default_doc = review_rows[0]["review"].value if review_rows else None
    items = []
    for row in graph.store.query(_QUOTES):
        subject, quote = row["x"].value, row["quote"].value
        doc = row["doc"].value if row["doc"] is not None else default_doc
        anchor = _anchor(text, quote)
        if anchor is None:
            raise InputError(f"{os.fsdecode(source_path)}: the quote of <{subject}> is not in the text; "
                             "run 'exitkg check-quotes' to list every missing quote")
        prefix, exact, suffix = anchor
        items.append({
            "id": f"{subject}#quote-anchor",
            "type": "Annotation",
            "motivation": "linking",
            "body": subject,
            "target": {"source": doc, "selector": {"type": "TextQuoteSelector", "exact": exact,
                                                   "prefix": prefix, "suffix": suffix}},
        })
    document = {"@context": CONTEXT, "id": "https://w3id.org/exitkg/id/annotations", "type": "AnnotationCollection",
                "label": "Where each statement of the exitkg graph stands in the review", "total": len(items),
                "first": {"type": "AnnotationPage", "items": items}}
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


class AnchorProblem(NamedTuple):
    annotation: str
    problem: str


def check_annotations(source_path: str | os.PathLike[str], annotations_path: str | os.PathLike[str],
                      graph=None) -> tuple[list[AnchorProblem], int]:
    """Check every TextQuoteSelector of an annotation file against the text; return the problems
    and the number of selectors checked."""
    from exitkg.graph.local import load
    from exitkg.checks.check_quotes import normalise_whitespace, published_wording, read_source
    from exitkg.rdf.files import read_text

    text = normalise_whitespace(published_wording(read_source(source_path)))
    shown = os.fsdecode(annotations_path)
    try:
        document = json.loads(read_text(annotations_path))
    except json.JSONDecodeError as exc:
        raise InputError(f"{shown}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    page = document.get("first", {}) if isinstance(document, dict) else {}
    items = page.get("items") if isinstance(page, dict) else None
    if not isinstance(items, list):
        raise InputError(f"{shown}: not an annotation collection (no first.items list)")
    graph = graph if graph is not None else load()
    quotes = {normalise_whitespace(r["quote"].value) for r in graph.store.query(
        f"SELECT ?quote WHERE {{ ?x <{EKG}quote> ?quote }}")}
    problems: list[AnchorProblem] = []
    for index, item in enumerate(items):
        name = item.get("id", f"item {index + 1}") if isinstance(item, dict) else f"item {index + 1}"
        selector = (item.get("target") or {}).get("selector") if isinstance(item, dict) else None
        if not isinstance(selector, dict) or selector.get("type") != "TextQuoteSelector" or "exact" not in selector:
            problems.append(AnchorProblem(name, "no TextQuoteSelector with an exact text"))
            continue
        exact = normalise_whitespace(str(selector["exact"]))
        prefix = normalise_whitespace(str(selector.get("prefix", "")))
        suffix = normalise_whitespace(str(selector.get("suffix", "")))
        if exact not in quotes:
            problems.append(AnchorProblem(name, "the exact text is not a quote of the graph"))
        if not exact or exact not in text:
            problems.append(AnchorProblem(name, "the exact text is not in the source text"))
            continue
        joined = re.compile(r"\s*".join(re.escape(part) for part in (prefix, exact, suffix) if part))
        if not joined.search(text):
            problems.append(AnchorProblem(name, "prefix, exact text and suffix do not occur together "
                                                "in the source text"))
    return problems, len(items)
