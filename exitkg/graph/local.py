"""The loader: every command reads its graph here, and in one way.

:func:`load` builds one :class:`KnowledgeGraph`, an in-memory Oxigraph store holding

- the ontology, in the named graph ``https://w3id.org/exitkg/ontology``;
- the packaged sources (one folder of ``data/`` each), or instead the paths given as *only*;
- then the paths given as *data*, added;
- optionally the VoID/DCAT description of all of it, in the named graph of the dataset IRI.

A folder, or a file, that declares exactly one ``ekg:Source`` is loaded into the named graph of
that source's IRI; TriG and N-Quads files keep the graphs they name; other files (and files that
declare several sources, such as an export of the whole graph) have no named graph. Every triple
is also put, once, into the default graph: the merge of everything, which queries read. So a
triple that two sources both state is counted once, and ``GRAPH`` patterns still see which source
states what.

With the ontology, the merge also gets the one derived property, ``ekg:effectiveRole`` (a role
assertion's stated role, reversed when it is about the factor's absence;
:func:`exitkg.rdf.vocabulary.derive_effective_roles`), which the queries read. Without the ontology
(``ontology=False``) the graph holds exactly the files' triples, so nothing is derived: the
queries see an effective role there only where the files carry it (as ``exitkg export`` writes it).

Everything is parsed before anything is added: on an error nothing is loaded. Inputs are only
read, never modified.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from exitkg.sparql.queries import Queryable
from exitkg.sparql.engine import Result, run_on_store
from exitkg.core.errors import InputError, one_line
from exitkg.rdf.namespaces import DATASET, EKG, ONTOLOGY_IRI, OWL, RDF, sparql_prefixes
from exitkg.rdf.files import ParsedFile, PathLike, Reading, _ox_format, as_reading, parse_file, rdf_files
from exitkg.rdf.vocabulary import derive_effective_roles

ONTOLOGY_GRAPH = ONTOLOGY_IRI
SOURCE_CLASS = EKG + "Source"


@dataclass(frozen=True)
class Part:
    """One input of a loaded graph: what it is, where it came from, and the named graph it is in."""

    kind: str            # "ontology", "source" or "file"
    origin: str          # "packaged", or the path given
    graph: str | None    # the named graph, or None when its triples are only in the merge
    triples: int         # the statements read
    #: statements read that were already there (written twice in a file, or, for an input loaded
    #: into the merge only, by an earlier input), loaded once: RDF graphs are sets
    duplicates: int = 0


def _declared_sources(parsed: list[ParsedFile]) -> list[str]:
    import pyoxigraph as ox

    rdf_type, source = ox.NamedNode(RDF + "type"), ox.NamedNode(SOURCE_CLASS)
    found = {q.subject.value for item in parsed for q in item.quads
             if q.predicate == rdf_type and q.object == source and isinstance(q.subject, ox.NamedNode)}
    return sorted(found)


@dataclass
class _Input:
    kind: str
    origin: str
    parsed: list[ParsedFile]
    graph: str | None
    #: loaded by Oxigraph's bulk loader straight from the files (their quads were not kept)
    bulk: bool = False
    #: the base IRI of the files' relative IRIs (given by the user)
    base: str | None = None


def _read_input(path: PathLike, packaged: bool = False, reading: Reading = Reading(),
                max_triples: int | None = None) -> _Input:
    """Check an input (a file or a source folder) and decide where its triples go.

    A packaged folder is parsed whole. A file or folder given by the user is first checked
    without keeping its quads; if it declares one source it is parsed again into that source's
    graph; if its triples go to the merge only (no source: case records, other data; or several:
    an export of the whole graph) and it is in a triple format, Oxigraph's bulk loader reads it
    straight from the file (:func:`load`), so a large linked set is never held as Python objects.
    *max_triples* is the number of statements its files may hold in all.
    """
    shown = os.fsdecode(path)
    target = Path(shown)
    if os.path.isdir(target):  # False for a name too long too: the reader says what is wrong
        files = rdf_files(target)
        if not files:
            raise InputError(f"{shown}: folder holds no RDF files")
    else:
        files = [target]
    if packaged:
        parsed = [parse_file(f) for f in files]
        sources = _declared_sources(parsed)
        if len(sources) != 1:
            raise InputError(f"{shown}: a packaged data folder declares one ekg:Source, this one {len(sources)}")
        return _Input("source", "packaged", parsed, sources[0])
    options: dict  # of the keyword arguments of parse_file
    options = dict(input_format=reading.format, base=reading.base, repair=reading.repair_iris,
                   allow_empty=reading.allow_empty,
                   contexts=reading.contexts)
    scanned = []
    for f in files:
        scanned.append(parse_file(f, keep=False, max_triples=max_triples, **options))
        if max_triples is not None:
            max_triples -= scanned[-1].count
    sources = sorted({s for item in scanned for s in item.sources})
    # one source: its named graph; none or several (an export of the whole graph): the merge only
    graph = sources[0] if len(sources) == 1 else None
    if graph is None and not any(item.is_dataset for item in scanned):
        return _Input("file", shown, scanned, None, bulk=True, base=reading.base)
    return _Input("source" if graph else "file", shown,
                  [parse_file(f, **options) for f in files], graph)


def packaged_source_folders() -> list[Path]:
    """The folders of the packaged ``data/``, one per source, sorted."""
    from exitkg.core.resources import resource_dir

    root = resource_dir("data")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not folders:
        raise InputError(f"no source folders found in {root}")
    return folders


class KnowledgeGraph(Queryable):
    """A loaded graph: an Oxigraph store with one named graph per source and their merge.

    Use :func:`load` to make one. ``run`` and ``query`` execute SPARQL on the merge.
    """

    name = "local"

    def __init__(self, store, parts: list[Part], prefixes: Mapping[str, str], restore=None, notes=(), tags=None,
                 ontology: bool = True):
        self.store = store
        #: False when loaded with ``ontology=False``: the graph holds exactly the triples of the files
        #: given, so no description is added to it (:meth:`described` returns it as it is)
        self.ontology = ontology
        self.parts = list(parts)
        self.prefixes = dict(prefixes)
        #: (predicate, the store's form of a typed literal) -> the form the input wrote (see :func:`load`)
        self.restore: dict = dict(restore or {})
        #: what a reader should know about the inputs (ill-typed or normalized literals)
        self.notes: list[str] = list(notes)
        #: language tags as the inputs spell them, by the store's lower-case form (``en-gb`` ->
        #: ``en-GB``), for the exports (:mod:`exitkg.publish.export`); SPARQL answers show the store's form
        self.tags: dict[str, str] = dict(tags or {})

    def _restored(self, quads):
        """*quads* with each typed literal in the form its input wrote."""
        import pyoxigraph as ox

        restore = self.restore
        stored = {literal for _, literal in restore}
        for q in quads:
            if q.object in stored:
                original = restore.get((q.predicate, q.object))
                if original is not None:
                    q = ox.Quad(q.subject, q.predicate, original, q.graph_name)
            yield q

    # --- size and contents -------------------------------------------------------------------
    def __len__(self) -> int:
        """The number of distinct triples in the merge."""
        # counted by the store (a SPARQL query's default graph is the merge), not one quad at a time in Python
        [row] = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(row[0].value)

    def triples(self) -> Iterator:
        """The distinct triples of the merge, as pyoxigraph quads in the default graph; typed
        literals in the form their input wrote them."""
        import pyoxigraph as ox

        quads = self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        return self._restored(quads) if self.restore else quads

    def named_graphs(self) -> list[str]:
        """The names of the named graphs, sorted."""
        return sorted(g.value for g in self.store.named_graphs())

    def graph_quads(self, name: str) -> Iterator:
        """The quads of one named graph (typed literals as their input wrote them)."""
        import pyoxigraph as ox

        quads = self.store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        return self._restored(quads) if self.restore else quads

    def unnamed_triples(self) -> list:
        """Triples of the merge that are in no named graph (from files that declare no source)."""
        named = {(q.subject, q.predicate, q.object) for g in self.store.named_graphs()
                 for q in self.graph_quads(g.value)}
        return [q for q in self.triples() if (q.subject, q.predicate, q.object) not in named]

    def sources(self) -> dict[str, str]:
        """The sources in the graph: IRI -> title."""
        rows = self.run(sparql_prefixes("ekg", "dcterms") + """
            SELECT ?s (SAMPLE(?t) AS ?title) WHERE { ?s a ekg:Source OPTIONAL { ?s dcterms:title ?t } }
            GROUP BY ?s ORDER BY ?s""").rows
        return {r["s"].value: (r["title"].value if r.get("title") is not None else "") for r in rows}

    # --- queries -------------------------------------------------------------------------------
    def run(self, text: str, bindings: Mapping | None = None) -> Result:
        """Execute SPARQL on the merge; *bindings* (variable -> RDF term) are substituted, never pasted."""
        return run_on_store(self.store, text, bindings)

    # --- conversions ---------------------------------------------------------------------------
    def to_rdflib(self):
        """The merge as an :class:`rdflib.Graph` (for libraries that need one, such as pySHACL)."""
        from rdflib import Graph

        from exitkg.rdf.files import bind_prefixes
        from exitkg.rdf.terms import to_rdflib

        graph = Graph()
        for q in self.triples():
            graph.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        bind_prefixes(graph, self.prefixes)
        return graph

    # --- description ---------------------------------------------------------------------------
    def described(self) -> KnowledgeGraph:
        """This graph, with its VoID/DCAT description added if it has none yet (a graph loaded
        with ``ontology=False`` is returned as it is: it holds exactly the files given)."""
        import pyoxigraph as ox

        if self.ontology and not self.store.contains_named_graph(ox.NamedNode(DATASET)):
            self.add_description()
        return self

    def add_description(self, endpoint: str | None = None) -> None:
        """Add (or replace) the VoID/DCAT description of the graph, computed from the graph."""
        import pyoxigraph as ox

        from exitkg.graph.describe import describe

        name = ox.NamedNode(DATASET)
        if self.store.contains_named_graph(name):
            raise InputError("the graph already holds its description")
        triples = describe(self, endpoint)
        quads = [ox.Quad(s, p, o, name) for s, p, o in triples]
        quads += [ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in triples]
        self.store.extend(quads)
        self.prefixes.setdefault("void", "http://rdfs.org/ns/void#")
        self.prefixes.setdefault("dcat", "http://www.w3.org/ns/dcat#")


def _version_quads() -> list:
    """The ontology's version, from its one place (``exitkg.core.version.__version__``): ``owl:versionInfo`` and
    ``owl:versionIRI``, in the ontology's named graph and the merge. The sources never carry it."""
    import pyoxigraph as ox

    from exitkg.core.version import __version__

    owl = OWL
    subject = ox.NamedNode(ONTOLOGY_IRI)
    triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]]
    triples = [(subject, ox.NamedNode(owl + "versionInfo"), ox.Literal(__version__)),
               (subject, ox.NamedNode(owl + "versionIRI"), ox.NamedNode(f"{ONTOLOGY_IRI}/{__version__}"))]
    return [ox.Quad(s, p, o, g) for s, p, o in triples for g in (ox.NamedNode(ONTOLOGY_GRAPH), ox.DefaultGraph())]


