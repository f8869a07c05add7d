"""``exitkg release --out DIR``: the files of a release, built from the sources into one folder.

The version has one place, ``exitkg.core.version.__version__`` (the package metadata reads it). The sources
never carry it: loading the graph adds ``owl:versionInfo`` and ``owl:versionIRI`` to the ontology
header, and a release writes them into its files. A release of another version (``--version X.Y.Z``,
a semantic version) is the release's own: it replaces the loaded version in the graph before
anything is built, so the ontology, the description, the nanopublications, ``CITATION.cff`` and
``CHANGES.md`` all carry it; the package's version does not change. Building a release edits no source file; it
writes, into a new folder, atomically (a temporary folder renamed into place):

==============================  ==================================================================
``exitkg.ttl`` ``.nt``          the whole graph with its description: Turtle, N-Triples,
``.jsonld`` ``.rdf``            JSON-LD, RDF/XML
``exitkg.trig`` ``.nq``         the same as datasets: one named graph per source
``ontology/exit-factors.ttl``   the ontology alone, with its version IRI (and ``.owl``, RDF/XML)
``tables/*.csv``                studies, factors and findings
``mappings/*.sssom.tsv``        the SSSOM mapping set
``void.ttl``                    the VoID/DCAT description of the graph
``findings.nanopub.trig``       every finding as a nanopublication with a trusty URI
``queries.ttl``                 the query catalogue as SPARQL executables
``evidence-map.html``           the evidence map (``exitkg map``)
``figure-2.svg``                Figure 2 of the review (``exitkg figure``)
``CITATION.cff``                how to cite the release: the checkout's, with version and date, and
                                the creators of every source (their ORCID iDs when known)
``CHANGES.md``                  ``exitkg diff`` from the previous release (``--previous``)
``SHA256SUMS``                  a checksum of every file above
==============================  ==================================================================
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from exitkg.core.errors import InputError, UsageError
from exitkg.rdf.files import Reading

DATASET_FILE = "exitkg.trig"
#: a semantic version (https://semver.org/, 2.0.0): MAJOR.MINOR.PATCH, an optional pre-release and build
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")


def check_version(version: str) -> str:
    """*version* when it is a semantic version (``0.2.0``, ``1.0.0-rc.1``); else a
    :class:`~exitkg.core.errors.UsageError` (exit 3)."""
    if not isinstance(version, str) or not SEMVER.match(version):
        shown = version if isinstance(version, str) else repr(version)
        raise UsageError(f"version {shown[:80]!r} is not a semantic version (MAJOR.MINOR.PATCH, such as 0.2.0)")
    return version


def set_version(graph, version: str) -> None:
    """Make *version* the version the loaded *graph* states (``owl:versionInfo`` and ``owl:versionIRI``
    of the ontology, in its named graph and the merge), in place of the package's."""
    import pyoxigraph as ox

    from exitkg.graph.local import ONTOLOGY_GRAPH
    from exitkg.rdf.namespaces import ONTOLOGY_IRI, OWL

    subject = ox.NamedNode(ONTOLOGY_IRI)
    values: dict[str, ox.NamedNode | ox.Literal] = {
        OWL + "versionInfo": ox.Literal(version), OWL + "versionIRI": ox.NamedNode(f"{ONTOLOGY_IRI}/{version}")}
    for g in (ox.NamedNode(ONTOLOGY_GRAPH), ox.DefaultGraph()):
        for predicate, value in values.items():
            for q in list(graph.store.quads_for_pattern(subject, ox.NamedNode(predicate), None, g)):
                graph.store.remove(q)
            graph.store.add(ox.Quad(subject, ox.NamedNode(predicate), value, g))


@dataclass
class ReleaseResult:
    version: str
    folder: Path
    files: list[str]

    def describe(self) -> str:
        return f"release {self.version}: {len(self.files)} files written to {self.folder}\n"


def _ontology_only(graph) -> object:
    """The ontology's named graph, as a graph of its own (with the version triples)."""
    import pyoxigraph as ox

    from exitkg.graph.local import ONTOLOGY_GRAPH

    return [ox.Triple(q.subject, q.predicate, q.object) for q in graph.graph_quads(ONTOLOGY_GRAPH)]


