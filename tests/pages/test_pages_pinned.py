"""Every kind of HTML page exitkg writes, pinned byte for byte (tests/expected/pages/).

The site's home page (the evidence map), its report, browse, query-catalogue and downloads pages,
the ontology's documentation, one identifier's page of each kind (the first of its folder), the
evidence map and the report as ``exitkg map`` and ``exitkg report --format html`` write them
alone, and the query page of ``exitkg serve``. A change to any of them shows here as a diff; an
intended one is rewritten with ``pytest --update-expected`` and reviewed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO_ROOT

PINNED = REPO_ROOT / "tests" / "expected" / "pages"

#: the site's own pages, beside one identifier page of each kind (chosen from the built site)
SITE_PAGES = ("index.html", "report.html", "browse.html", "queries.html", "downloads.html", "ontology.html",
              "shapes.html", "id/dataset.html")
#: the folders of identifiers whose first page (in name order) is pinned
ID_KINDS = ("category", "characteristic", "cited-evidence", "classification", "contradiction", "count", "country",
            "dataset", "dimension", "factor", "finding", "level-mapping", "linkset", "model", "model-component",
            "population", "query", "region", "remark", "review", "review-statement", "scheme", "search", "section",
            "selection",
            "source", "study", "unit", "work")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from exitkg.publish.site import build_site

    out = tmp_path_factory.mktemp("pinned") / "exitkg"
    build_site(out)
    return out


def _first_page(site: Path, kind: str) -> str:
    found = sorted(p.relative_to(site).as_posix() for p in (site / "id" / kind).rglob("*.html"))
    assert found, f"no page under id/{kind}/"
    return found[0]


@pytest.mark.parametrize("name", SITE_PAGES)
def test_site_page(site, expected, name):
    expected(PINNED / "site" / name, (site / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", ID_KINDS)
def test_identifier_page(site, expected, kind):
    name = _first_page(site, kind)
    expected(PINNED / "site" / name, (site / name).read_text(encoding="utf-8"))


def test_every_page_beside_the_identifiers_is_pinned(site):
    """A new page of the site's own (at its root) is pinned here too, and so opened on a phone."""
    assert sorted(p.name for p in site.glob("*.html")) == sorted(n for n in SITE_PAGES if "/" not in n)


def test_every_kind_of_identifier_is_pinned(site):
    """A new kind of identifier gets a pinned page here too."""
    assert sorted(p.name for p in (site / "id").iterdir() if p.is_dir()) == sorted(ID_KINDS)


def test_the_standalone_evidence_map(expected):
    from exitkg.pages.map import render_map
    from exitkg.graph.local import load

    expected(PINNED / "evidence-map.html", render_map(load()))


def test_the_standalone_report(expected):
    from exitkg.graph.local import load
    from exitkg.pages.report import render_html
    from exitkg.review.report import build_report

    expected(PINNED / "report.html", render_html(build_report(load())))


def test_the_serve_query_page(expected):
    from exitkg.serve.front import query_page

    expected(PINNED / "serve-query-page.html", query_page())


def test_pages_are_written_by_templates_only():
    """No page skeleton, stylesheet, script or hand escaping left in the package's Python: the
    pages come from exitkg/pages/templates/ and exitkg/pages/static/."""
    found = []
    for module in sorted((REPO_ROOT / "exitkg").rglob("*.py")):
        text = module.read_text(encoding="utf-8")
        for marker in ("<!DOCTYPE html", "<html lang", "<style>", "<script type=", "from html import escape"):
            if marker in text:
                found.append(f"{module.relative_to(REPO_ROOT)}: {marker}")
    assert not found


def test_templates_escape_what_they_print():
    from markupsafe import Markup

    from exitkg.pages.templating import render

    nav = render("nav.html", items=[('a"><script>', "Tom & <Jerry>'s"), ("b.html", Markup("<i>kept</i>"))])
    assert nav == ('<nav><a href="a&quot;&gt;&lt;script&gt;">Tom &amp; &lt;Jerry&gt;&#x27;s</a> '
                   '<a href="b.html"><i>kept</i></a></nav>\n')


def test_the_sites_pages_link_its_static_files(site):
    """The site's pages link the stylesheet and the map's script in its static/ folder (copies
    of exitkg/pages/static/), and hold none of them (the release's map among the downloads stands alone)."""
    import re

    linked = set()
    for page in site.rglob("*.html"):
        if page.parent == site / "downloads":
            continue
        text = page.read_text(encoding="utf-8")
        assert "<style>" not in text and "<script>" not in text, page
        for href in re.findall(r'<link rel="stylesheet" href="([^"]+)">|<script src="([^"]+)">', text):
            target = (page.parent / "".join(href)).resolve()
            assert target.parent == (site / "static").resolve() and target.is_file(), (page, href)
            linked.add(target.name)
    assert linked == {"exitkg.css", "evidence-map.js"}
    for name in linked:
        assert (site / "static" / name).read_bytes() == (REPO_ROOT / "exitkg" / "pages" / "static" / name).read_bytes()


#: the kind each pinned page names on its <body> (the one stylesheet scopes its rules by it)
PAGE_KINDS = {"evidence-map.html": "map", "report.html": "report", "serve-query-page.html": "query",
              "site/index.html": "map", "site/report.html": "report", "site/ontology.html": "ontology",
              "site/shapes.html": "shapes"}


def test_one_stylesheet_for_every_page():
    """exitkg/pages/static/ holds one stylesheet; every pinned page links or holds it and no other, and
    names its kind on <body> (the site's other pages: "site"), by which the stylesheet scopes its rules."""
    import re

    from exitkg.pages.templating import static_names, static_text

    assert [n for n in static_names() if n.endswith(".css")] == ["exitkg.css"]
    sheet = static_text("exitkg.css")
    pages = sorted(PINNED.rglob("*.html"))
    assert len(pages) == len(SITE_PAGES) + len(ID_KINDS) + 3
    for page in pages:
        name = page.relative_to(PINNED).as_posix()
        text = page.read_text(encoding="utf-8")
        links = [h for h in re.findall(r'<link rel="stylesheet" href="([^"]+)">', text)
                 if h != "static/yasgui/yasgui.min.css"]  # the query page's editor brings its own (static/yasgui/)
        styles = re.findall(r"<style>(.*?)</style>", text, re.S)
        assert len(links) + len(styles) == 1, name
        assert [h.rsplit("/", 1)[-1] for h in links] == ["exitkg.css"] * len(links), name
        assert [s.strip() for s in styles] == [sheet.strip()] * len(styles), name
        kind = PAGE_KINDS.get(name, "site")
        assert re.findall(r"<body[^>]*>", text) == [f'<body class="{kind}">'], name
        assert f".{kind}" in sheet, kind
