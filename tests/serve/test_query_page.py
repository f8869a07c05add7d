"""The query page of ``exitkg serve``: YASGUI shipped inside the package (with its licence and origin,
nothing fetched from elsewhere), the canned queries with a form for their parameters, bound by the
server as terms, results' identifiers linked to their pages on the same server, downloads as CSV and
JSON (driven in headless Chromium)."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import REPO_ROOT
from exitkg.graph.local import load
from exitkg.sparql import queries as Q
from test_serve import _start, _stop

YASGUI = REPO_ROOT / "exitkg" / "pages" / "static" / "yasgui"


@pytest.fixture(scope="module")
def served():
    proc, base, _ = _start()
    yield base
    _stop(proc)


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_the_package_ships_yasgui_with_its_licence_and_origin():
    """Only the built bundle, its licence and where it came from (.ci/refresh-yasgui writes them)."""
    assert sorted(p.name for p in YASGUI.iterdir()) == ["LICENSE", "ORIGIN", "yasgui.min.css", "yasgui.min.js"]
    assert "MIT License" in (YASGUI / "LICENSE").read_text() and "Permission is hereby granted" in (YASGUI / "LICENSE").read_text()
    origin = dict(line.split(": ", 1) for line in (YASGUI / "ORIGIN").read_text().splitlines())
    assert origin["package"] == "@zazuko/yasgui"
    assert origin["tarball"] == f"https://registry.npmjs.org/@zazuko/yasgui/-/yasgui-{origin['version']}.tgz"
    assert re.fullmatch(r"[0-9a-f]{40}", origin["sha1"]) and re.fullmatch(r"[0-9a-f]{64}", origin["sha256"])
    assert "sourceMappingURL" not in (YASGUI / "yasgui.min.js").read_text(encoding="utf-8")
    from exitkg.pages.templating import static_paths

    assert {f"yasgui/{n}" for n in ("LICENSE", "ORIGIN", "yasgui.min.css", "yasgui.min.js")} <= set(static_paths())


def test_the_query_page_references_no_external_url():
    from exitkg.serve.front import query_page

    page = query_page()
    refs = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert "static/yasgui/yasgui.min.js" in refs and "static/yasgui/yasgui.min.css" in refs
    assert not [r for r in refs if re.match(r"^([a-z][a-z0-9+.-]*:|//)", r, re.I)]
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page + (YASGUI / "yasgui.min.css").read_text())


def test_serve_answers_the_editor_its_licence_and_the_bound_queries(served):
    status, ctype, body = _get(served + "static/yasgui/yasgui.min.js")
    assert status == 200 and ctype.startswith("text/javascript") and body == (YASGUI / "yasgui.min.js").read_bytes()
    status, ctype, _ = _get(served + "static/yasgui/yasgui.min.css")
    assert status == 200 and ctype.startswith("text/css")
    status, ctype, body = _get(served + "static/yasgui/LICENSE")
    assert status == 200 and ctype.startswith("text/plain") and b"MIT" in body
    assert _get(served + "static/yasgui/../../serve/front.py")[0] == 404
    # a parameter is checked and bound as a term, never pasted into the query as text
    status, ctype, body = _get(served + "bind/evidence-for-factor?factor=stigma")
    assert status == 200 and ctype.startswith("application/sparql-query")
    assert "BIND(<https://w3id.org/exitkg/id/factor/stigma> AS ?factor)" in body.decode()
    for path, said in (("bind/evidence-for-factor", "missing parameter 'factor'"),
                       ("bind/evidence-for-factor?factor=" + urllib.parse.quote("x> } #"), "expected a factor slug"),
                       ("bind/evidence-for-factor?factor=stigma&factor=family", "given twice"),
                       ("bind/evidence-for-factor?colour=red", "unknown parameter 'colour'"),
                       ("bind/no-such-query", "unknown query")):
        status, _, body = _get(served + path)
        assert status == 400 and said in body.decode() and body.decode().count("\n") == 1, path


def _stigma_rows() -> int:
    graph = load(describe=True)
    rows = len(Q.run(Q.catalogue()["evidence-for-factor"], graph, {"factor": "stigma"}).rows)
    everyone = len(graph.run(Q.catalogue()["evidence-for-factor"].text).rows)
    assert 0 < rows < everyone
    return rows


def test_the_page_runs_a_canned_query_with_a_parameter_and_follows_a_result(served, driver):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    requests = "return performance.getEntriesByType('resource').map(e => e.name)"
    driver.get(served)
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", ".yasqe"))
    Select(driver.find_element("id", "canned")).select_by_value("evidence-for-factor")
    factor = driver.find_element("id", "param-factor")
    assert factor.get_attribute("required") == "true"
    # a required parameter must be filled in before the query runs
    driver.find_element("id", "run").click()
    WebDriverWait(driver, 10).until(lambda d: "fill in factor" in d.find_element("id", "status").text)
    assert not [r for r in driver.execute_script(requests) if r.startswith(served + "query")]
    factor.send_keys("stigma")
    driver.find_element("id", "run").click()
    WebDriverWait(driver, 60).until(lambda d: d.find_element("id", "status").get_attribute("data-rows"))
    rows = int(driver.find_element("id", "status").get_attribute("data-rows"))
    assert rows == _stigma_rows()
    # the wide table scrolls inside its own box, not the page
    assert driver.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    # every row is stigma's, and each identifier links to its page on this server
    factors = driver.execute_script("""
        const heads = [...document.querySelectorAll('.yasr thead th')].map(th => th.textContent.trim());
        const at = heads.indexOf('factor');
        return [...document.querySelectorAll('.yasr tbody tr')].map(tr => {
          const a = tr.children[at].querySelector('a.iri'); return a ? a.href : tr.children[at].textContent; });""")
    assert factors == [served + "id/factor/stigma"] * rows
    links = [a.get_attribute("href") for a in driver.find_elements("css selector", ".yasr a.iri")]
    assert links and not [h for h in links if h.startswith("https://w3id.org/exitkg/id/")]
    # downloads, as CSV and as JSON, of the same rows
    blob = """const done = arguments[arguments.length - 1];
        fetch(document.getElementById('download').href).then(r => r.text()).then(done);"""
    driver.find_element("id", "csv").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", "a#download[download$='.csv']"))
    csv = driver.execute_async_script(blob)
    assert csv.splitlines()[0].startswith("factor,label,") and len(csv.strip().splitlines()) == rows + 1
    driver.find_element("id", "json").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", "a#download[download$='.json']"))
    assert len(json.loads(driver.execute_async_script(blob))["results"]["bindings"]) == rows
    # nothing was fetched from anywhere but this server
    assert not [r for r in driver.execute_script(requests) if not r.startswith(served)]
    # a result's identifier leads to its page here
    driver.find_element("css selector", f'.yasr a.iri[href="{served}id/factor/stigma"]').click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url == served + "id/factor/stigma")
    assert "https://w3id.org/exitkg/id/factor/stigma" in driver.page_source
    assert _get(driver.current_url)[0] == 200