_CREATORS = """PREFIX ekg: <https://w3id.org/exitkg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?creator WHERE { ?source a ekg:Source ; dcterms:creator ?creator FILTER(isIRI(?creator)) }
ORDER BY ?creator"""


def _contributor_quads(store) -> list:
    """The creators of every source (``dcterms:creator`` of an ``ekg:Source``: its curators, or the
    project for the packaged ones) as ``dcterms:contributor`` of the ontology, in its named graph
    and the merge: the header states whose work the loaded graph holds."""
    import pyoxigraph as ox

    subject, predicate = ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode("http://purl.org/dc/terms/contributor")
    creators = [row["creator"] for row in store.query(_CREATORS)]
    graphs = (ox.NamedNode(ONTOLOGY_GRAPH), ox.DefaultGraph())
    return [ox.Quad(subject, predicate, c, g) for c in creators for g in graphs]


def _as_list(paths) -> list:
    if paths is None:
        return []
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    return list(paths)


def load(data: PathLike | Iterable[PathLike] | None = None, only: PathLike | Iterable[PathLike] | None = None,
         *, ontology: bool = True, describe: bool = False, endpoint: str | None = None,
         store: PathLike | None = None, normalize_literals: bool = False, reading: Reading | None = None,
         **options) -> KnowledgeGraph:
    """Load the exitkg graph.

    * ``load()``: the ontology and the packaged sources.
    * ``load(data=[...])``: the same, with these files or source folders added.
    * ``load(only=[...])``: the ontology and these files or folders instead of the packaged sources.
    * ``load(only=[...], ontology=False)``: exactly these files: their triples and nothing else
      (no ontology, no ``owl:versionInfo``, no derived ``ekg:effectiveRole``, no description,
      whatever *describe* says), so that
      ``SELECT (COUNT(*) AS ?n) { ?s ?p ?o }`` counts the files' distinct triples. The ontology
      comes back by naming its file among *only* (:func:`exitkg.core.resources.ontology_path`).
    * ``describe=True`` adds the graph's VoID/DCAT description (with *endpoint* as its SPARQL
      endpoint, when given).
    * ``store=DIR`` keeps the loaded graph (with its description) in an Oxigraph store on disk in
      the folder *DIR*; a later call with the same inputs, unchanged (same files, sizes and
      modification times) and the same version of exitkg, opens it instead of loading again, so a
      large linked set loads once and is queried many times. *DIR* must be new, empty, or such a
      store.

    Typed literals come out as the inputs wrote them (``"01"^^xsd:integer``, ``"1"^^xsd:int``),
    though Oxigraph's store keeps numbers, booleans, dates and durations in canonical form (which is
    what SPARQL answers show): the graph remembers each form the store changed and restores it in
    :meth:`KnowledgeGraph.triples` and :meth:`KnowledgeGraph.graph_quads`, which every export
    reads. Where two forms of one value meet (``"01"`` and ``"1"``), the store cannot keep both:
    an :class:`~exitkg.core.errors.InputError`, unless ``normalize_literals=True``, which accepts the
    store's canonical form for those values (and says how many in :attr:`KnowledgeGraph.notes`).
    Language tags, which the store keeps in lower case, are spelled in the exports as the inputs
    spelled them (:attr:`KnowledgeGraph.tags`); one tag spelled two ways (``en-GB``, ``en-gb``) is
    an :class:`~exitkg.core.errors.InputError` too, unless ``normalize_literals=True`` (lower case kept).

    *reading* (:class:`exitkg.rdf.files.Reading`; or its fields as keyword arguments, *options*, which
    replace the fields of *reading*) says how the files of *data* and *only* are read. Its
    *format* (``input_format=`` is taken too: ``"turtle"``, ``"ntriples"``, ``"nquads"``, ``"trig"``,
    ``"rdfxml"`` or ``"jsonld"``) is the format of every file of *data* and *only*, whatever its extension;
    without it, each file's extension says its format. *base* is the absolute IRI that relative
    IRIs in those files resolve against (without it, a relative IRI is an error). With
    *repair_iris*, an IRI holding a character no IRI may hold (a space, braces, ``|`` ...) in a
    Turtle, TriG, N-Triples or N-Quads file is read percent-encoded, and each change is named in
    :attr:`KnowledgeGraph.notes` (without it, such an IRI is an error). With *allow_empty*, an
    empty file, or one without triples, is read as no statements instead of being an error.
    *context_map* is a JSON file mapping remote JSON-LD context URLs to local copies
    (:func:`exitkg.rdf.files.read_context_map`); other remote contexts are refused, and nothing is
    fetched.

    *max_bytes* and *max_triples* bound the files of *data* and *only* (the packaged ones aside):
    their size in all, checked before any is read, and their statements in all, counted as they
    are read, so that a file beyond the limit is refused at the first statement over it. A store
    already built from the same inputs (*store*) is opened without reading them, whatever they hold.

    Raises :class:`~exitkg.core.errors.InputError` for an unreadable input, or inputs beyond a limit;
    then nothing is loaded.
    """
    import pyoxigraph as ox

    only_list, data_list = _as_list(only), _as_list(data)
    # the map is read once, before any input: a bad map is an error before anything is read
    reading = as_reading(reading, **options).prepared()
    if only is not None and not only_list:
        raise InputError("no input files given")
    if store is not None:
        return _stored_graph(Path(os.fsdecode(store)), only_list if only is not None else None, data_list,
                             ontology=ontology, endpoint=endpoint, normalize_literals=normalize_literals,
                             reading=reading)
    graph = _fill(ox.Store(), _inputs(only_list if only is not None else None, data_list, ontology, reading),
                  ontology, normalize_literals)
    if describe and ontology:
        graph.add_description(endpoint)
    return graph


