"""``exitkg site --out DIR``: a static site of the graph, with resolvable identifiers.

For every resource of the graph named under ``https://w3id.org/exitkg/id/`` (factors, studies,
findings, classifications, sources, sections, models, the dataset, the canned queries ...) and for
the ontology (at its IRI and its version IRI), the site holds three files at the path of its
identifier: ``<path>.html`` (a page: its label and classes, every statement about it, what refers
to it, identifiers linked to their pages; for the ontology, its documentation from
:mod:`exitkg.pages.ontology`), ``<path>.ttl`` (Turtle) and ``<path>.jsonld`` (JSON-LD). Beside them: the
evidence map as ``index.html``, the report, a page listing every identifier by class, the query
catalogue with each query's text, the downloads (the release files), the SHACL shapes' page
(``shapes.html``) and the ontology's class diagram (``ontology.svg``), and ``static/``, the pages'
stylesheet and the map's script (:mod:`exitkg.pages.templating`). The ``.htaccess`` at the
root applies content negotiation as the w3id service's rules do (HTML for browsers, Turtle or
JSON-LD on request, ``Vary: Accept``), so an Apache httpd serving the folder at
``https://w3id.org/exitkg/`` resolves every identifier. ``exitkg serve`` answers the same
identifiers with the same bytes (:class:`Identifiers`). Every file is byte-identical from run to
run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from exitkg.publish.export import canonical_triples
from exitkg.rdf.namespaces import EKG, ONTOLOGY_IRI, PAGE_PREFIXES, PREFIXES, local_name

BASE = "https://w3id.org/exitkg/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
DCT_TITLE = "http://purl.org/dc/terms/title"

HTACCESS = """# Content negotiation for the identifiers under https://w3id.org/exitkg/ (as the w3id rules do):
# Turtle or JSON-LD when the client asks for them, HTML otherwise.
Options -MultiViews
DirectoryIndex index.html
# "ontology" is an identifier and also the folder of the ontology's versions: no slash redirect,
# and the rules below apply to a folder asked for without its slash
DirectorySlash Off
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType text/html .html
AddCharset utf-8 .ttl .jsonld .html
RewriteEngine On
RewriteOptions AllowNoSlash

# the site's folder asked for without its slash (the one path these rules see with a leading slash),
# redirected to its home page
RewriteCond %{REQUEST_URI} !/$
RewriteRule ^/ %{REQUEST_URI}/ [R=301,L]

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


#: The site's pages beside the identifiers' own, in the order of its navigation bar.
SITE_NAV = (("index", "Evidence map"), ("report", "Report"), ("browse", "Browse"), ("ontology", "Ontology"),
            ("queries", "Queries"), ("downloads", "Downloads"))


@dataclass
class SiteResult:
    folder: Path
    resources: int
    pages: int = 0

    def describe(self) -> str:
        return (f"site written to {self.folder}: {self.resources} identifiers, each as HTML, Turtle and JSON-LD; "
                f"{self.pages} pages in all\n")


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


def nav_html(path: str, items=SITE_NAV) -> str:
    """The navigation bar of the page at *path* (a site path without ``.html``)."""
    from exitkg.pages.templating import render

    return render("nav.html", items=[(_relative(path, target + ".html"), text) for target, text in items])


#: predicates an identifier's page leaves out of what refers to it (the dataset's examples: noise there)
HIDDEN_INCOMING = {"http://rdfs.org/ns/void#exampleResource"}


