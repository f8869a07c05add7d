"""``exitkg site``: identifiers resolve, with content negotiation, through a real Apache httpd.

The test starts Debian's ``apache2`` on loopback with a minimal configuration serving the site at
``/exitkg/`` (as w3id.org serves ``https://w3id.org/exitkg/``), honouring the site's own
``.htaccess``, and follows identifiers with Accept headers.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from html import escape
from html.parser import HTMLParser
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ARTIFACTS, run_exitkg
from exitkg.sparql import queries as Q
from exitkg.graph.local import load
from exitkg.rdf.namespaces import EKG, ONTOLOGY_IRI
from exitkg.pages.ontology import Named, Nary, Not, Restriction, Value, expression
from exitkg.pages.rdfindex import TripleIndex

MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "exitkg"
    result = run_exitkg("site", "--out", out)
    assert result.code == 0, result.stderr
    return out


def test_every_project_identifier_has_three_descriptions_and_bytes_are_stable(site, tmp_path):
    graph = load()
    iris = {q.subject.value for q in graph.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith("https://w3id.org/exitkg/id/")}
    assert iris
    for iri in iris:
        path = iri[len("https://w3id.org/exitkg/"):]
        for ext in ("html", "ttl", "jsonld"):
            assert (site / f"{path}.{ext}").is_file(), (iri, ext)
    stigma = list(ox.parse(path=site / "id" / "factor" / "stigma.ttl", format=ox.RdfFormat.TURTLE))
    assert any(t.object == ox.Literal("Stigma", language="en") for t in stigma)
    again = tmp_path / "again"
    assert run_exitkg("site", "--out", again).code == 0
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for path in files:
        assert (again / path).read_bytes() == (site / path).read_bytes(), path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def apache(site, tmp_path_factory):
    binary = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None)
    if not binary or not MODULES.is_dir():
        pytest.skip("no Apache httpd (Debian: apt-get install apache2; .ci/setup-system installs it)")
    root = tmp_path_factory.mktemp("apache")
    www = root / "www"
    www.mkdir()
    (www / "exitkg").symlink_to(site, target_is_directory=True)
    port = _free_port()
    modules = ["mpm_event", "authz_core", "dir", "mime", "rewrite", "headers"]
    conf = root / "httpd.conf"
    conf.write_text("\n".join(
        [f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in modules] + [
            f"ServerRoot {root}", "ServerName 127.0.0.1", f"Listen 127.0.0.1:{port}",
            f"PidFile {root}/httpd.pid", f"ErrorLog {root}/error.log", "LogLevel warn",
            "TypesConfig /etc/mime.types" if Path("/etc/mime.types").exists() else "",
            f"DocumentRoot {www}",
            f"<Directory {www}>", "  Options FollowSymLinks", "  AllowOverride All", "  Require all granted",
            "</Directory>", ""]), encoding="utf-8")
    proc = subprocess.Popen([binary, "-f", str(conf), "-DFOREGROUND"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"apache2 stopped: {proc.stdout.read().decode(errors='replace')}")
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("apache2 did not start listening")
    yield f"http://127.0.0.1:{port}/exitkg/"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _get(url: str, accept: str | None = None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.headers.get("Vary", ""), \
            response.read()


@pytest.mark.parametrize("identifier", ["id/factor/stigma", "id/study/hickle-2017",
                                        "id/finding/ferrari-2021/hickle-2017-spirituality", "ontology"])
def test_identifiers_resolve_by_accept_header_through_apache(apache, identifier):
    iri = "https://w3id.org/exitkg/" + identifier if identifier != "ontology" else "https://w3id.org/exitkg/ontology"
    status, ctype, vary, body = _get(apache + identifier, "text/turtle")
    assert status == 200 and ctype.startswith("text/turtle") and "Accept" in vary
    assert any(t.subject == ox.NamedNode(iri) for t in ox.parse(body, format=ox.RdfFormat.TURTLE))
    status, ctype, _, body = _get(apache + identifier, "application/ld+json")
    assert status == 200 and ctype.startswith("application/ld+json")
    assert any(t.subject == ox.NamedNode(iri) for t in ox.parse(body, format=ox.RdfFormat.JSON_LD))
    status, ctype, _, body = _get(apache + identifier, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    assert status == 200 and ctype.startswith("text/html")
    assert iri.encode() in body


def test_the_home_page_is_the_evidence_map(apache):
    status, ctype, _, body = _get(apache)
    assert status == 200 and ctype.startswith("text/html") and b'id="map-data"' in body
    data = json.loads(body.split(b'id="map-data">', 1)[1].split(b"</script>", 1)[0].replace(b"<\\/", b"</"))
    assert data["assertions"]


def test_the_site_without_its_slash_redirects_to_its_home_page(apache):
    """``DirectorySlash Off`` (for ``ontology``) must not leave ``/exitkg`` a 404: it redirects to
    ``/exitkg/``, whatever the client accepts; a folder that is also an identifier is unchanged."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(apache)
    for accept in ("text/html", "text/turtle"):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        connection.request("GET", url.path.rstrip("/") + "?a=1", headers={"Accept": accept})
        response = connection.getresponse()
        assert (response.status, response.getheader("Location")) == (301, apache + "?a=1")
        connection.close()
    status, ctype, _, _ = _get(apache + "ontology", "text/turtle")
    assert status == 200 and ctype.startswith("text/turtle")
    status, _, _, body = _get(apache.rstrip("/"))  # followed to the home page
    assert status == 200 and b'id="map-data"' in body