#: environment variable: the memory (bytes, or with K, M, G) a load may plan to use
MEMORY_ENV = "EXITKG_MEMORY"
#: memory a load takes per byte of input, by format, with a margin: loading N-Triples peaks at
#: about 4 times the file's size, Turtle (denser) at about 9 times
_MEMORY_PER_BYTE = {"ntriples": 6, "nquads": 6}
_MEMORY_PER_BYTE_OTHER = 12
_MEMORY_BASE = 200 * 2**20


def parse_size(text: str) -> int:
    """Bytes from a size as people write it: ``512M``, ``8G``, ``1.5GiB``, ``1000`` (K, M, G are
    powers of 1,024); :class:`ValueError` for anything else."""
    import re

    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)i?B?", text.strip(), re.I)
    if not match:
        raise ValueError(f"{text!r} is not a size (such as 8G or 512M)")
    return int(float(match.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match.group(2).upper()])


def _memory_available() -> tuple[int, str]:
    """(bytes a load may use, where that figure comes from)."""
    import resource

    setting = os.environ.get(MEMORY_ENV, "").strip()
    if setting:
        try:
            return parse_size(setting), MEMORY_ENV
        except ValueError:
            raise InputError(f"{MEMORY_ENV}={setting!r} is not a size (such as 8G or 512M)") from None
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    found.append((int(line.split()[1]) * 1024, "the system's available memory"))
    except (OSError, ValueError):
        pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text(encoding="ascii").strip()
        used = int((cgroup / "memory.current").read_text(encoding="ascii").strip())
        if limit != "max":
            found.append((int(limit) - used, "the control group's memory limit"))
    except (OSError, ValueError):
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        found.append((soft, "the process's address-space limit"))
    return min(found) if found else (-1, "")


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def _preflight(paths: list, input_format: str | None, max_bytes: int | None = None) -> None:
    """Refuse inputs larger than *max_bytes*, or that would need more memory than there is,
    before reading them."""
    from exitkg.rdf.files import FORMATS

    total = need = 0
    for path in paths:
        target = Path(os.fsdecode(path))
        try:
            files = rdf_files(target) if target.is_dir() else [target]
        except OSError:
            continue  # the reader says what is wrong with it (a name too long ...)
        for file in files:
            try:
                size = file.stat().st_size
            except OSError:
                continue  # the reader says what is wrong with it
            fmt = input_format or FORMATS.get(file.suffix.lower(), "")
            total += size
            need += size * _MEMORY_PER_BYTE.get(fmt, _MEMORY_PER_BYTE_OTHER)
    if max_bytes is not None and total > max_bytes:
        raise InputError(f"the inputs hold {total:,} bytes, more than `max_bytes` allows ({max_bytes:,}); "
                         "nothing was read")
    if not total:
        return
    available, source = _memory_available()
    if available >= 0 and need + _MEMORY_BASE > available:
        raise InputError(f"the inputs ({total / 2**20:,.0f} MiB) would need about {_gib(need + _MEMORY_BASE)} of "
                         f"memory to load, and {source} is {_gib(max(available, 0))}; load less at once, or set "
                         f"{MEMORY_ENV} to the memory exitkg may use")