def _compact(iri: str) -> str:
    for prefix, ns in sorted({**PREFIXES, **PAGE_PREFIXES}.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


class Identifiers:
    """The project's identifiers in a store, and their three descriptions (HTML, Turtle, JSON-LD).

    One class for the static site and for ``exitkg serve``: both answer an identifier with the
    same bytes. *stores* are pyoxigraph stores (the graph's, the query catalogue's); an identifier
    is described from the store that has statements about it. With *graph*, the loaded graph whose
    store is among them, its literals are shown as the inputs wrote them (typed literals' forms,
    language tags' spellings), as the exports show them.
    """

    def __init__(self, stores, nav=SITE_NAV, graph=None):
        import pyoxigraph as ox

        self.stores = list(stores)
        self.nav = nav
        self.graph = graph
        self.tags: dict[str, str] = dict(graph.tags) if graph is not None else {}
        self.known: dict[str, str] = {}
        self.where: dict[str, ox.Store] = {}
        for store in self.stores:
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
                if not isinstance(q.subject, ox.NamedNode):
                    continue
                iri = q.subject.value
                if iri.startswith(ONTOLOGY_IRI + "#"):
                    self.where.setdefault(iri, store)
                    continue
                path = resource_path(iri)
                if path and iri not in self.known:
                    self.known[iri] = path
                    self.where[iri] = store
        # the ontology's version IRI resolves to the ontology of that version
        for store in self.stores:
            for q in store.quads_for_pattern(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(OWL_VERSION_IRI), None,
                                             ox.DefaultGraph()):
                version = (q.object.value[len(ONTOLOGY_IRI) + 1:] if q.object.value.startswith(ONTOLOGY_IRI + "/")
                           else "")
                if version and all(c.isalnum() or c in "._-" for c in version) and not version.startswith("."):
                    self.known[q.object.value] = f"ontology/{version}"
                    self.where[q.object.value] = store
        self.by_path = {path: iri for iri, path in self.known.items()}
        from exitkg.pages.evidence import Summaries

        # the summaries of the evidence pages (factors, studies, findings, sources): from the loaded graph
        self.summaries = Summaries(graph) if graph is not None else None
        self.prefixes = {p: ns for p, ns in sorted(PREFIXES.items()) if not ns.startswith(BASE + "id/")}

    # --- links -------------------------------------------------------------------------------
    def href(self, iri: str, from_path: str) -> str | None:
        """The address of *iri*'s page from the page at *from_path*; None if it has none here."""
        if iri.startswith(ONTOLOGY_IRI + "#"):
            return _relative(from_path, "ontology.html") + "#" + iri.split("#", 1)[1]
        base, hash_, fragment = iri.partition("#")
        target = self.known.get(base)
        if not target:
            return None
        return _relative(from_path, target + ".html") + (f"#{fragment}" if hash_ else "")

    def label(self, iri: str) -> str:
        import pyoxigraph as ox

        store = self.where.get(iri)
        if store is not None:
            for prop in (SKOS_PREF, RDFS_LABEL, DCT_TITLE):
                for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(prop), None, ox.DefaultGraph()):
                    return q.object.value  # type: ignore[union-attr]  # a label: a literal
        return local_name(iri)

    # --- descriptions ------------------------------------------------------------------------
    def triples(self, iri: str) -> list:
        """The triples about *iri* (and the blank nodes they lead to), sorted; for the ontology,
        its header and every term."""
        import pyoxigraph as ox

        if self.is_ontology(iri) and iri in self.where:
            # the ontology's own named graph: its header, every term and every axiom
            quads = self._as_written(self.where[iri], self.where[iri].quads_for_pattern(
                None, None, None, ox.NamedNode(ONTOLOGY_IRI)))
            return canonical_triples(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        return canonical_triples(self.triples_of(iri))

    def is_ontology(self, iri: str) -> bool:
        """The ontology's IRI or its version IRI."""
        return iri == ONTOLOGY_IRI or self.known.get(iri, "").startswith("ontology/")

    def triples_of(self, iri: str) -> list:
        import pyoxigraph as ox

        store = self.where.get(iri)
        if store is None:
            return []
        todo: list[ox.NamedNode | ox.BlankNode]
        out, todo, seen = [], [ox.NamedNode(iri)], set()
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            for q in self._as_written(store, store.quads_for_pattern(node, None, None, ox.DefaultGraph())):
                out.append(ox.Triple(q.subject, q.predicate, q.object))
                if isinstance(q.object, ox.BlankNode):
                    todo.append(q.object)
        out.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        return out

    def _as_written(self, store, quads):
        """*quads* of *store*, typed literals in the form the inputs wrote (the graph's store only)."""
        return self.graph._restored(quads) if self.graph is not None and store is self.graph.store else quads

    def turtle(self, iri: str) -> bytes:
        import pyoxigraph as ox

        from exitkg.publish.export import recased

        # pyoxigraph's stub: serialize without an output returns bytes
        return recased(ox.serialize(self.triples(iri), format=ox.RdfFormat.TURTLE, prefixes=self.prefixes), self.tags)  # type: ignore[arg-type]

    def jsonld(self, iri: str) -> bytes:
        import pyoxigraph as ox

        from exitkg.publish.export import recased_jsonld

        # pyoxigraph's stub: serialize without an output returns bytes
        return recased_jsonld(ox.serialize(self.triples(iri), format=ox.RdfFormat.JSON_LD), self.tags)  # type: ignore[arg-type]

    def html(self, iri: str) -> str:
        """The page of *iri*: its label, types and definition, every statement about it, and what
        refers to it, every identifier linked to its page."""
        import pyoxigraph as ox
        from markupsafe import Markup

        from exitkg.pages.templating import render

        path = self.known[iri]
        if self.is_ontology(iri):
            from exitkg.pages.ontology import render_ontology_page

            return render_ontology_page(self.triples(iri), nav=nav_html(path, self.nav), page=path,
                                        static_root=_relative(path, "static"),
                                        link=lambda other: self.href(other, path))

        store = self.where[iri]
        triples = self.triples(iri)
        params = self._parameters(iri)
        rows = [{"blank": not (isinstance(t.subject, ox.NamedNode) and t.subject.value == iri),
                 "predicate": self.predicate(t.predicate, path), "object": self.term(t.object, path),
                 # an identifier of this page with a fragment (a query's parameter) is anchored at its row
                 "anchor": (t.object.value.split("#", 1)[1] if isinstance(t.object, ox.NamedNode)
                            and t.object.value.startswith(iri + "#") else None)}
                for t in triples
                # a query's parameters are shown as a table of their own
                if params is None or not (t.predicate.value == SH_PARAMETER or isinstance(t.subject, ox.BlankNode))]
        incoming = []
        for subject, predicate in sorted({(q.subject.value, q.predicate.value)
                                          for q in store.quads_for_pattern(None, None, ox.NamedNode(iri),
                                                                           ox.DefaultGraph())
                                          if isinstance(q.subject, ox.NamedNode)
                                          and q.predicate.value not in HIDDEN_INCOMING}):
            # a referring identifier by its label, linked to its page (by its name where it has none),
            # with what it quotes its source as saying
            target = self.href(subject, path)
            incoming.append({
                "subject": (_term(self.label(subject), target) if target else self.term(ox.NamedNode(subject), path)),
                "predicate": self.predicate(ox.NamedNode(predicate), path),
                "quotes": sorted(q.object.value for q in store.quads_for_pattern(  # type: ignore[union-attr]  # literals
                    ox.NamedNode(subject), ox.NamedNode(EKG + "quote"), None, ox.DefaultGraph()))})
        types = sorted({t.object.value for t in triples if t.subject == ox.NamedNode(iri)
                        and t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)})
        found = (self.summaries.summary(iri, lambda other: self.href(other, path))
                 if self.summaries is not None and store is self.graph.store else None)
        template = (f"id-{found[0]}.html" if found is not None else "id-query.html" if params is not None
                    else "identifier.html")
        return render(template, static_root=_relative(path, "static"),
                      title=self.label(iri), iri=iri,
                      name=os.path.basename(path), nav=Markup(nav_html(path, self.nav)),
                      types=[self.term(ox.NamedNode(t), path) for t in types], rows=rows, incoming=incoming,
                      summary=found[1] if found is not None else None, params=params)

    def _parameters(self, iri: str) -> list[dict] | None:
        """A canned query's parameters (name, type, required or its default, description), or None
        when *iri* is not a canned query's."""
        from exitkg.sparql.queries import QUERY_NS, CLOSED_TYPES, catalogue

        query = catalogue().get(iri[len(QUERY_NS):]) if iri.startswith(QUERY_NS) else None
        if query is None:
            return None
        return [{"name": p.name, "type": p.type, "closed": list(CLOSED_TYPES.get(p.type, ())),
                 "required": p.required, "default": p.default, "description": p.doc} for p in query.params]

    def predicate(self, term, path: str) -> dict:
        """A predicate as a page shows it: by its label where the ontology gives one (its CURIE as
        the link's title), else by its CURIE; linked to its documentation."""
        shown = self.term(term, path)
        if term.value.startswith(ONTOLOGY_IRI + "#"):
            label = self.label(term.value)
            if label != local_name(term.value):
                return {**shown, "text": label, "title": shown["text"]}
        return shown

    def term(self, term, path: str) -> dict:
        """What an identifier's page shows of one RDF term (see ``templates/terms.html``)."""
        import pyoxigraph as ox

        if isinstance(term, ox.NamedNode):
            target = self.href(term.value, path)
            if target is None and not term.value.startswith(BASE) and term.value.startswith(("http://", "https://")):
                target = term.value
            return _term(_compact(term.value), target)
        if isinstance(term, ox.Literal):
            return _term(term.value, None, pre="\n" in term.value,
                         lang=self.tags.get(term.language, term.language) if term.language else None)
        return _term("[ ]", None)


