"""The ``exitkg`` command line.

Each subcommand is one small function registered with :func:`command`; it
parses nothing itself, calls one public function of the library, writes the
rendered result to standard output and returns an exit code (see
:mod:`exitkg.core.errors`). Heavy libraries are imported inside the command
functions so that ``exitkg --help`` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from exitkg.core.version import __version__

from exitkg.core import errors
from exitkg.core.errors import ExitkgError, OutputError, UsageError, one_line

PROG = "exitkg"


class ArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser that reports bad usage as :class:`UsageError` (exit 3)."""

    def error(self, message: str):
        raise UsageError(f"{message} (see '{self.prog} --help')")


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


#: Registered subcommands, in the order they are shown in ``--help``.
COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]):
    """Register the decorated function as subcommand *name*."""

    def decorator(run: Callable[[argparse.Namespace], int]):
        COMMANDS[name] = Command(name, help, configure, run)
        return run

    return decorator


def emit(text: str) -> None:
    """Write *text* to standard output; failures become :class:`OutputError`."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Avoid a second error when Python flushes stdout at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        raise OutputError("cannot write to standard output: broken pipe") from None
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- #
# Subcommands
# --------------------------------------------------------------------------- #

def _add_graph_options(p: argparse.ArgumentParser) -> None:
    """--data and --only: the one way every command says which graph it reads."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--data", nargs="+", metavar="PATH", default=None,
                       help="RDF files or source folders to add to the packaged graph")
    group.add_argument("--only", nargs="+", metavar="PATH", default=None,
                       help="RDF files or source folders to read with the ontology, instead of the packaged sources "
                            "(with --without-ontology, alone)")
    p.add_argument("--without-ontology", action="store_true",
                   help="with --only: read exactly those files, their triples and nothing else (no ontology, "
                        "no description of the graph)")
    p.add_argument("--normalize-literals", action="store_true",
                   help="where the inputs write one value in two forms (\"01\" and \"1\"), or one language tag "
                        "in two spellings (en-GB and en-gb), keep the store's canonical form instead of stopping")
    p.add_argument("--input-format", choices=("turtle", "ntriples", "nquads", "trig", "rdfxml", "jsonld"),
                   help="the format of every --data and --only file, whatever its extension")
    p.add_argument("--base", metavar="IRI",
                   help="the absolute IRI that relative IRIs in the --data and --only files (and validate's "
                        "--shapes files) resolve against")
    p.add_argument("--repair-iris", action="store_true",
                   help="read an IRI holding a character no IRI may hold (a space, braces, |, ...) percent-encoded, "
                        "naming each change, instead of stopping (Turtle, TriG, N-Triples, N-Quads)")
    p.add_argument("--allow-empty", action="store_true",
                   help="read an empty --data or --only file, or one without triples, as no statements "
                        "instead of stopping")
    p.add_argument("--context-map", metavar="FILE",
                   help="a JSON object from remote JSON-LD context URLs to local copies, read instead "
                        "(nothing is ever fetched)")
    p.add_argument("--max-bytes", metavar="SIZE", type=_size,
                   help="refuse --data and --only files larger than this in all (such as 500M or 2G), "
                        "before reading them")
    p.add_argument("--max-triples", metavar="N", type=_count,
                   help="refuse --data and --only files holding more statements than this in all, "
                        "at the first one over")


def _size(text: str) -> int:
    from exitkg.graph.local import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(text)


def _with_ontology(args: argparse.Namespace, needed_for: str | None = None) -> bool:
    """Whether the graph holds the ontology: no with --without-ontology, which goes with --only,
    and which a command whose work is the ontology's (*needed_for* says what it is) refuses."""
    if not getattr(args, "without_ontology", False):
        return True
    if needed_for is not None:
        raise UsageError(f"--without-ontology cannot be used here: {needed_for}")
    if args.only is None:
        raise UsageError("--without-ontology goes with --only (it reads exactly the files --only names)")
    return False


def _reading(args: argparse.Namespace):
    """How the files of --data and --only are read: the reading options, carried whole."""
    from exitkg.rdf.files import Reading

    return Reading(format=args.input_format, base=args.base, repair_iris=args.repair_iris,
                   allow_empty=args.allow_empty, context_map=args.context_map, max_bytes=args.max_bytes,
                   max_triples=args.max_triples)