def _inputs(only_list: list | None, data_list: list, ontology: bool, reading: Reading = Reading()) -> list[_Input]:
    from exitkg.core.resources import ontology_path

    _preflight(list(only_list or []) + list(data_list), reading.format, reading.max_bytes)
    inputs: list[_Input] = []
    if ontology:
        inputs.append(_Input("ontology", "packaged", [parse_file(ontology_path())], ONTOLOGY_GRAPH))
    if only_list is None:
        inputs += [_read_input(folder, packaged=True) for folder in packaged_source_folders()]
    counted = 0  # statements of the user's files so far, for --max-triples
    for path in list(only_list or []) + list(data_list):
        left = None if reading.max_triples is None else reading.max_triples - counted
        inputs.append(_read_input(path, reading=reading, max_triples=left))
        counted += sum(parsed.count for parsed in inputs[-1].parsed)
    if not inputs:
        raise InputError("no input files given")
    return inputs


def _restore_map(inputs: list[_Input], normalize: bool) -> tuple[dict, list[str]]:
    """(store's form -> input's form, notes) for the typed literals the store keeps differently;
    :class:`InputError` where two forms of one value meet, unless *normalize*."""
    import pyoxigraph as ox

    from exitkg.rdf.files import short_literal

    restore: dict[tuple, tuple] = {}  # (predicate, store's value, datatype) -> (value, datatype) as written
    clashes: dict[tuple, set] = {}
    changed = 0
    for item in inputs:
        for parsed in item.parsed:
            for (predicate, *original), kept in parsed.changed:
                changed += 1
                key, original = (predicate, *kept), tuple(original)
                restore.setdefault(key, original)
                if restore[key] != original:
                    clashes.setdefault(key, {restore[key]}).add(original)
    for item in inputs:  # a store's form that an input also writes as such: two forms of one value
        for parsed in item.parsed:
            for key in parsed.typed & restore.keys():
                clashes.setdefault(key, {restore[key]}).add(key[1:])
    notes = []
    if normalize and clashes:
        for key in clashes:
            del restore[key]
        notes.append(f"{len(clashes)} value{'s' if len(clashes) != 1 else ''} written in two forms, kept in the "
                     "store's canonical form (`normalize_literals`)")
    elif clashes:
        key, forms = sorted(clashes.items())[0]
        shown = " and ".join(short_literal(*f) for f in sorted(forms))
        raise InputError(f"{shown} (values of <{key[0]}>) are one value, which the store keeps once, as "
                         f"{short_literal(*key[1:])} ({len(clashes)} such value{'s' if len(clashes) != 1 else ''}); "
                         "write one form, or accept the store's with `normalize_literals`")
    return {(ox.NamedNode(k[0]), ox.Literal(k[1], datatype=ox.NamedNode(k[2]))):
            ox.Literal(o[0], datatype=ox.NamedNode(o[1])) for k, o in restore.items()}, notes