def _term(text: str, href: str | None, pre: bool = False, lang: str | None = None) -> dict:
    return {"text": text, "href": href, "pre": pre, "lang": lang, "title": None}


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SH_PARAMETER = "http://www.w3.org/ns/shacl#parameter"


def _page(template: str, path: str, title: str, **context) -> str:
    """One of the site's own pages (``exitkg/pages/templates/TEMPLATE``), with the navigation bar."""
    from markupsafe import Markup

    from exitkg.pages.templating import render

    return render(template, static_root=_relative(path, "static"), title=title,
                  nav=Markup(nav_html(path)), **context)


def _browse_page(ids: Identifiers) -> str:
    """Every identifier, grouped by its classes (of the ontology), each group sorted by label."""
    import pyoxigraph as ox

    groups: dict[str, list[str]] = {}
    for iri in ids.known:
        store = ids.where[iri]
        for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None, ox.DefaultGraph()):
            if isinstance(q.object, ox.NamedNode) and q.object.value.startswith((EKG, "http://www.w3.org/ns/shacl#",
                                                                                  "http://rdfs.org/ns/void#")):
                groups.setdefault(q.object.value, []).append(iri)
    sections = [{"anchor": local_name(kind), "label": ids.label(kind),
                 "href": ids.href(kind, "browse"),
                 "members": [{"href": ids.href(i, "browse"), "label": ids.label(i)}
                             for i in sorted(set(groups[kind]), key=lambda i: (ids.label(i).lower(), i))]}
                for kind in sorted(groups, key=lambda k: ids.label(k).lower())]
    return _page("browse.html", "browse", "Every identifier, by class", sections=sections)


