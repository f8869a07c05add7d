"""``exitkg release --out DIR``: the files of a release, built from the sources into one folder.

The version has one place, ``exitkg.core.version.__version__`` (the package metadata reads it). The sources
never carry it: loading the graph adds ``owl:versionInfo`` and ``owl:versionIRI`` to the ontology
header, and a release writes them into its files. Building a release edits no source file; it
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
``CITATION.cff``                how to cite the release: the checkout's, with version and date
``CHANGES.md``                  ``exitkg diff`` from the previous release (``--previous``)
``SHA256SUMS``                  a checksum of every file above
==============================  ==================================================================
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from exitkg.core.errors import InputError
from exitkg.rdf.files import Reading

DATASET_FILE = "exitkg.trig"


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
                  reading: Reading | None = None) -> ReleaseResult:
    """Build the release files of the graph (default: the packaged one) into the new folder *out*.

    *previous* is the previous release's folder (or a data folder or an export), for the change
    log. *reading* says how the files of *data* and *only* are read (:func:`exitkg.graph.local.load`).
    Nothing is written unless everything was built; *out* must not exist or be empty.
    """
    from exitkg.core.version import __version__
    from exitkg.review.diff import diff, render_markdown
    from exitkg.core.fsutil import new_folder, require_new_folder
    from exitkg.graph.local import load

    target = require_new_folder(out, "a release")
    if previous is not None and not Path(os.fsdecode(previous)).exists():
        raise InputError(f"{os.fsdecode(previous)}: no such file or folder (the previous release)")
    graph = load(data, only, describe=True, normalize_literals=normalize_literals, reading=reading)

    files = release_files(graph)
    files["CITATION.cff"] = _citation(__version__)
    with new_folder(target, "a release") as staging:
        for name, data_bytes in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data_bytes)
        if previous is not None:
            changed = diff(previous, staging / DATASET_FILE)
            changed.old = Path(os.fsdecode(previous)).name or os.fsdecode(previous)
            changed.new = f"release {__version__}"
            changes = render_markdown(changed)
        else:
            changes = f"# Changes in {__version__}\n\nThe first release: no previous release to compare with.\n"
        (staging / "CHANGES.md").write_text(changes, encoding="utf-8")
        sums = []
        for path in sorted(p for p in staging.rglob("*") if p.is_file()):
            rel = path.relative_to(staging).as_posix()
            sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}")
        (staging / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
        written = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
    return ReleaseResult(__version__, target, written)


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


def _citation(version: str) -> bytes:
    """The checkout's CITATION.cff with the version and the release date added (the date is
    ``SOURCE_DATE_EPOCH`` when set, for reproducible builds, else today)."""
    import time

    from exitkg.core.resources import _PACKAGE_DIR

    for candidate in (_PACKAGE_DIR / "_resources" / "CITATION.cff", _PACKAGE_DIR.parent / "CITATION.cff"):
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8")
            break
    else:
        raise InputError("CITATION.cff not found beside the package")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = time.gmtime(int(epoch)) if epoch.isdigit() else time.gmtime()
    lines = [line for line in text.splitlines() if not line.startswith(("version:", "date-released:"))]
    return ("\n".join(lines).rstrip("\n")
            + f'\nversion: "{version}"\ndate-released: "{time.strftime("%Y-%m-%d", when)}"\n').encode("utf-8")