def _tag_map(inputs: list[_Input], normalize: bool) -> tuple[dict[str, str], list[str]]:
    """(the store's lower-case form -> the inputs' spelling, notes) for the language tags the inputs
    write with a capital letter; :class:`InputError` where they spell one tag in two ways (``en-GB``
    and ``en-gb``), which the store keeps once, unless *normalize* (then the lower case is kept)."""
    spellings: dict[str, set] = {}
    for item in inputs:
        for parsed in item.parsed:
            for tag in parsed.tags:
                spellings.setdefault(tag.lower(), set()).add(tag)
    clashes = {low: forms for low, forms in spellings.items() if len(forms) > 1}
    if clashes and not normalize:
        low, forms = sorted(clashes.items())[0]
        raise InputError(f"the language tags {' and '.join(sorted(forms))} are one tag, which the store keeps once, "
                         f"as {low} ({len(clashes)} such tag{'s' if len(clashes) != 1 else ''}); write one form, or "
                         "accept the store's with `normalize_literals`")
    notes = [f"{len(clashes)} language tag{'s' if len(clashes) != 1 else ''} written in two forms, kept in lower "
             "case (`normalize_literals`)"] if clashes else []
    return {low: min(forms) for low, forms in spellings.items() if len(forms) == 1 and min(forms) != low}, notes