def _graph(args: argparse.Namespace, **options):
    """The graph a command reads: the ontology and the packaged sources, plus --data or instead
    --only (without the ontology with --without-ontology)."""
    from exitkg.graph.local import load

    graph = load(args.data, args.only, ontology=_with_ontology(args), normalize_literals=args.normalize_literals,
                 reading=_reading(args), **options)
    for note in graph.notes:
        sys.stderr.write(f"exitkg: note: {with_flags(note)}\n")
    return graph


def _configure_validate(p: argparse.ArgumentParser) -> None:
    _add_graph_options(p)
    p.add_argument("--format", choices=("text", "turtle", "json"), default="text",
                   help="report format (default: text)")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 also for a warning, an info or a note, and when a shape's targets select no node")
    p.add_argument("--abort-on-first", action="store_true",
                   help="stop at the first shape a node violates (a faster answer to 'does it conform?'; "
                        "the report then holds what that shape found, not every result)")
    p.add_argument("--shapes", nargs="+", metavar="FILE",
                   help="SHACL shapes files to validate against, instead of the packaged shapes")
    p.add_argument("--allow-rules", action="store_true",
                   help="apply the SHACL rules (sh:rule) of the shapes to a copy of the data before validating "
                        "(refused without it)")
    p.add_argument("--allow-js", action="store_true",
                   help="run the SHACL-JS code of the shapes, with local libraries only (refused without it; "
                        "needs pip install 'exitkg[js]')")
    p.add_argument("--js-timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                   help="stop SHACL-JS code after this long (exit 7; default: 60)")
    p.add_argument("--max-rule-triples", type=_count, default=None, metavar="N",
                   help="stop the SHACL rules once they have added more than N statements (exit 9; "
                        "default: 100000)")


@command("validate", "check the graph against the SHACL shapes", _configure_validate)
def cmd_validate(args: argparse.Namespace) -> int:
    from exitkg.core.progress import Progress
    from exitkg.checks.validate import JS_TIMEOUT, MAX_RULE_TRIPLES, RENDERERS, validate

    if args.js_timeout is not None and not args.allow_js:
        raise UsageError("--js-timeout goes with --allow-js")
    if args.max_rule_triples is not None and not args.allow_rules:
        raise UsageError("--max-rule-triples goes with --allow-rules")
    with Progress("validating") as progress:
        with progress.stage("loading the graph"):
            graph = _graph(args)
        with progress.stage("running SHACL"):
            result = validate(graph, shapes=args.shapes, abort_on_first=args.abort_on_first,
                              allow_rules=args.allow_rules, allow_js=args.allow_js,
                              js_timeout=args.js_timeout or JS_TIMEOUT, base=args.base,
                              max_rule_triples=MAX_RULE_TRIPLES if args.max_rule_triples is None
                              else args.max_rule_triples)
    result.notes = [with_flags(note) for note in result.notes]
    emit(RENDERERS[args.format](result))
    return result.strict_exit_code if args.strict else result.exit_code


def _configure_check_quotes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", required=True, metavar="FILE",
                   help="plain-text (UTF-8) copy of the review to check the quotes against")
    p.add_argument("--of", metavar="SOURCE",
                   help="check only the quotes of this source (its IRI or last path segment, e.g. a study "
                        "added with 'exitkg add'); default: every quote but those of studies curated "
                        "from their own text")
    p.add_argument("--annotations", metavar="FILE",
                   help="also check the TextQuoteSelectors of a Web Annotation file "
                        "(from 'exitkg export --format annotations')")
    _add_graph_options(p)
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="report format (default: text)")


@command("check-quotes", "check that ekg:quote and ekg:citedAs literals, and definitions in the review's words, "
         "occur verbatim in the review",
         _configure_check_quotes)
def cmd_check_quotes(args: argparse.Namespace) -> int:
    from exitkg.checks.check_quotes import RENDERERS, check_quotes

    graph = _graph(args)
    result = check_quotes(args.source, graph, of=args.of)
    emit(RENDERERS[args.format](result, args.source))
    if not args.annotations:
        return result.exit_code
    from exitkg.checks.annotations import check_annotations

    problems, checked = check_annotations(args.source, args.annotations, graph)
    for problem in problems:
        emit(f"  anchor {problem.annotation}: {problem.problem}\n")
    emit(f"Anchor check: {checked - len({p.annotation for p in problems})} of {checked} quote anchors "
         f"found in {args.source}\n")
    return result.exit_code if not problems else errors.FAILED


