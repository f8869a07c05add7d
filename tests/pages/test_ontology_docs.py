"""The ontology's documentation beyond its terms (creators, version history, class diagram, table of
contents) and the SHACL shapes' page, each checked against what it is generated from: the
ontology's triples, CHANGELOG.md and the shapes graph, read here on their own."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest

from conftest import REPO_ROOT
from exitkg.graph.local import load
from exitkg.pages.ontology import release_history, render_diagram, render_ontology_page, short_name
from exitkg.rdf.namespaces import EKG, ONTOLOGY_IRI

OWL = "http://www.w3.org/2002/07/owl#"
DCT = "http://purl.org/dc/terms/"
SH = "http://www.w3.org/ns/shacl#"
SVG = "{http://www.w3.org/2000/svg}"


class _Sections(HTMLParser):
    """A page's ids, its links, and the text inside each element that has an id."""

    VOID = {"br", "meta", "link", "input", "img", "path", "rect"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[tuple[str | None, str]] = []   # (the innermost id around the link, href)
        self.text: dict[str, list[str]] = {}
        self.stack: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("href"):
            inside = next((i for _, i in reversed(self.stack) if i), None)
            self.hrefs.append((inside, a["href"]))
        if tag in self.VOID:
            return
        if a.get("id"):
            self.ids.append(a["id"])
            self.text.setdefault(a["id"], [])
        self.stack.append((tag, a.get("id")))

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        for _, i in self.stack:
            if i:
                self.text[i].append(data)


def _sections(html: str) -> _Sections:
    page = _Sections()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def ontology():
    graph = load()
    return [ox.Triple(q.subject, q.predicate, q.object) for q in graph.graph_quads(ONTOLOGY_IRI)]


@pytest.fixture(scope="module")
def page(ontology):
    return render_ontology_page(ontology)


def test_the_creators_and_every_release_appear(ontology, page):
    seen = _sections(page)
    creators = " ".join(seen.text["creators"])
    named = [t.object for t in ontology if t.subject == ox.NamedNode(ONTOLOGY_IRI)
             and t.predicate.value in (DCT + "creator", DCT + "contributor")]
    assert named
    for who in named:
        assert who.value in creators, who
    released = re.findall(r"^## \[([^\]]+)\]", (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    released = [v for v in released if v.lower() != "unreleased"]
    assert released
    for version in released:
        assert f"version-{version}" in seen.ids, version
        assert f"{ONTOLOGY_IRI}/{version}" in " ".join(seen.text[f"version-{version}"])


def test_the_history_has_each_release_newest_first_and_the_prior_versions():
    log = """# Changelog

## [Unreleased]

### Added

- something not released

## [0.2.0] - 2027-01-05

The second version.

### Added

- one
- two

### Fixed

- three

## [0.1.0]

The first version.
"""
    prior = [ox.Triple(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode(OWL + "priorVersion"),
                       ox.NamedNode(f"{ONTOLOGY_IRI}/0.0.9"))]
    history = release_history(log, prior)
    assert [h["version"] for h in history] == ["0.2.0", "0.1.0", "0.0.9"]
    assert history[0]["date"] == "2027-01-05" and history[0]["summary"] == "The second version."
    assert history[0]["changes"] == [("Added", 2), ("Fixed", 1)]
    html = render_ontology_page([], history=history, shapes={"by_target": {}, "shapes": []})
    seen = _sections(html)
    assert [i for i in seen.ids if i.startswith("version-")] == ["version-0.2.0", "version-0.1.0", "version-0.0.9"]
    assert "2027-01-05" in " ".join(seen.text["version-0.2.0"])


def test_the_class_diagram_parses_and_names_every_class(ontology):
    svg = render_diagram(ontology, "ontology.svg")
    assert svg == render_diagram(ontology, "ontology.svg")        # the same bytes from run to run
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    names = {t.strip() for t in texts}
    classes = sorted({t.subject.value for t in ontology if isinstance(t.subject, ox.NamedNode)
                      and t.predicate.value.endswith("#type") and t.object == ox.NamedNode(OWL + "Class")})
    assert classes
    missing = [c for c in classes if short_name(c) not in names]
    assert not missing, missing
    # every class by a prefixed name (ours bare, reused ones as prefix:name), none as a full IRI
    assert not [c for c in classes if short_name(c).startswith("<")], [c for c in classes if short_name(c).startswith("<")]
    # every object property with a named domain is a line of its domain's box: "property -> range"
    props = {t.subject.value for t in ontology if t.object == ox.NamedNode(OWL + "ObjectProperty")}
    lines = " ".join(texts)
    assert all(f"{short_name(p)} \u2192" in lines for p in props), sorted(
        p for p in props if f"{short_name(p)} \u2192" not in lines)
    # our classes link to their anchors on the ontology's page
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert {f"ontology.html#{c[len(EKG):]}" for c in classes if c.startswith(EKG)} <= links


def test_the_diagram_is_on_the_page_and_its_links_resolve(page):
    seen = _sections(page)
    assert "diagram" in seen.ids and "<svg" in page.split('<section id="diagram">', 1)[1].split("</section>", 1)[0]
    dead = [h for _, h in seen.hrefs if h.startswith("#") and h[1:] not in seen.ids]
    assert not dead, dead[:10]


def test_the_table_of_contents_anchors_resolve(ontology, page):
    seen = _sections(page)
    toc = [h for inside, h in seen.hrefs if inside == "contents"]
    assert toc
    for href in toc:
        if href.startswith("#"):
            assert href[1:] in seen.ids, href
    anchors = {h[1:] for h in toc if h.startswith("#")}
    assert {"creators", "history", "diagram", "classes", "object-properties", "individuals", "shapes"} <= anchors
    terms = {t.subject.value[len(EKG):] for t in ontology
             if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(EKG)}
    assert terms <= anchors, sorted(terms - anchors)[:10]


# --------------------------------------------------------------------------- #
# The shapes' page
# --------------------------------------------------------------------------- #

def _shapes():
    """Every named shape of the shapes graph: local name -> (its messages, its severity)."""
    from rdflib import RDF, URIRef

    from exitkg.checks.validate import shapes_graph

    g = shapes_graph()
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    found = {}
    for kind in ("NodeShape", "PropertyShape", "SPARQLConstraint"):
        for s in g.subjects(RDF.type, sh(kind)):
            if not isinstance(s, URIRef):
                continue
            severities = list(g.objects(s, sh("severity")))
            if not severities and kind == "SPARQLConstraint":
                severities = [v for holder in g.subjects(sh("sparql"), s) for v in g.objects(holder, sh("severity"))]
            severity = str(severities[0]).rsplit("#", 1)[1] if severities else "Violation"
            found[str(s).rsplit("#", 1)[1]] = ([str(m) for m in g.objects(s, sh("message"))], severity,
                                               [str(q) for q in g.objects(s, sh("select"))])
    return found


@pytest.fixture(scope="module")
def shapes_page(ontology):
    from exitkg.pages.shapes import render_shapes_page, shapes_triples

    return render_shapes_page(shapes_triples(), ontology_triples=ontology)


def test_the_shapes_page_names_every_shape_with_its_severity_and_message(shapes_page):
    shapes = _shapes()
    assert len(shapes) > 100
    seen = _sections(shapes_page)
    documented = re.findall(r'<section class="shape" id="([^"]+)">', shapes_page)
    assert sorted(documented) == sorted(shapes)
    for name, (messages, severity, queries) in shapes.items():
        section = shapes_page.split(f'<section class="shape" id="{name}">', 1)[1].split("</section>", 1)[0]
        assert f"<tr><th>severity</th><td>{severity}</td></tr>" in section, name
        assert messages, name
        for m in messages:
            assert f"<tr><th>message</th><td>{escape(m)}</td></tr>" in section, (name, m)
        for q in queries:      # a SPARQL constraint's query, folded away
            assert f"<details><summary>its SPARQL query</summary><pre>{escape(q)}</pre></details>" in section, name
    assert seen.text["contents"]


def test_the_shapes_page_shows_targets_and_constraints_and_links_the_ontology(shapes_page, page):
    section = shapes_page.split('<section class="shape" id="SelectionStep-inReview">', 1)[1].split("</section>", 1)[0]
    assert '<tr><th>path</th><td>^<a href="ontology.html#hasSelectionStep">hasSelectionStep</a></td></tr>' in section
    assert '<tr><th>minCount</th><td><code>1</code></td></tr>' in section
    ids = set(_sections(page).ids)
    links = [h for _, h in _sections(shapes_page).hrefs if h.startswith("ontology.html#")]
    assert links and all(h.split("#", 1)[1] in ids for h in links), [h for h in links if h.split("#")[1] not in ids]
    own = set(_sections(shapes_page).ids)
    assert all(h[1:] in own for _, h in _sections(shapes_page).hrefs if h.startswith("#"))
    # and the ontology's page names, for each class, the shapes that target it
    factor = page.split('<section class="term" id="Factor">', 1)[1].split("</section>", 1)[0]
    assert '<a href="shapes.html#Factor">Factor</a>' in factor