def _check_whole(parsed: ParsedFile, base: str | None) -> None:
    """Parse every statement of a bulk-loaded file (checked by line) for the error the loader met,
    raised with its position (:class:`InputError`); nothing if the file is now good."""
    from exitkg.rdf.files import FORMATS

    named = None if FORMATS.get(parsed.path.suffix.lower()) == parsed.format else parsed.format
    parse_file(parsed.path, keep=False, whole=True, input_format=named, base=base, allow_empty=True)


def _fill(store, inputs: list[_Input], ontology: bool, normalize_literals: bool = False) -> KnowledgeGraph:
    """Load *inputs* into the (empty) pyoxigraph *store*."""
    import pyoxigraph as ox

    restore, notes = _restore_map(inputs, normalize_literals)
    tags, tag_notes = _tag_map(inputs, normalize_literals)
    notes = [note for item in inputs for parsed in item.parsed for note in parsed.notes] + notes + tag_notes

    parts: list[Part] = []
    prefixes: dict[str, str] = {}
    default = ox.DefaultGraph()
    def repeated(n: int, read: int, where: str, origin: str) -> None:
        if n:
            notes.append(f"{origin}: {n:,} of {read:,} statements repeat {where}, loaded once (an RDF graph "
                         "is a set)")

    for item in inputs:
        if item.bulk:
            before = len(store)
            for parsed in item.parsed:
                if not parsed.count:  # an empty file, read with allow_empty
                    continue
                try:
                    with open(parsed.path, "rb") as handle:
                        bom = handle.read(3) == b"\xef\xbb\xbf"  # accepted by the check, not by the bulk loader
                    if parsed.repaired is not None:  # the text as read (IRIs repaired, contexts mapped)
                        store.bulk_load(input=parsed.repaired, format=_ox_format(parsed.format), base_iri=item.base)
                    elif bom:
                        store.bulk_load(input=parsed.path.read_bytes()[3:], format=_ox_format(parsed.format),
                                        base_iri=item.base)
                    else:
                        store.bulk_load(path=str(parsed.path), format=_ox_format(parsed.format), base_iri=item.base)
                except (OSError, SyntaxError, ValueError, MemoryError) as exc:  # MemoryError: a term over 16 MiB
                    if not isinstance(exc, OSError) and parsed.repaired is None:  # checked by line only:
                        _check_whole(parsed, item.base)  # the whole check names the error, placed
                    raise InputError(f"{os.fsdecode(parsed.path)}: cannot load: {one_line(exc)}") from None
                for prefix, ns in parsed.prefixes.items():
                    prefixes.setdefault(prefix, ns)
            read = sum(p.count for p in item.parsed)
            duplicates = read - (len(store) - before)
            repeated(duplicates, read, "others of the file or of earlier inputs", item.origin)
            parts.append(Part(item.kind, item.origin, None, read, duplicates))
            continue
        count = 0
        target = ox.NamedNode(item.graph) if item.graph else None

        def quads(item=item, target=target):
            nonlocal count
            for parsed in item.parsed:
                for q in parsed.quads:
                    count += 1
                    graph = q.graph_name if target is None else target
                    if not isinstance(graph, ox.DefaultGraph):
                        yield ox.Quad(q.subject, q.predicate, q.object, graph)
                    yield ox.Quad(q.subject, q.predicate, q.object, default)

        store.extend(quads())
        duplicates = 0
        for parsed in item.parsed:
            n = len(parsed.quads) - len(set(parsed.quads))
            repeated(n, len(parsed.quads), "others of the file", os.fsdecode(parsed.path))
            duplicates += n
        parts.append(Part(item.kind, item.origin, item.graph, count, duplicates))
        for parsed in item.parsed:
            for prefix, ns in parsed.prefixes.items():
                prefixes.setdefault(prefix, ns)
    if ontology:
        store.extend(_version_quads())
        store.extend(_contributor_quads(store))
        derive_effective_roles(store)
    return KnowledgeGraph(store, parts, prefixes, restore, notes, tags, ontology=ontology)


