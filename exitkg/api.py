"""The public Python API, re-exported by :mod:`exitkg`.

Each function is what one ``exitkg`` command does, without the command line::

    import exitkg

    graph = exitkg.load()                                   # the ontology and the packaged sources
    rows = exitkg.query("evidence-for-factor", graph, factor="stigma")
    for row in rows.dicts():
        print(row["direction"], row["evidence"], row["quote"])

Functions raise :class:`exitkg.ExitkgError` subclasses (``InputError``, ``QueryError`` ...), each
with a one-line message and the exit code the command line would use. Heavy libraries are imported
only when a function runs, so ``import exitkg`` stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:  # pragma: no cover
    from exitkg.sparql.engine import Result
    from exitkg.graph.local import KnowledgeGraph
    from exitkg.rdf.files import Reading
    from exitkg.checks.check_quotes import QuoteCheck
    from exitkg.checks.reason import ReasonResult
    from exitkg.graph.remote import RemoteEngine
    from exitkg.review.report import Report
    from exitkg.review.confidence import FactorEvidence
    from exitkg.publish.site import SiteResult
    from exitkg.checks.validate import ValidationResult
    from exitkg.review.curate import AddResult
    from exitkg.review.diff import Diff
    from exitkg.publish.release import ReleaseResult

PathLike = Union[str, "os.PathLike[str]"]


def load(data: PathLike | Iterable[PathLike] | None = None, only: PathLike | Iterable[PathLike] | None = None,
         *, ontology: bool = True, describe: bool = False, normalize_literals: bool = False,
         store: PathLike | None = None, reading: Reading | None = None, **options) -> KnowledgeGraph:
    """Load the graph: the ontology and the packaged sources, with *data* (files or source
    folders) added, or with *only* instead of the packaged sources. ``only=[...],
    ontology=False`` reads exactly those files: the graph holds their triples and nothing else
    (no ontology, no description), as ``--only PATH ... --without-ontology`` does.
    ``describe=True`` adds the graph's VoID/DCAT description. *normalize_literals* accepts the
    store's canonical form where the inputs write one value in two forms (``"01"`` and ``"1"``)
    or one language tag in two spellings; *store* keeps the graph in an Oxigraph store on disk in
    that folder, opened again while the inputs are unchanged.

    *reading* (:class:`exitkg.Reading`), or its fields as keyword arguments, says how the files
    of *data* and *only* are read: *format* (or ``input_format``: ``"turtle"``, ``"ntriples"``,
    ``"nquads"``, ``"trig"``, ``"rdfxml"``, ``"jsonld"``) whatever their extension; *base*, the IRI
    their relative IRIs resolve against; *repair_iris* reads an IRI that holds a character no IRI
    may hold percent-encoded, naming each change in the graph's notes; *allow_empty* reads an
    empty file as no statements; *context_map* maps remote JSON-LD context URLs to local copies;
    *max_bytes* and *max_triples* bound the size and the statements of *data* and *only* in all.
    See :func:`exitkg.graph.local.load`."""
    from exitkg.graph.local import load as _load

    return _load(data, only, ontology=ontology, describe=describe, normalize_literals=normalize_literals,
                 store=store, reading=reading, **options)


def connect(endpoint: str, graph: str | None = None, timeout: float = 30.0) -> RemoteEngine:
    """A graph behind a SPARQL 1.1 endpoint (its query URL), optionally one named graph of it.
    It offers the same ``query`` and ``run`` as a loaded graph."""
    from exitkg.graph.remote import RemoteEngine

    return RemoteEngine(endpoint, graph, timeout)


def query(name: str, graph=None, /, **params: str) -> Result:
    """Run a canned query (its id, as ``exitkg queries`` lists them) or a ``.rq`` file on *graph*
    (a loaded graph or an endpoint; default: :func:`load`). *params* are the query's parameters
    as text, bound as RDF terms. Returns a :class:`exitkg.sparql.engine.Result`: ``rows`` of RDF terms,
    ``dicts()`` of Python values, ``to_dataframe()`` with pandas."""
    return (graph if graph is not None else load()).query(name, **params)


def validate(graph=None, *, shapes: Iterable[PathLike] | None = None, abort_on_first: bool = False,
             allow_rules: bool = False) -> ValidationResult:
    """Validate a loaded graph (default: :func:`load`) against the SHACL shapes (the packaged
    ones, or the files of *shapes*); with *abort_on_first*, stop at the first shape violated;
    with *allow_rules*, apply the shapes' SHACL rules to a copy of the data first."""
    from exitkg.checks.validate import validate as _validate

    return _validate(graph, shapes=shapes, abort_on_first=abort_on_first, allow_rules=allow_rules)