def build_release(out: str | os.PathLike[str], *, previous: str | os.PathLike[str] | None = None,
                  data=None, only=None, normalize_literals: bool = False,
                  reading: Reading | None = None, version: str | None = None) -> ReleaseResult:
    """Build the release files of the graph (default: the packaged one) into the new folder *out*.

    *version* is the release's version (a semantic version; default: the package's,
    ``exitkg.core.version.__version__``), written in every file that carries one.

    *previous* is the previous release's folder (or a data folder or an export), for the change
    log. *reading* says how the files of *data* and *only* are read (:func:`exitkg.graph.local.load`).
    Nothing is written unless everything was built; *out* must not exist or be empty.
    """
    from exitkg.core.version import __version__
    from exitkg.review.diff import diff, render_markdown
    from exitkg.core.fsutil import new_folder, require_new_folder
    from exitkg.graph.local import load

    version = __version__ if version is None else check_version(version)
    target = require_new_folder(out, "a release")
    if previous is not None and not Path(os.fsdecode(previous)).exists():
        raise InputError(f"{os.fsdecode(previous)}: no such file or folder (the previous release)")
    graph = load(data, only, normalize_literals=normalize_literals, reading=reading)
    set_version(graph, version)
    graph.described()

    files = release_files(graph)
    files["CITATION.cff"] = _citation(version, graph)
    with new_folder(target, "a release") as staging:
        for name, data_bytes in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data_bytes)
        if previous is not None:
            changed = diff(previous, staging / DATASET_FILE)
            changed.old = Path(os.fsdecode(previous)).name or os.fsdecode(previous)
            changed.new = f"release {version}"
            changes = render_markdown(changed)
        else:
            changes = f"# Changes in {version}\n\nThe first release: no previous release to compare with.\n"
        (staging / "CHANGES.md").write_text(changes, encoding="utf-8")
        sums = []
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            rel = path.relative_to(staging).as_posix()
            sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}")
        (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    return ReleaseResult(version, target, written)


def release_files(graph) -> dict[str, bytes]:
    """The files of a release built from *graph* (a loaded graph with its description), by path,
    without the dated ones (``CITATION.cff``, ``CHANGES.md``, ``SHA256SUMS``): byte-identical for
    the same graph and version."""
    import pyoxigraph as ox

    from exitkg.publish import export
    from exitkg.pages.map import render_map
    from exitkg.pages.figure import render_svg
    from exitkg.linking.mappings import load_mappings, render_tsv
    from exitkg.rdf.namespaces import PREFIXES
    from exitkg.publish.nanopubs import export_nanopubs
    from exitkg.sparql.queries import catalogue, render_catalogue_turtle

    files: dict[str, bytes] = {}
    for fmt, ext in export.RDF_FORMATS.items():
        files[f"exitkg.{ext}"] = export.export_rdf(fmt, graph)
    for fmt, ext in export.DATASET_FORMATS.items():
        files[f"exitkg.{ext}"] = export.export_rdf(fmt, graph)
    ontology = export.canonical_triples(_ontology_only(graph))
    # pyoxigraph's stub: serialize without an output returns bytes
    files["ontology/exit-factors.ttl"] = ox.serialize(ontology, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)  # type: ignore[assignment]
    # pyoxigraph's stub: serialize without an output returns bytes
    files["ontology/exit-factors.owl"] = ox.serialize(ontology, format=ox.RdfFormat.RDF_XML, prefixes=PREFIXES)  # type: ignore[assignment]
    for name, text in export.export_tables(graph).items():
        files[f"tables/{name}"] = text.encode("utf-8")
    mapping_set = load_mappings()
    files[f"mappings/{Path(mapping_set.path).name}"] = render_tsv(mapping_set).encode("utf-8")
    files["void.ttl"] = _description_turtle(graph)
    files["findings.nanopub.trig"] = export_nanopubs(graph)
    files["queries.ttl"] = render_catalogue_turtle(catalogue()).encode("utf-8")
    files["evidence-map.html"] = render_map(graph).encode("utf-8")
    files["figure-2.svg"] = render_svg(graph).encode("utf-8")
    return files


def _description_turtle(graph) -> bytes:
    import pyoxigraph as ox

    from exitkg.rdf.namespaces import DATASET, PREFIXES

    triples = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in graph.graph_quads(DATASET)),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    # pyoxigraph's stub: serialize without an output returns bytes
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)  # type: ignore[return-value]


_CONTRIBUTORS = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <https://schema.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?who (SAMPLE(?label) AS ?name) (SAMPLE(?person) AS ?isPerson) WHERE {
  <https://w3id.org/exitkg/ontology> dcterms:contributor ?who .
  OPTIONAL { ?who foaf:name|schema:name|rdfs:label ?label }
  BIND(EXISTS { ?who a foaf:Person } || EXISTS { ?who a schema:Person } AS ?person)
} GROUP BY ?who ORDER BY ?who"""


def _yaml_string(text: str) -> str:
    return '"' + " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def citation_authors(graph) -> list[str]:
    """The CITATION.cff ``authors`` entries of the creators of every source, as the loaded *graph*
    states them (the ontology's ``dcterms:contributor``): a person by the name the curator gave
    (``alias``: one name, never split into given and family names) and, when the IRI is one, the
    ORCID iD; an organization by its name and IRI (``website``)."""
    entries = []
    for row in graph.run(_CONTRIBUTORS).rows:
        who = row["who"].value
        name = row["name"].value if row.get("name") is not None else None
        person = row.get("isPerson") is not None and row["isPerson"].value == "true"
        if who.startswith("https://orcid.org/"):
            entries.append(f"  - alias: {_yaml_string(name or who)}\n    orcid: {_yaml_string(who)}")
        elif person:
            entries.append(f"  - alias: {_yaml_string(name or who)}")
        else:
            entries.append(f"  - name: {_yaml_string(name or who)}\n    website: {_yaml_string(who)}")
    return entries


def _citation(version: str, graph=None) -> bytes:
    """The checkout's CITATION.cff with the version and the release date added (the date is
    ``SOURCE_DATE_EPOCH`` when set, for reproducible builds, else today), and the creators of
    the sources of *graph* among its authors (those it does not list already)."""
    import time

    from exitkg.core.resources import citation_path

    candidate = citation_path()
    if candidate is None:
        raise InputError("CITATION.cff not found beside the package")
    text = candidate.read_text(encoding="utf-8")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = time.gmtime(int(epoch)) if epoch.isdigit() else time.gmtime()
    lines = [line for line in text.splitlines() if not line.startswith(("version:", "date-released:"))]
    if graph is not None and "authors:" in lines:
        at = lines.index("authors:") + 1
        while at < len(lines) and lines[at].startswith((" ", "-")):
            at += 1
        listed = "\n".join(lines[lines.index("authors:"):at])
        added = [entry for entry in citation_authors(graph)
                 if not any(value in listed for value in re.findall(r'(?:orcid|website): ("[^"]*")', entry))]
        lines[at:at] = added
    return ("\n".join(lines).rstrip("\n")
            + f'\nversion: "{version}"\ndate-released: "{time.strftime("%Y-%m-%d", when)}"\n').encode("utf-8")