# --------------------------------------------------------------------------- #
# A graph kept on disk (load(store=DIR))
# --------------------------------------------------------------------------- #

_MANIFEST = "exitkg-store.json"
_DATABASE = "oxigraph"


def _manifest(only_list: list | None, data_list: list, ontology: bool, endpoint: str | None,
              normalize_literals: bool = False, reading: Reading = Reading()) -> dict:
    """What a stored graph was loaded from: every input file with its size and modification time."""
    from exitkg.core.version import __version__
    from exitkg.core.resources import ontology_path

    def files(path) -> list:
        target = Path(os.fsdecode(path))
        found = rdf_files(target) if target.is_dir() else [target]
        out = []
        for f in found:
            try:
                stat = f.stat()
                out.append([str(f.resolve()), stat.st_size, stat.st_mtime_ns])
            except OSError:
                out.append([str(f), None, None])
        return out

    inputs = []
    if ontology:
        inputs.append(["ontology", files(ontology_path())])
    if only_list is None:
        inputs += [["packaged", files(folder)] for folder in packaged_source_folders()]
    inputs += [["only", files(p)] for p in only_list or []]
    inputs += [["data", files(p)] for p in data_list]
    if reading.context_map:
        inputs.append(["context-map", files(reading.context_map)])
    return {"exitkg": __version__, "ontology": ontology, "endpoint": endpoint, "inputs": inputs,
            "derived": ["effectiveRole"] if ontology else [],
            "normalize_literals": normalize_literals, "input_format": reading.format, "base": reading.base,
            "repair_iris": reading.repair_iris, "allow_empty": reading.allow_empty,
            "context_map": reading.context_map}


def _restore_to_json(restore: dict) -> list:
    return sorted([p.value, k.value, k.datatype.value, o.value, o.datatype.value] for (p, k), o in restore.items())


def _restore_from_json(rows: list) -> dict:
    import pyoxigraph as ox

    return {(ox.NamedNode(p), ox.Literal(kv, datatype=ox.NamedNode(kd))): ox.Literal(ov, datatype=ox.NamedNode(od))
            for p, kv, kd, ov, od in rows}


#: the lock file of earlier versions, which a store folder may still hold (the lock is now the folder)
_LOCK = ".exitkg-store.lock"
#: how long a run waits for another that is building the same store
LOCK_WAIT = 600.0