# --------------------------------------------------------------------------- #
# Links: every link in the site resolves, and every identifier shown links to its page
# --------------------------------------------------------------------------- #

class _Page(HTMLParser):
    """The links, anchors and loose identifiers (text outside links, code and scripts) of a page."""

    IDENTIFIER = re.compile(r"(ekgid:\S+|https://w3id\.org/exitkg/\S+)")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs, self.ids, self.loose, self.open = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag not in ("br", "meta", "link", "input", "img"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        if set(self.open) & {"a", "code", "pre", "script", "style", "title"}:
            return
        for m in self.IDENTIFIER.finditer(data):
            iri = m.group(0).rstrip(".,;:)")
            if not iri.endswith(("/", "#")):        # a namespace named in prose is not an identifier
                self.loose.append(iri)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_link_resolves_and_every_identifier_links_to_its_page(site):
    pages = {path.resolve(): _parse(path) for path in sorted(site.rglob("*.html"))}
    problems = []
    for path, page in pages.items():
        for href in page.hrefs:
            if href.startswith(("http://", "https://")):
                if href.startswith("https://w3id.org/exitkg/"):
                    problems.append((path, "an identifier linked outside the site", href))
                continue
            target, _, anchor = href.partition("#")
            file = (path.parent / target).resolve() if target else path
            if not file.is_file() or site.resolve() not in file.parents:
                problems.append((path, "no such file", href))
            elif anchor and file.suffix == ".html" and anchor not in pages[file].ids:
                problems.append((path, "no such anchor", href))
        problems += [(path, "an identifier not linked", iri) for iri in page.loose]
    assert not problems, problems[:10]
    # the map's factors, studies and findings link to their pages
    html = (site / "index.html").read_text(encoding="utf-8")
    data = json.loads(html.split('id="map-data">', 1)[1].split("</script>", 1)[0].replace("<\\/", "</"))
    linked = [x["page"] for key in ("factors", "studies", "assertions") for x in data[key]]
    assert len(linked) == len(data["factors"]) + len(data["studies"]) + len(data["assertions"])
    assert all((site / page).is_file() for page in linked), [p for p in linked if not (site / p).is_file()][:5]


# --------------------------------------------------------------------------- #
# Ontology documentation
# --------------------------------------------------------------------------- #

def _ontology_triples():
    graph = load()
    return [ox.Triple(q.subject, q.predicate, q.object) for q in graph.graph_quads(ONTOLOGY_IRI)]


def test_the_ontology_page_documents_every_term_with_its_definition(site):
    page = (site / "ontology.html").read_text(encoding="utf-8")
    anchors = _parse(site / "ontology.html").ids
    terms = {}
    for t in _ontology_triples():
        if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(EKG):
            terms.setdefault(t.subject.value, []).append(t)
    assert terms
    for iri, triples in terms.items():
        local = iri[len(EKG):]
        assert local in anchors, local
        section = page.split(f'<section class="term" id="{local}">', 1)[1].split("</section>", 1)[0]
        for t in triples:
            if t.predicate.value in ("http://www.w3.org/2004/02/skos/core#definition",
                                     "http://www.w3.org/2000/01/rdf-schema#label"):
                assert escape(t.object.value) in section, (local, t.object.value)


def _from_owlready(thing, names):
    """owlready2's reading of a class expression, as the tree ontodoc writes."""
    import owlready2

    if isinstance(thing, owlready2.And):
        return Nary("and", tuple(_from_owlready(c, names) for c in thing.Classes))
    if isinstance(thing, owlready2.Or):
        return Nary("or", tuple(_from_owlready(c, names) for c in thing.Classes))
    if isinstance(thing, owlready2.OneOf):
        return Nary("oneOf", tuple(Named(names(i)) for i in thing.instances))
    if isinstance(thing, owlready2.Not):
        return Not(_from_owlready(thing.Class, names))
    if isinstance(thing, owlready2.Restriction):
        prop = Named(names(thing.property))
        if thing.type in (owlready2.SOME, owlready2.ONLY):
            op = "some" if thing.type == owlready2.SOME else "only"
            return Restriction(op, prop, _from_owlready(thing.value, names))
        if thing.type == owlready2.VALUE:
            value = thing.value
            if isinstance(value, bool):
                return Restriction("value", prop, Value("true" if value else "false",
                                                        "http://www.w3.org/2001/XMLSchema#boolean"))
            return Restriction("value", prop, Named(names(value)))
        op = {owlready2.MAX: "max", owlready2.MIN: "min", owlready2.EXACTLY: "exactly"}[thing.type]
        filler = None if thing.value is owlready2.Thing else _from_owlready(thing.value, names)
        return Restriction(op, prop, filler, thing.cardinality)
    return Named(names(thing))


def test_class_definitions_are_read_as_owlready2_reads_them(tmp_path):
    """Every owl:equivalentClass of the ontology, read by ontodoc, is the expression owlready2
    reads from the same triples (an independent reader of OWL's RDF mapping)."""
    import owlready2

    triples = _ontology_triples()
    path = tmp_path / "ontology.nt"
    path.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    base = onto.base_iri

    def names(entity) -> str:
        return EKG + entity.iri[len(base):] if entity.iri.startswith(base) else entity.iri

    index = TripleIndex(triples)
    ours = {}
    for t in triples:
        if t.predicate.value == "http://www.w3.org/2002/07/owl#equivalentClass":
            ours[t.subject.value] = expression(index, t.object)
    theirs = {names(c): _from_owlready(e, names) for c in onto.classes() for e in c.equivalent_to}
    assert ours and ours == theirs


def test_manchester_syntax_of_each_construct():
    from exitkg.pages.ontology import manchester

    def name(iri):
        return iri.rsplit("#", 1)[-1]

    p, a, b = Named(EKG + "p"), Named(EKG + "A"), Named(EKG + "B")
    cases = [
        (Nary("and", (a, Restriction("some", p, Nary("or", (a, b))))), "A and (p some (A or B))"),
        (Restriction("only", p, Not(a)), "p only not A"),
        (Restriction("max", p, None, 0), "p max 0"),
        (Restriction("exactly", ("inverse", p), a, 2), "inverse (p) exactly 2 A"),
        (Nary("oneOf", (a, b)), "{A, B}"),
        (Restriction("value", p, Value("false", "http://www.w3.org/2001/XMLSchema#boolean")), "p value false"),
    ]
    for tree, text in cases:
        assert re.sub(r"<[^>]+>", "", manchester(tree, name)) == text


def test_the_version_iri_resolves_to_the_ontology_of_that_version(site):
    from exitkg import __version__

    version = site / "ontology" / f"{__version__}.ttl"
    parsed = [q.triple for q in ox.parse(path=version, format=ox.RdfFormat.TURTLE)]
    assert ox.Triple(ox.NamedNode(ONTOLOGY_IRI), ox.NamedNode("http://www.w3.org/2002/07/owl#versionIRI"),
                     ox.NamedNode(f"{ONTOLOGY_IRI}/{__version__}")) in parsed
    assert version.read_bytes() == (site / "ontology.ttl").read_bytes()


# --------------------------------------------------------------------------- #
# Report, queries, downloads
# --------------------------------------------------------------------------- #

def test_the_report_page_links_each_controversial_factor_to_its_page(site):
    from exitkg.review.report import build_report

    report = build_report(load())
    hrefs = set(_parse(site / "report.html").hrefs)
    assert report.controversial
    for entry in report.controversial:
        assert entry["factor"][len("https://w3id.org/exitkg/"):] + ".html" in hrefs, entry["label"]
    assert f"{len(report.reproductions)} reproductions agree" in (site / "report.html").read_text(encoding="utf-8")


def test_a_factor_page_shows_what_each_of_its_findings_quotes(site):
    """Each finding (and each piece of cited evidence) is listed on its factor's page, under
    "Referred to by", by its label and with its quote beside it, so the page shows the evidence
    and not only the findings' identifiers."""
    rows = load().run(f"SELECT ?finding ?factor ?quote ?label WHERE {{ ?finding <{EKG}aboutFactor> ?factor ; "
                      f"<{EKG}quote> ?quote ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }}").rows
    assert rows
    pages: dict = {}
    for row in rows:
        name = row["factor"].value[len("https://w3id.org/exitkg/"):] + ".html"
        page = pages.setdefault(name, (site / name).read_text(encoding="utf-8"))
        referred = page.split("<h2>Referred to by</h2>", 1)[1]
        line = next(line for line in referred.splitlines()
                    if f'href="../{row["finding"].value[len("https://w3id.org/exitkg/id/"):]}.html"' in line)
        assert f"<q>{escape(row['quote'].value)}</q>" in line, (name, row["quote"].value)
        assert f">{escape(row['label'].value)}</a>" in line, (name, row["label"].value)


def test_identifiers_show_literals_as_the_inputs_wrote_them(tmp_path):
    """An identifier's Turtle, JSON-LD and HTML show a language tag as the inputs spelled it
    (``en-GB``, which the store keeps as ``en-gb``) and a typed literal in the form they wrote
    (``"01"``, which the store keeps as 1), as the exports do."""
    data = tmp_path / "written.nt"
    factor = "<https://w3id.org/exitkg/id/factor/stigma>"
    data.write_text(f'{factor} <http://www.w3.org/2004/02/skos/core#altLabel> "stigmatisation"@en-GB .\n'
                    f'{factor} <http://example.org/rank> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                    encoding="utf-8")
    out = tmp_path / "site"
    result = run_exitkg("site", "--data", data, "--out", out)
    assert result.code == 0, result.stderr
    page = out / "id" / "factor" / "stigma"
    turtle = page.with_suffix(".ttl").read_text(encoding="utf-8")
    assert '"stigmatisation"@en-GB' in turtle and "en-gb" not in turtle
    assert "<http://example.org/rank> 01 " in turtle  # Turtle's integer syntax, as written
    described = json.loads(page.with_suffix(".jsonld").read_text(encoding="utf-8"))
    values = [v for node in described for key, vs in node.items() if key.startswith("http") for v in vs]
    assert {"@language": "en-GB", "@value": "stigmatisation"} in values
    assert any(v.get("@value") == "01" for v in values)
    html = page.with_suffix(".html").read_text(encoding="utf-8")
    assert '<span class="lang">@en-GB</span>' in html and ">01<" in html


def test_the_query_catalogue_page_holds_every_query_and_its_text(site):
    page = (site / "queries.html").read_text(encoding="utf-8")
    for query in Q.catalogue().values():
        section = page.split(f'<section id="{query.id}">', 1)[1].split("</section>", 1)[0]
        assert escape(query.text) in section
        assert escape(query.title) in section
        described = list(ox.parse(path=site / "id" / "query" / f"{query.id}.ttl", format=ox.RdfFormat.TURTLE))
        assert any(t.object == ox.Literal(query.text) for t in described), query.id


def test_no_page_shows_a_full_iri_as_a_predicate_nor_the_datasets_examples_as_noise(site):
    """Every predicate of an identifier's page is shown by its label or its CURIE (never a full IRI),
    and void:exampleResource appears on the dataset's own page only."""
    full, examples = [], []
    for page in sorted((site / "id").rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        full += [(page.name, th) for th in re.findall(r"<th>(?:\[ \] )?(?:<a [^>]*>)?(https?://[^<]*)", text)]
        if "exampleResource" in text and page != site / "id" / "dataset.html":
            examples.append(page.name)
    assert not full, full[:5]
    assert not examples, examples[:5]
    stigma = (site / "id" / "factor" / "stigma.html").read_text(encoding="utf-8")
    assert '<a href="../../ontology.html#aboutFactor" title="ekg:aboutFactor">about factor</a>' in stigma


def test_a_query_page_shows_its_parameters(site):
    """A canned query's page lists its parameters (name, type, required or its default, description),
    each row anchored at the parameter's identifier, instead of ``sh:parameter [ ]``."""
    for query in Q.catalogue().values():
        page = (site / "id" / "query" / f"{query.id}.html").read_text(encoding="utf-8")
        assert "[ ]" not in page and "sh:parameter" not in page, query.id
        if not query.params:
            assert "<p>None: the query runs as it is.</p>" in page, query.id
            continue
        table = page.split('<table class="params">', 1)[1].split("</table>", 1)[0]
        rows = re.findall(r'<tr id="([^"]+)"><td><code>([^<]+)</code></td><td>([^<(]+)[^<]*</td><td>(.*?)</td>'
                          r"<td>(.*?)</td></tr>", table)
        assert [(r[0], r[1], r[2].strip()) for r in rows] == [(p.name, p.name, p.type) for p in query.params]
        for row, p in zip(rows, query.params, strict=True):
            assert (row[3] == "required") == p.required, (query.id, p.name)
            assert row[4] == escape(p.doc), (query.id, p.name)


def test_downloads_are_listed_and_match_their_checksums(site):
    listed = set(_parse(site / "downloads.html").hrefs)
    sums = (site / "downloads" / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert sums
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((site / "downloads" / name).read_bytes()).hexdigest() == digest, name
        assert f"downloads/{name}" in listed
    names = {line.split("  ", 1)[1] for line in sums}
    assert {"exitkg.ttl", "exitkg.trig", "exitkg.jsonld", "queries.ttl", "void.ttl"} <= names


# --------------------------------------------------------------------------- #
# In a real browser
# --------------------------------------------------------------------------- #

def test_the_site_in_a_browser_map_to_factor_page_to_ontology(site, driver):
    """Open the site's home page from the file system: the map renders; a click on a factor shows
    its evidence with a link to the factor's page; that page links its class to the ontology's
    documentation of it."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get((site / "index.html").as_uri())
    assert driver.find_element("css selector", "body").get_attribute("data-ready") == "true"
    assert driver.find_elements("css selector", "nav a")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.find_element("css selector", '.chip[data-factor="stigma"]').click()
    rows = driver.find_elements("css selector", "#details-table tr.assertion")
    assert rows
    driver.save_screenshot(str(ARTIFACTS / "site-index.png"))
    driver.find_element("id", "details-page").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/id/factor/stigma.html"))
    assert driver.find_element("css selector", "h1").text.startswith("Stigma")
    driver.find_element("link text", "ekg:Factor").click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/ontology.html#Factor"))
    section = driver.find_element("id", "ControversialByEvidence")
    assert "hasStatement some EffectivelyFacilitatingAssertion" in section.text
    driver.save_screenshot(str(ARTIFACTS / "site-ontology.png"))


def test_a_label_that_breaks_script_elements_leaves_the_home_page_whole(tmp_path, driver):
    """A factor labelled ``<!--<script> </script> & ...`` (which, unescaped in the map's data, made
    the HTML parser read the rest of the page as script): the home page's data holds no markup,
    the map renders in a browser, and the factor's page shows the label as text."""
    from conftest import SCRIPT_BREAKING_LABEL, data_with_label, embedded_data

    out = tmp_path / "site"
    result = run_exitkg("site", "--only", *data_with_label(tmp_path / "data"), "--out", out)
    assert result.code == 0, result.stderr
    text, data = embedded_data((out / "index.html").read_text(encoding="utf-8"))
    assert not set(text) & set("<>&\u2028\u2029")
    assert SCRIPT_BREAKING_LABEL in {f["label"] for f in data["factors"]}
    driver.get((out / "index.html").as_uri())
    assert driver.find_element("css selector", "body").get_attribute("data-ready") == "true"
    chip = driver.find_element("css selector", '.chip[data-factor="stigma"]')
    assert chip.get_attribute("title").startswith(SCRIPT_BREAKING_LABEL + ": ")
    driver.get((out / "id" / "factor" / "stigma.html").as_uri())
    assert driver.find_element("css selector", "h1").text.startswith(SCRIPT_BREAKING_LABEL.split("\u2028")[0].strip())


# A user's Ctrl-C: Python raises KeyboardInterrupt on SIGINT only if the process did not inherit
# SIGINT ignored (as a job started in the background by a shell without job control does), so the
# child asks for Python's default handler itself.
_STOP_IN_STAGING = """
import pathlib, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from exitkg.cli import main
write = pathlib.Path.write_bytes
def stop(self, data):
    write(self, data)
    if self.parent.parent.name.startswith(".exitkg-staging-") or self.parent.name.startswith(".exitkg-staging-"):
        print("STAGING", flush=True)
        time.sleep(120)
pathlib.Path.write_bytes = stop
sys.exit(main(sys.argv[1:]))
"""


def _site_stopped_in_staging(out: Path):
    """A real ``exitkg site`` process, held while its staging folder (named after its process id)
    is being written beside *out*; (the process, the staging folder's name)."""
    import subprocess
    import sys

    from conftest import REPO_ROOT

    proc = subprocess.Popen([sys.executable, "-c", _STOP_IN_STAGING, "site", "--out", str(out)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "STAGING\n", proc.stderr.read() if proc.poll() is not None else ""
    staging = [p.name for p in out.parent.iterdir() if p.name.startswith(f".exitkg-staging-{proc.pid}-")]
    assert len(staging) == 1
    return proc, staging[0]


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_a_site_stopped_by_a_signal_removes_its_staging_folder(tmp_path, signal_name):
    import signal

    out = tmp_path / "parent" / "site"
    out.parent.mkdir()
    proc, _ = _site_stopped_in_staging(out)
    proc.send_signal(getattr(signal, signal_name))
    assert proc.wait(timeout=60) == 130
    assert proc.stderr.read().splitlines() == ["exitkg: interrupted"]
    assert list(out.parent.iterdir()) == []


@pytest.mark.slow
def test_the_staging_folder_of_a_killed_site_is_removed_by_the_next_run(tmp_path):
    """SIGKILL leaves no chance to clean up: the staging folder stays until the next run that
    writes beside it, which removes the staging folders of processes that no longer run, and
    never that of a running one."""
    import signal

    out = tmp_path / "parent" / "site"
    out.parent.mkdir()
    running, kept = _site_stopped_in_staging(tmp_path / "parent" / "other")
    try:
        killed, stale = _site_stopped_in_staging(out)
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=60) == -signal.SIGKILL
        assert sorted(p.name for p in out.parent.iterdir()) == sorted([kept, stale])
        result = run_exitkg("site", "--out", out)
        assert result.code == 0, result.stderr
        assert sorted(p.name for p in out.parent.iterdir()) == sorted([kept, "site"])
    finally:
        running.kill()
        running.wait(timeout=60)
