"""``exitkg serve``: the query page knows the canned queries (driven in headless Chromium), and the
identifiers answer with content negotiation, beside the SPARQL endpoint, on one port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pyoxigraph as ox
import pytest

from conftest import REPO_ROOT
from exitkg import queries as Q
from exitkg.graph import load


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "exitkg", "serve", "--port", str(port)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    if not any(line.startswith("Query page: ") for line in lines):
        proc.kill()
        pytest.fail("exitkg serve did not announce its page: " + "".join(lines) + proc.stderr.read())
    yield f"http://127.0.0.1:{port}/", lines
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _get(url, accept=None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers.get("Content-Type", ""), response.headers.get("Vary", ""), response.read()


def test_serve_prints_the_url_of_its_page(served):
    base, lines = served
    assert any(line.strip().startswith(f"Query page: {base}") for line in lines)


def test_identifiers_answer_with_content_negotiation(served):
    base, _ = served
    iri = "https://w3id.org/exitkg/id/factor/stigma"
    ctype, vary, body = _get(base + "id/factor/stigma", "text/turtle")
    assert ctype.startswith("text/turtle") and "Accept" in vary
    assert any(t.subject == ox.NamedNode(iri) for t in ox.parse(body, format=ox.RdfFormat.TURTLE))
    ctype, _, body = _get(base + "id/factor/stigma", "application/ld+json")
    assert ctype.startswith("application/ld+json")
    assert any(t.subject == ox.NamedNode(iri) for t in ox.parse(body, format=ox.RdfFormat.JSON_LD))
    ctype, _, body = _get(base + "id/factor/stigma", "text/html")
    assert ctype.startswith("text/html") and iri.encode() in body
    ctype, _, body = _get(base + "ontology", "text/turtle")
    assert any(t.subject == ox.NamedNode("https://w3id.org/exitkg/ontology")
               for t in ox.parse(body, format=ox.RdfFormat.TURTLE))
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(base + "id/factor/no-such-factor")
    assert info.value.code == 404


def test_the_page_offers_every_canned_query(served):
    base, _ = served
    _, _, body = _get(base)
    for query_id in Q.catalogue():
        assert f'value="{query_id}"'.encode() in body


def test_the_page_runs_a_canned_query_in_a_browser(served, driver):
    from selenium.webdriver.support.ui import Select, WebDriverWait

    base, _ = served
    driver.get(base)
    Select(driver.find_element("id", "canned")).select_by_value("controversial-by-evidence")
    driver.find_element("id", "run").click()
    WebDriverWait(driver, 60).until(lambda d: d.find_element("id", "status").get_attribute("data-rows"))
    rows = int(driver.find_element("id", "status").get_attribute("data-rows"))
    expected = len(Q.run(Q.catalogue()["controversial-by-evidence"], load(describe=True)).rows)
    assert rows == expected > 0
    assert len(driver.find_elements("css selector", "#results tr.row")) == rows