def _stored_graph(folder: Path, only_list: list | None, data_list: list, *, ontology: bool,
                  endpoint: str | None, normalize_literals: bool = False,
                  reading: Reading = Reading()) -> KnowledgeGraph:
    """Open the store kept in *folder*, or (re)build it; one run at a time per folder: a second
    run waits (at most :data:`LOCK_WAIT` seconds) and then opens what the first one built.

    The lock is the folder itself (``flock`` on its descriptor), not a file in it: nothing is
    written into a folder before it is known to be new, empty or a store, and a first load that
    fails removes the folder it created."""
    import fcntl
    import time

    from exitkg.core.errors import OutputError

    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            if folder.exists() and not folder.is_dir():
                raise OutputError(f"{folder}: not a folder (the store)")
            created = not folder.exists()
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError as exc:
            raise OutputError(f"{folder}: cannot use the store folder: {exc.strerror or exc}") from None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OutputError(f"{folder}: another run has been building this store for more than "
                                          f"{LOCK_WAIT:g} s") from None
                    time.sleep(0.2)
            try:
                here = os.path.samestat(os.fstat(fd), os.stat(folder))
            except OSError:
                here = False
            if not here:  # the folder locked was removed (a first load failed) while this run waited
                continue
            try:
                return _open_or_build(folder, only_list, data_list, ontology=ontology, endpoint=endpoint,
                                      normalize_literals=normalize_literals, reading=reading)
            except BaseException:
                if created:
                    try:
                        folder.rmdir()  # only if still empty
                    except OSError:
                        pass
                raise
        finally:
            os.close(fd)  # releases the lock


def _open_or_build(folder: Path, only_list: list | None, data_list: list, *, ontology: bool,
                   endpoint: str | None, normalize_literals: bool = False,
                   reading: Reading = Reading()) -> KnowledgeGraph:
    import json
    import shutil

    import pyoxigraph as ox

    from exitkg.core.errors import OutputError
    from exitkg.core.fsutil import atomic_write_text

    manifest = _manifest(only_list, data_list, ontology, endpoint, normalize_literals, reading)
    record = folder / _MANIFEST
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: not a folder (the store)")
    if folder.is_dir() and any(p.name != _LOCK for p in folder.iterdir()) and not record.is_file():
        raise OutputError(f"{folder}: the folder holds other files; give a new or empty folder, or an exitkg store")
    kept = None
    if record.is_file():
        try:
            kept = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = None
    if kept is not None and kept.get("manifest") == manifest and (folder / _DATABASE).is_dir():
        try:
            store = ox.Store.read_only(str(folder / _DATABASE))
        except OSError as exc:
            raise InputError(f"{folder}: cannot open the store: {one_line(exc)}") from None
        loaded = [Part(**p) for p in kept["parts"]]
        return KnowledgeGraph(store, loaded, kept["prefixes"], _restore_from_json(kept.get("restore", [])),
                              tags=kept.get("tags", {}), ontology=ontology)
    # (re)load: into a new database beside the old one, swapped in when complete
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the store folder: {exc.strerror or exc}") from None
    building = folder / f".{_DATABASE}.{os.getpid()}.new"
    shutil.rmtree(building, ignore_errors=True)
    try:
        store = ox.Store(str(building))
        graph = _fill(store, _inputs(only_list, data_list, ontology, reading), ontology, normalize_literals)
        if ontology:
            graph.add_description(endpoint)
        store.flush()
        parts, prefixes, restore, notes = [asdict(p) for p in graph.parts], graph.prefixes, graph.restore, graph.notes
        tags = graph.tags
        del graph, store
        old = folder / f".{_DATABASE}.{os.getpid()}.old"
        if (folder / _DATABASE).exists():
            os.replace(folder / _DATABASE, old)
        os.replace(building, folder / _DATABASE)
        shutil.rmtree(old, ignore_errors=True)
        atomic_write_text(record, json.dumps({"manifest": manifest, "parts": parts, "prefixes": prefixes,
                                              "restore": _restore_to_json(restore), "tags": tags},
                                             indent=1, sort_keys=True) + "\n")
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the store: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    try:
        store = ox.Store.read_only(str(folder / _DATABASE))
    except OSError as exc:
        raise InputError(f"{folder}: cannot open the store: {one_line(exc)}") from None
    return KnowledgeGraph(store, [Part(**p) for p in parts], prefixes, restore, notes, tags, ontology=ontology)
