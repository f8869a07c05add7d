"""``exitkg site --out DIR``: resolvable identifiers, as static files, with the rules that serve them.

For every resource of the graph named under ``https://w3id.org/exitkg/`` (factors, studies,
findings, classifications, sources, sections, models ...) and for the ontology itself, the site
holds three files at the path of its identifier: ``<path>.html`` (a page: its label, every
statement about it, identifiers linked to their pages), ``<path>.ttl`` (Turtle) and
``<path>.jsonld`` (JSON-LD). The ``.htaccess`` at the root applies content negotiation as the w3id
service's rules do (HTML for browsers, Turtle or JSON-LD on request, ``Vary: Accept``), so an
Apache httpd serving the folder at ``https://w3id.org/exitkg/`` resolves every identifier. The
root ``index.html`` is the evidence map. Every file is byte-identical from run to run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape
from pathlib import Path

from exitkg.namespaces import ONTOLOGY_IRI, PREFIXES

BASE = "https://w3id.org/exitkg/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCT_TITLE = "http://purl.org/dc/terms/title"

HTACCESS = """# Content negotiation for the identifiers under https://w3id.org/exitkg/ (as the w3id rules do):
# Turtle or JSON-LD when the client asks for them, HTML otherwise.
Options -MultiViews
DirectoryIndex index.html
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType text/html .html
AddCharset utf-8 .ttl .jsonld .html
RewriteEngine On

RewriteCond %{HTTP_ACCEPT} text/turtle
RewriteCond %{REQUEST_FILENAME}.ttl -f
RewriteRule ^(.+)$ $1.ttl [L]

RewriteCond %{HTTP_ACCEPT} application/ld\\+json
RewriteCond %{REQUEST_FILENAME}.jsonld -f
RewriteRule ^(.+)$ $1.jsonld [L]

RewriteCond %{REQUEST_FILENAME}.html -f
RewriteRule ^(.+)$ $1.html [L]

<IfModule mod_headers.c>
  Header append Vary Accept
</IfModule>
"""


@dataclass
class SiteResult:
    folder: Path
    resources: int

    def describe(self) -> str:
        return f"site written to {self.folder}: {self.resources} identifiers, each as HTML, Turtle and JSON-LD\n"


def resource_path(iri: str) -> str | None:
    """The site path of an identifier (``id/factor/stigma``), or None when it is not the project's."""
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
        return "ontology"
    if not iri.startswith(BASE + "id/"):
        return None
    path = iri[len(BASE):].split("#", 1)[0]
    if not path or path.endswith("/") or any(part in ("", ".", "..") for part in path.split("/")):
        return None
    return path


def _relative(from_path: str, to_path: str) -> str:
    return os.path.relpath(to_path, os.path.dirname(from_path) or ".").replace(os.sep, "/")