def _add_engine_options(p: argparse.ArgumentParser) -> None:
    _add_graph_options(p)
    p.add_argument("--endpoint", metavar="URL",
                   help="run on this SPARQL 1.1 endpoint (its query URL) instead of the packaged graph")
    p.add_argument("--graph", metavar="IRI",
                   help="with --endpoint: query this named graph (sent as default-graph-uri)")
    p.add_argument("--timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                   help="with --endpoint: give up when the endpoint does not answer in time (default: 30)")
    p.add_argument("--out", metavar="FILE",
                   help="write the output to FILE (atomically) instead of standard output")
    _add_in_place(p)
    p.add_argument("--store", metavar="DIR",
                   help="keep the loaded graph in an Oxigraph store in DIR and reuse it while the inputs are "
                        "unchanged (a large linked set loads once)")


def _engine(args: argparse.Namespace):
    """The engine a command runs on: the packaged graph, or the endpoint the user named."""
    if args.endpoint is None:
        if args.graph is not None or args.timeout is not None:
            raise UsageError("--graph and --timeout go with --endpoint")
        if args.store is not None:
            return _graph(args, store=args.store)
        return _graph(args, describe=True)
    if args.data or args.only or args.store or args.without_ontology:
        raise UsageError("--data, --only, --without-ontology and --store choose the local graph; they cannot be "
                         "combined with --endpoint")
    from exitkg.graph.remote import DEFAULT_TIMEOUT, RemoteEngine

    if args.graph is not None:
        from exitkg.sparql.queries import absolute_iri

        absolute_iri(args.graph, "--graph", error=UsageError)
    return RemoteEngine(args.endpoint, args.graph, args.timeout or DEFAULT_TIMEOUT)


def _output(args: argparse.Namespace, text: str) -> None:
    if getattr(args, "out", None):
        from exitkg.core.fsutil import atomic_write_text

        atomic_write_text(args.out, text)
    else:
        emit(text)


def _configure_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text",
                   help="report format (default: text)")
    p.add_argument("--exclude-cited", action="store_true",
                   help="leave the evidence a review only cites in its discussion out of the controversy sections")
    _add_engine_options(p)


@command("report", "recompute the review's findings from the graph and compare with what it states",
         _configure_report)
def cmd_report(args: argparse.Namespace) -> int:
    from exitkg.pages.report import RENDERERS
    from exitkg.review.report import build_report

    report = build_report(_engine(args), include_cited=not args.exclude_cited)
    _output(args, RENDERERS[args.format](report))
    return report.exit_code


def _configure_query(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME|FILE", help="a query id (see 'exitkg queries') or a .rq file")
    p.add_argument("--param", action="append", metavar="KEY=VALUE", default=[],
                   help="a parameter value, bound as an RDF term (repeatable)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="result format (default: table; json is SPARQL 1.1 Query Results JSON)")
    p.add_argument("--strict", action="store_true",
                   help="exit 6 and write nothing when an endpoint's answer may be incomplete (exactly as many "
                        "rows as a limit servers often set), instead of a warning")
    _add_engine_options(p)


@command("query", "run a canned SPARQL query (or a query file) on the graph or an endpoint", _configure_query)
def cmd_query(args: argparse.Namespace) -> int:
    from exitkg.sparql import queries

    query = queries.resolve(args.name)
    values = queries.parse_param_args(args.param)
    queries.bind(query, values)  # report parameter errors before loading the graph
    engine = _engine(args)
    result = queries.run(query, engine, values)
    if args.strict and result.notes:
        raise errors.EndpointError(result.notes[0] + " (--strict)")
    for note in result.notes:
        sys.stderr.write(f"exitkg: warning: {note}\n")
    if result.boolean is None and not result.rows:  # nothing found: say if a parameter names nothing
        for note in queries.absent(query, engine, values):
            sys.stderr.write(f"exitkg: note: {note}\n")
        if query.empty:
            sys.stderr.write(f"exitkg: note: {query.empty}\n")
    _output(args, queries.RENDERERS[args.format](result))
    if query.kind == "violation" and result.rows:
        return errors.FAILED
    return errors.OK


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"not a TCP port number: {text!r}")
    return int(text)


def _configure_serve(p: argparse.ArgumentParser) -> None:
    from exitkg.sparql.guard import Limits
    from exitkg.serve.serve import DEFAULT_HOST, DEFAULT_PORT

    _add_graph_options(p)
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default: {DEFAULT_HOST}, loopback only)")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default: {DEFAULT_PORT})")
    p.add_argument("--store", metavar="DIR",
                   help="keep the Oxigraph store in this new or empty folder "
                        "(default: a temporary folder, removed on exit)")
    defaults = Limits()
    p.add_argument("--timeout", type=_positive_seconds, default=defaults.timeout, metavar="SECONDS",
                   help=f"stop a query after this long (default: {defaults.timeout:g})")
    p.add_argument("--max-query-kib", type=_positive_int, default=defaults.query_bytes // 1024, metavar="N",
                   help=f"refuse a query text longer than N KiB (default: {defaults.query_bytes // 1024})")
    p.add_argument("--max-result-mib", type=_positive_int, default=defaults.result_bytes // 2**20, metavar="N",
                   help=f"refuse an answer larger than N MiB (default: {defaults.result_bytes // 2**20})")
    p.add_argument("--concurrent", type=_positive_int, default=defaults.concurrent, metavar="N",
                   help=f"run at most N queries at once; others are told to retry (default: {defaults.concurrent})")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