def report(graph=None, *, include_cited: bool = True) -> Report:
    """Recompute every number each review states and the controversy from the evidence, on a
    loaded graph or an endpoint (default: :func:`load`)."""
    from exitkg.review.report import build_report

    return build_report(graph if graph is not None else load(), include_cited=include_cited)


def evidence_profile(graph=None, *, include_cited: bool = True) -> list[FactorEvidence]:
    """Every factor's evidence profile (overall, per source, per population), its population-aware
    status and its confidence level with the reasons that set it, on a loaded graph or an endpoint
    (default: :func:`load`). The level is computed by exitkg's rule (docs/confidence.md), not a
    GRADE-CERQual assessment by reviewers."""
    from exitkg.review.confidence import evidence_profiles

    return evidence_profiles(graph if graph is not None else load(), include_cited=include_cited)


def reason(graph=None, *, timeout: float = 120.0, engine: str = "hermit") -> ReasonResult:
    """Classify the controversial and contested factors. ``engine="hermit"`` also checks
    consistency (needs Java 17+), under a deadline of *timeout* seconds; ``engine="rl"`` classifies
    with an OWL 2 RL engine on the module that decides it, fast at any size, and checks no
    consistency (see ``exitkg reason``)."""
    from exitkg.core.errors import UsageError
    from exitkg.checks.reason import classify_rl
    from exitkg.checks.reason import reason as _reason

    if engine == "rl":
        return classify_rl(graph)
    if engine != "hermit":
        raise UsageError(f"unknown reasoning engine {engine!r} (expected hermit or rl)")
    return _reason(graph, timeout=timeout)


def check_quotes(text: PathLike, graph=None, *, of: str | None = None) -> QuoteCheck:
    """Check that every quote, printed citation and definition of a factor in the review's words of
    the graph occurs verbatim in the plain-text copy of the review at *text* (or, with *of*, the
    quotes of one source in that source's text)."""
    from exitkg.checks.check_quotes import check_quotes as _check_quotes

    return _check_quotes(text, graph, of=of)


def add_study(template: PathLike, text: PathLike, out: PathLike,
              data: PathLike | Iterable[PathLike] | None = None) -> AddResult:
    """Check a filled curation template (its folder or its .xlsx workbook) against the study's
    *text* and the graph (the packaged sources and *data*), and write the study as the new source
    folder *out*. Raises
    ``TemplateError`` (exit code 1) listing every problem as ``file:row:column``; writes nothing then."""
    from exitkg.review.curate import add_study as _add_study

    return _add_study(template, text, out, data)


def diff(old: PathLike, new: PathLike) -> Diff:
    """What changed between two versions of the graph (release folders, data folders, source
    folders or exports): studies, findings, classifications, controversy, stated numbers, identifiers."""
    from exitkg.review.diff import diff as _diff

    return _diff(old, new)


def release(out: PathLike, *, previous: PathLike | None = None, data=None, only=None,
            version: str | None = None) -> ReleaseResult:
    """Build the release files into the new folder *out* (see ``exitkg release``); *version* is the
    release's (a semantic version; default: the package's)."""
    from exitkg.publish.release import build_release

    return build_release(out, previous=previous, data=data, only=only, version=version)


def build_site(out: PathLike, graph=None) -> SiteResult:
    """Write the static site (map, ontology documentation, a page per identifier with its Turtle
    and JSON-LD, report, query catalogue, downloads) into the new folder *out* (see ``exitkg site``)."""
    from exitkg.publish.site import build_site as _build

    return _build(out, graph)