def _label(graph, iri) -> str:
    import pyoxigraph as ox

    for prop in (SKOS_PREF, RDFS_LABEL, DCT_TITLE):
        for q in graph.store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(prop), None, ox.DefaultGraph()):
            return q.object.value
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _compact(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _description(graph, iri: str) -> list:
    """The triples about *iri* (and the blank nodes they lead to), sorted."""
    import pyoxigraph as ox

    out, todo, seen = [], [ox.NamedNode(iri)], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for q in graph.store.quads_for_pattern(node, None, None, ox.DefaultGraph()):
            out.append(ox.Triple(q.subject, q.predicate, q.object))
            if isinstance(q.object, ox.BlankNode):
                todo.append(q.object)
    out.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return out


def _page(graph, iri: str, path: str, triples: list, known: dict[str, str]) -> str:
    import pyoxigraph as ox

    def show(term) -> str:
        if isinstance(term, ox.NamedNode):
            target = known.get(term.value)
            text = escape(_compact(term.value))
            if target:
                return f'<a href="{escape(_relative(path, target + ".html"))}">{text}</a>'
            return f'<a href="{escape(term.value)}">{text}</a>' if term.value.startswith(("http://", "https://")) else text
        if isinstance(term, ox.Literal):
            lang = f' <span class="lang">@{escape(term.language)}</span>' if term.language else ""
            return escape(term.value) + lang
        return "[ ]"

    incoming = sorted({(q.subject.value, q.predicate.value)
                       for q in graph.store.quads_for_pattern(None, None, ox.NamedNode(iri), ox.DefaultGraph())
                       if isinstance(q.subject, ox.NamedNode)})
    rows = []
    for t in triples:
        subject = "" if (isinstance(t.subject, ox.NamedNode) and t.subject.value == iri) else "[ ] "
        rows.append(f"<tr><th>{subject}{show(t.predicate)}</th><td>{show(t.object)}</td></tr>")
    name = os.path.basename(path)
    title = escape(_label(graph, iri))
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'<link rel="alternate" type="text/turtle" href="{escape(name)}.ttl">\n'
            f'<link rel="alternate" type="application/ld+json" href="{escape(name)}.jsonld">\n'
            '<style>body{font-family:system-ui,Arial,sans-serif;margin:1.5rem;max-width:70rem}'
            'table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:.3rem .6rem;'
            'text-align:left;vertical-align:top}th{font-weight:normal;color:#555}.lang{color:#888}</style>\n'
            f'</head>\n<body>\n<p><a href="{escape(_relative(path, "index.html"))}">exitkg</a></p>\n'
            f'<h1>{title}</h1>\n<p><code>{escape(iri)}</code></p>\n'
            f'<p>Also as <a href="{escape(name)}.ttl">Turtle</a> and <a href="{escape(name)}.jsonld">JSON-LD</a>.</p>\n'
            f'<table>\n{chr(10).join(rows)}\n</table>\n'
            + ('<h2>Referred to by</h2>\n<table>\n' + "\n".join(
                f"<tr><td>{show(ox.NamedNode(s))}</td><th>{show(ox.NamedNode(p))}</th></tr>" for s, p in incoming)
               + "\n</table>\n" if incoming else "")
            + '</body>\n</html>\n')


def build_site(out: str | os.PathLike[str], graph=None) -> SiteResult:
    """Write the site into the new folder *out* (see the module's description)."""
    import pyoxigraph as ox

    from exitkg.evidence_map import render_map
    from exitkg.fsutil import new_folder, require_new_folder
    from exitkg.graph import load

    target = require_new_folder(out, "the site")
    graph = graph if graph is not None else load()
    subjects = sorted({q.subject.value for q in graph.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                       if isinstance(q.subject, ox.NamedNode)})
    known: dict[str, str] = {}
    for iri in subjects:
        path = resource_path(iri)
        if path and (iri == ONTOLOGY_IRI or not iri.startswith(ONTOLOGY_IRI)):
            known[iri] = path
    # the ontology: its header and every term, in one description
    ontology_terms = [iri for iri in subjects if iri.startswith(ONTOLOGY_IRI)]
    prefixes = {p: ns for p, ns in sorted(PREFIXES.items()) if not ns.startswith(BASE + "id/")}
    with new_folder(target, "the site") as staging:
        for iri, path in sorted(known.items()):
            triples = ([t for term in ontology_terms for t in _description(graph, term)]
                       if iri == ONTOLOGY_IRI else _description(graph, iri))
            base = staging / path
            base.parent.mkdir(parents=True, exist_ok=True)
            Path(f"{base}.ttl").write_bytes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
            Path(f"{base}.jsonld").write_bytes(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
            Path(f"{base}.html").write_text(_page(graph, iri, path, triples, known), encoding="utf-8")
        (staging / "index.html").write_text(render_map(graph), encoding="utf-8")
        (staging / ".htaccess").write_text(HTACCESS, encoding="utf-8")
    return SiteResult(target, len(known))