@command("serve", "serve the graph as a read-only SPARQL endpoint, with a query page and the identifiers",
         _configure_serve)
def cmd_serve(args: argparse.Namespace) -> int:
    from exitkg.serve.serve import serve

    def announce(line: str) -> None:
        emit(line + "\n")

    from exitkg.sparql.guard import Limits

    limits = Limits(timeout=args.timeout, query_bytes=args.max_query_kib * 1024,
                    result_bytes=args.max_result_mib * 2**20, concurrent=args.concurrent)
    return serve(args.data, args.only, ontology=_with_ontology(args), host=args.host, port=args.port,
                 store=args.store, limits=limits,
                 normalize_literals=args.normalize_literals, reading=_reading(args), announce=announce)


def _configure_publish(p: argparse.ArgumentParser) -> None:
    from exitkg.graph.remote import DEFAULT_GRAPH

    p.add_argument("--endpoint", required=True, metavar="URL", help="the store's SPARQL query URL (used to verify)")
    p.add_argument("--graph", default=DEFAULT_GRAPH, metavar="IRI",
                   help=f"the named graph to replace (default: {DEFAULT_GRAPH})")
    p.add_argument("--method", choices=("gsp", "update"), default="gsp",
                   help="gsp: Graph Store HTTP Protocol PUT (default); update: SPARQL Update")
    p.add_argument("--store-url", metavar="URL",
                   help="Graph Store Protocol URL (default: the endpoint URL with 'store' as last segment)")
    p.add_argument("--update-url", metavar="URL",
                   help="SPARQL Update URL (default: the endpoint URL with 'update' as last segment)")
    p.add_argument("--timeout", type=_positive_seconds, default=None, metavar="SECONDS",
                   help="give up when the store does not answer in time (default: 30)")
    _add_graph_options(p)


@command("publish", "load the whole graph into a triple store, replacing a named graph, and verify", _configure_publish)
def cmd_publish(args: argparse.Namespace) -> int:
    from exitkg.core.progress import Progress
    from exitkg.publish.publish import publish
    from exitkg.graph.remote import DEFAULT_TIMEOUT

    with Progress("publishing") as progress:
        with progress.stage("loading the graph"):
            graph = _graph(args, describe=True)
        with progress.stage(f"sending it to {args.endpoint}"):
            result = publish(args.endpoint, graph_iri=args.graph, method=args.method, store_url=args.store_url,
                             update_url=args.update_url, timeout=args.timeout or DEFAULT_TIMEOUT, graph=graph)
    emit(result.describe())
    return result.exit_code


def _configure_queries(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json", "turtle"), default="text",
                   help="catalogue format; turtle: each query as a sh:SPARQLExecutable, for other SPARQL tools")


@command("queries", "list the canned queries with their titles and parameters", _configure_queries)
def cmd_queries(args: argparse.Namespace) -> int:
    import json

    from exitkg.sparql import queries

    catalogue = queries.catalogue()
    if args.format == "json":
        emit(json.dumps([q.as_dict() for q in catalogue.values()], indent=2) + "\n")
    elif args.format == "turtle":
        emit(queries.render_catalogue_turtle(catalogue))
    else:
        emit(queries.render_catalogue(catalogue))
    return errors.OK