def _queries_page(queries) -> str:
    """The query catalogue: each query's title, kind, what it reproduces, parameters and text."""
    from exitkg.sparql.queries import QUERY_NS

    return _page("queries.html", "queries", "The query catalogue", queries=[
        {"id": q.id, "title": q.title, "kind": q.kind, "reproduces": q.reproduces, "text": q.text,
         "params": [p.describe() for p in q.params], "iri": QUERY_NS + q.id,
         # a query's IRI is the project's, so it has a path
         "href": _relative("queries", resource_path(QUERY_NS + q.id) + ".html")}  # type: ignore[operator]
        for q in queries.values()])


def _downloads_page(files: dict[str, bytes]) -> str:
    import hashlib

    from exitkg.core.version import __version__

    return _page("downloads.html", "downloads", f"Downloads (version {__version__})", files=[
        {"name": name, "size": f"{len(data):,}", "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(files.items())])


def shapes_files(ids: Identifiers) -> dict[str, str]:
    """The shapes' page (``shapes.html``) and the ontology's class diagram (``ontology.svg``), beside
    the ontology's page, with the navigation of *ids*."""
    from exitkg.pages.ontology import render_diagram
    from exitkg.pages.shapes import render_shapes_page, shapes_triples

    ontology = ids.triples(ONTOLOGY_IRI)
    return {"shapes.html": render_shapes_page(shapes_triples(), ontology_triples=ontology,
                                              nav=nav_html("shapes", ids.nav), static_root="static"),
            "ontology.svg": render_diagram(ontology, "ontology.svg")}


def build_site(out: str | os.PathLike[str], graph=None) -> SiteResult:
    """Write the site into the new folder *out* (see the module's description)."""
    import hashlib

    import pyoxigraph as ox

    from exitkg.pages.map import render_map
    from exitkg.core.fsutil import new_folder, require_new_folder
    from exitkg.graph.local import load
    from exitkg.sparql.queries import catalogue, render_catalogue_turtle
    from exitkg.publish.release import release_files
    from exitkg.pages.report import render_html
    from exitkg.review.report import build_report
    from exitkg.pages.templating import static_names, static_text

    target = require_new_folder(out, "the site")
    graph = (graph if graph is not None else load()).described()
    queries = catalogue()
    query_store = ox.Store()
    query_store.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                       for t in ox.parse(render_catalogue_turtle(queries).encode("utf-8"), format=ox.RdfFormat.TURTLE))
    ids = Identifiers([graph.store, query_store], graph=graph)
    downloads = release_files(graph)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(downloads.items()))
    pages = {
        "index.html": render_map(graph, nav=nav_html("index"), link=lambda iri: ids.href(iri, "index"),
                                 static_root="static"),
        "report.html": render_html(build_report(graph), lambda iri: ids.href(iri, "report"), nav=nav_html("report"),
                                   static_root="static"),
        "browse.html": _browse_page(ids),
        "queries.html": _queries_page(queries),
        "downloads.html": _downloads_page(downloads),
        **shapes_files(ids),
    }
    with new_folder(target, "the site") as staging:
        for iri, site_path in sorted(ids.known.items()):
            base = staging / site_path
            base.parent.mkdir(parents=True, exist_ok=True)
            Path(f"{base}.ttl").write_bytes(ids.turtle(iri))
            Path(f"{base}.jsonld").write_bytes(ids.jsonld(iri))
            Path(f"{base}.html").write_text(ids.html(iri), encoding="utf-8")
        for name, text in pages.items():
            (staging / name).write_text(text, encoding="utf-8")
        for name, data in downloads.items():
            path = staging / "downloads" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (staging / "downloads" / "SHA256SUMS").write_text(sums, encoding="utf-8")
        (staging / "static").mkdir()
        for name in static_names():
            (staging / "static" / name).write_text(static_text(name), encoding="utf-8")
        (staging / ".htaccess").write_text(HTACCESS, encoding="utf-8")
    return SiteResult(target, len(ids.known), len(ids.known) + len(pages))