def _configure_export(p: argparse.ArgumentParser) -> None:
    from exitkg.publish.export import FORMATS, TABLES

    p.add_argument("--format", choices=FORMATS, required=True, help="output format")
    p.add_argument("--out", metavar="PATH",
                   help="output file (written atomically); with --format csv --table all, "
                        "a folder for the three tables")
    _add_in_place(p)
    p.add_argument("--table", choices=(*TABLES, "all"), default="findings",
                   help="with --format csv: the table to export (default: findings)")
    p.add_argument("--source", metavar="FILE",
                   help="with --format annotations: plain-text (UTF-8) copy of the review to anchor the quotes in")
    p.add_argument("--sign-key", metavar="PEM",
                   help="with --format nanopub: sign each nanopublication with this RSA private key (unencrypted PEM)")
    _add_graph_options(p)


@command("export", "write the whole graph (with its VoID/DCAT description) as Turtle, N-Triples, TriG, N-Quads, "
                   "JSON-LD, "
                   "RDF/XML or CSV tables; the findings as nanopublications; the quotes as Web Annotations",
         _configure_export)
def cmd_export(args: argparse.Namespace) -> int:
    from exitkg.publish import export
    from exitkg.core.fsutil import atomic_write_bytes

    if args.format != "annotations" and args.source:
        raise UsageError("--source goes with --format annotations only")
    if args.format != "nanopub" and args.sign_key:
        raise UsageError("--sign-key goes with --format nanopub only")
    if args.format in ("nanopub", "annotations"):
        if args.format == "nanopub":
            from exitkg.publish.nanopubs import export_nanopubs

            data = export_nanopubs(_graph(args), sign_key=args.sign_key)
        else:
            if not args.source:
                raise UsageError("--format annotations needs --source FILE, the review's text to anchor the quotes in")
            from exitkg.checks.annotations import export_annotations

            data = export_annotations(args.source, _graph(args))
        if args.out:
            atomic_write_bytes(args.out, data)
        else:
            emit(data.decode("utf-8"))
    elif args.format != "csv":
        data = export.export_rdf(args.format, _graph(args, describe=True))
        if args.out:
            atomic_write_bytes(args.out, data)
        else:
            emit(data.decode("utf-8"))
    elif args.table != "all":
        _output(args, export.export_table(args.table, _graph(args)))
    else:
        if not args.out:
            raise UsageError("--table all writes three files: give a folder with --out")
        import os

        if not os.path.isdir(args.out):
            raise OutputError(f"{args.out}: not an existing folder")
        from contextlib import ExitStack

        from exitkg.core.fsutil import atomic_writer

        tables = export.export_tables(_graph(args))  # everything computed before anything is written
        with ExitStack() as files:  # all three replaced, or (on any failure) none
            for name, text in tables.items():
                files.enter_context(atomic_writer(os.path.join(args.out, name))).write(text.encode("utf-8"))
    return errors.OK


def _configure_link(p: argparse.ArgumentParser) -> None:
    from exitkg.linking.ctdc import DEFAULT_BASE

    p.add_argument("cases", metavar="CASES.csv", help="a CTDC dataset as downloaded, or HTCDS case records (UTF-8 CSV)")
    p.add_argument("--base", default=DEFAULT_BASE, metavar="IRI",
                   help=f"namespace for the case IRIs (default: {DEFAULT_BASE}; use one of your own)")
    p.add_argument("--format", choices=("turtle", "ttl", "ntriples", "nt"), default="turtle",
                   help="output format: turtle (ttl) or ntriples (nt) (default: turtle)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    _add_in_place(p)
    p.add_argument("--skip-bad-rows", action="store_true",
                   help="leave out a row with a wrong number of fields, a formula or a cell that is not a documented "
                        "code, naming each, instead of stopping")
    p.add_argument("--strict-columns", action="store_true",
                   help="stop at a column the CTDC codebooks (or the HTCDS field standard) do not document "
                        "(default: name it in a note and "
                        "leave it out)")


@command("link", "turn case records (CTDC Global Dataset, Global Synthetic Dataset or HTCDS) into RDF linked to "
                 "the exit factors and their evidence", _configure_link)
def cmd_link(args: argparse.Namespace) -> int:
    from exitkg.linking.link import link_cases

    result = link_cases(args.cases, args.out, base=args.base, format=args.format, progress=True,
                        skip_bad_rows=args.skip_bad_rows, strict_columns=args.strict_columns)
    for note in result.notes:
        sys.stderr.write(f"exitkg: note: {note}\n")
    for problem in result.skipped:
        sys.stderr.write(f"exitkg: note: {problem} (row skipped)\n")
    return errors.OK


def _configure_template(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="PATH",
                   help="folder to write the empty template to (study.tsv, findings.tsv and factors.tsv); "
                        "with --format xlsx, the workbook to write (a name ending in .xlsx)")
    p.add_argument("--format", choices=("tsv", "xlsx"), default="tsv",
                   help="tab-separated sheets in a folder (default), or one workbook with drop-down lists "
                        "(needs pip install 'exitkg[xlsx]')")
    p.add_argument("--data", nargs="+", metavar="PATH", default=None,
                   help="source folders already added, whose factors the factors sheet lists too")


@command("template", "write an empty curation template: a study sheet, a findings sheet and the existing factors, "
         "with explained columns", _configure_template)
def cmd_template(args: argparse.Namespace) -> int:
    from exitkg.review.curate import write_template

    for path in write_template(args.out, args.format, args.data):
        emit(f"{path}\n")
    return errors.OK


def _configure_add(p: argparse.ArgumentParser) -> None:
    p.add_argument("template", metavar="TEMPLATE",
                   help="a filled template: its folder, or its .xlsx workbook (see 'exitkg template')")
    p.add_argument("--source", required=True, metavar="FILE",
                   help="plain-text (UTF-8) copy of the study, to check every quote against")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="the new source folder to write (e.g. data/<study_id> in a checkout)")
    p.add_argument("--data", nargs="+", metavar="PATH", default=None,
                   help="source folders already added, to check the study with")


@command("add", "check a filled template and write the study as a new source folder, validated with the whole graph",
         _configure_add)
def cmd_add(args: argparse.Namespace) -> int:
    from exitkg.review.curate import TemplateError, add_study

    try:
        result = add_study(args.template, args.source, args.out, args.data)
    except TemplateError as exc:
        for problem in exc.problems:
            _fail(problem, exc.exit_code)
        return _fail(f"error: template not added ({len(exc.problems)} problem(s)); nothing written", exc.exit_code)
    emit(result.describe())
    return errors.OK


def _configure_diff(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD",
                   help="the earlier version: a release folder, a data folder, a source folder or an RDF export")
    p.add_argument("new", metavar="NEW", help="the later version, in any of the same forms")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="output format (default: text)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    _add_in_place(p)


@command("diff", "what changed between two versions of the graph: studies, findings, classifications, "
                 "controversy, stated numbers, identifiers", _configure_diff)
def cmd_diff(args: argparse.Namespace) -> int:
    from exitkg.review.diff import RENDERERS, diff

    _output(args, RENDERERS[args.format](diff(args.old, args.new)))
    return errors.OK


def _configure_figure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--review", metavar="REVIEW", help="the review (its slug or IRI; default: the first in the graph)")
    p.add_argument("--format", choices=("svg", "png"), default="svg",
                   help="picture format (default: svg; png needs --out)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    _add_in_place(p)
    _add_graph_options(p)


@command("figure", "draw a review's Figure 2 (roles by levels, with the factors of each box) from its classifications",
         _configure_figure)
def cmd_figure(args: argparse.Namespace) -> int:
    from exitkg.pages.figure import render_png, render_svg

    if args.format == "svg":
        _output(args, render_svg(_graph(args), args.review))
        return errors.OK
    if not args.out:
        raise UsageError("--format png writes a binary file: give it with --out")
    from exitkg.core.fsutil import atomic_write_bytes

    atomic_write_bytes(args.out, render_png(_graph(args), args.review))
    return errors.OK


def _configure_map(p: argparse.ArgumentParser) -> None:
    p.add_argument("--review", metavar="REVIEW", help="the review (its slug or IRI; default: the first in the graph)")
    p.add_argument("--out", metavar="FILE", help="write to FILE (atomically) instead of standard output")
    _add_in_place(p)
    _add_graph_options(p)


@command("map", "write the evidence map: one self-contained HTML page with Figure 2, the factor by study matrix, "
                "each factor's evidence and filters", _configure_map)
def cmd_map(args: argparse.Namespace) -> int:
    from exitkg.pages.map import render_map

    _output(args, render_map(_graph(args), args.review))
    return errors.OK


def _configure_site(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR", help="the new folder to write the site to")
    _add_graph_options(p)


@command("site", "write every identifier as an HTML page, Turtle and JSON-LD, with the content-negotiation rules "
                 "(.htaccess) and the evidence map as the home page", _configure_site)
def cmd_site(args: argparse.Namespace) -> int:
    from exitkg.publish.site import build_site

    _with_ontology(args, "the site documents the ontology")
    emit(build_site(args.out, _graph(args)).describe())
    return errors.OK


def _configure_release(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR",
                   help="the new folder to build the release files in")
    p.add_argument("--previous", metavar="PATH",
                   help="the previous release's folder (or a data folder or an export), for the change log")
    p.add_argument("--version", metavar="X.Y.Z", dest="release_version",
                   help="the release's version, a semantic version written in every file that carries one "
                        "(default: the package's version)")
    _add_graph_options(p)


@command("release", "build the release files (every RDF format, CSV tables, SSSOM, VoID/DCAT, change log) "
                    "into a new folder, from the sources and the one version", _configure_release)
def cmd_release(args: argparse.Namespace) -> int:
    from exitkg.publish.release import build_release

    _with_ontology(args, "a release holds the ontology")
    emit(build_release(args.out, previous=args.previous, data=args.data, only=args.only,
                       normalize_literals=args.normalize_literals, reading=_reading(args),
                       version=args.release_version).describe())
    return errors.OK


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _configure_reason(p: argparse.ArgumentParser) -> None:
    from exitkg.checks.reason import DEFAULT_TIMEOUT

    _add_graph_options(p)
    p.add_argument("--timeout", type=_positive_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"deadline for the reasoner (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--engine", choices=("hermit", "rl"), default="hermit",
                   help="hermit: consistency and classification, the whole graph (default); rl: the "
                        "classification alone, with an OWL 2 RL engine on the module that decides it "
                        "(fast at any size)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="report format (default: text)")


@command("reason", "classify the factors controversial by evidence: with HermiT, which also checks consistency, "
                   "or with an OWL 2 RL engine on the module that decides it", _configure_reason)
def cmd_reason(args: argparse.Namespace) -> int:
    from exitkg.core.errors import DeadlineError
    from exitkg.core.progress import Progress
    from exitkg.checks.reason import RENDERERS, classify_rl, reason

    _with_ontology(args, "the reasoner classifies with the ontology's definitions")
    try:
        with Progress("reasoning") as progress:
            with progress.stage("loading the graph"):
                graph = _graph(args)
            if args.engine == "rl":
                with progress.stage("classifying with OWL 2 RL"):
                    result = classify_rl(graph)
            else:
                with progress.stage("classifying with HermiT"):
                    result = reason(graph, timeout=args.timeout)
    except DeadlineError as exc:
        raise DeadlineError(f"{exc.message} (raise --timeout)") from None
    emit(RENDERERS[args.format](result))
    return result.exit_code


def _configure_mappings(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("table", "tsv", "json", "turtle"), default="table",
                   help="table (default), the SSSOM TSV, JSON, or the mappings as plain SKOS triples in Turtle")
    p.add_argument("--out", metavar="FILE",
                   help="write the output to FILE (atomically) instead of standard output")


@command("mappings", "list or export the SSSOM mappings from exit factors to case-data fields (HTCDS, CTDC)",
         _configure_mappings)
def cmd_mappings(args: argparse.Namespace) -> int:
    from exitkg.linking.mappings import RENDERERS, load_mappings

    _output(args, RENDERERS[args.format](load_mappings()))
    return errors.OK


# --------------------------------------------------------------------------- #
# Entry point
# --------------------------------------------------------------------------- #

def build_parser(only: str | None = None) -> ArgumentParser:
    """The command line's parser. With *only*, just that command's options are configured (the
    others keep their one-line help), so a command starts without importing the modules the other
    commands need; ``only=""`` configures none (for ``--help`` and ``--version``)."""
    parser = ArgumentParser(
        prog=PROG,
        description="Tools for the exitkg knowledge graph on exit from sex trafficking.",
        epilog="Exit codes: 0 ok, 1 violations/quotes missing, 2 unreadable input, 3 usage, "
               "4 query error, 5 reasoner, 6 endpoint, 7 timeout, 8 output, 9 runaway SHACL rules, "
               "70 internal error, "
               "130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        subparser = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        if only is None or only == cmd.name:
            cmd.configure(subparser)
    return parser


def _command_named(argv: Sequence[str]) -> str:
    """The command *argv* names (its first word that is not an option), or "" when none."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else ""
    return ""


def _debug() -> bool:
    return os.environ.get("EXITKG_DEBUG", "") not in ("", "0")


#: the options the library names in its messages (as `allow_empty`: their Python names, the
#: library knowing no flags), and the flags the command line shows for them
_FLAGS = {"format": "--input-format", "base": "--base", "repair_iris": "--repair-iris",
          "allow_empty": "--allow-empty", "context_map": "--context-map", "max_bytes": "--max-bytes",
          "max_triples": "--max-triples", "normalize_literals": "--normalize-literals",
          "strict_columns": "--strict-columns", "endpoint": "--endpoint URL", "engine": "--engine",
          "allow_rules": "--allow-rules", "allow_js": "--allow-js", "js_timeout": "--js-timeout",
          "abort_on_first": "--abort-on-first", "max_rule_triples": "--max-rule-triples"}
_OPTION = re.compile(r"`([a-z][a-z0-9_]*)`")


def with_flags(text: str) -> str:
    """A library message as the command line shows it: each option it names (`allow_empty`) as its
    flag (--allow-empty)."""
    return _OPTION.sub(lambda m: _FLAGS.get(m[1], m[0]), text)


def _fail(message: str, code: int) -> int:
    message = with_flags(message)
    try:
        sys.stderr.write(f"{PROG}: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return code


def _add_in_place(p: argparse.ArgumentParser) -> None:
    p.add_argument("--in-place", action="store_true",
                   help="let --out name a file the command reads, and replace it (atomically, once all is read)")


#: the options (and positional arguments) that name files or folders a command reads
_INPUT_OPTIONS = ("data", "only", "source", "annotations", "cases", "name", "sign_key", "previous", "shapes",
                  "context_map", "old", "new")


def _refuse_output_over_input(args: argparse.Namespace) -> None:
    """``--out`` must not be, or lie inside, anything the command reads: inputs are never changed."""
    import os

    out = getattr(args, "out", None)
    if not out:
        return
    target = os.path.realpath(out)
    for option in _INPUT_OPTIONS:
        value = getattr(args, option, None)
        for item in value if isinstance(value, list) else [value] if value else []:
            if not isinstance(item, (str, os.PathLike)) or not os.path.exists(item):
                continue
            source = os.path.realpath(item)
            shown = "--" + option.replace("_", "-") if option not in ("cases", "name", "old", "new") else "the input"
            if target == source and not getattr(args, "in_place", False):
                raise UsageError(f"--out {out} would overwrite {shown} {item}; inputs are never changed, "
                                 "so write the output elsewhere (or give --in-place to replace it)")
            if os.path.isdir(source) and target.startswith(source.rstrip(os.sep) + os.sep):
                raise UsageError(f"--out {out} is inside {shown} {item}, a folder read as input; "
                                 "write the output elsewhere")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    debug = _debug()
    if not debug:
        # Library warnings (e.g. from rdflib) must not clutter stderr.
        root = logging.getLogger()
        if not root.handlers:
            root.addHandler(logging.NullHandler())
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        parser = build_parser(only=_command_named(words))
        args, extra = parser.parse_known_args(words)
        if extra:  # named with the command they were given to, not the top-level parser
            command = getattr(args, "command", None)
            before = command and extra[0] in words and words.index(extra[0]) < words.index(command)
            where = f"{PROG} {command}" if command and not before else PROG
            hint = ("; a query's parameter is given as --param KEY=VALUE"
                    if command == "query" and any("=" in w and not w.startswith("-") for w in extra)
                    else "")
            raise UsageError(f"unrecognized arguments: {' '.join(extra)}{hint} (see '{where} --help')")
        _refuse_output_over_input(args)
        return COMMANDS[args.command].run(args)
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else errors.USAGE)
    except ExitkgError as exc:
        if debug:
            raise
        return _fail(f"error: {exc.message}", exc.exit_code)
    except KeyboardInterrupt:
        if debug:
            raise
        return _fail("interrupted", errors.INTERRUPTED)
    except Exception as exc:
        if debug:
            raise
        return _fail(f"internal error: {type(exc).__name__}: {one_line(exc)}", errors.INTERNAL)
