"""``exitkg serve``: the query page knows the canned queries (driven in headless Chromium), and the
identifiers answer with content negotiation, beside the SPARQL endpoint, on one port."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import REPO_ROOT, assert_one_error_line, run_exitkg
from exitkg.sparql import queries as Q
from exitkg.graph.local import load


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*options: str):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "exitkg", "serve", "--port", str(port), *options], cwd=REPO_ROOT,
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
    return proc, f"http://127.0.0.1:{port}/", lines


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def served():
    proc, base, lines = _start()
    yield base, lines
    _stop(proc)


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


def test_a_factor_page_served_puts_its_summary_first(served):
    """``exitkg serve`` answers a factor's page with the site's summary: its status and its
    confidence level (from the library), its statements folded away under it."""
    from exitkg.api import evidence_profile

    base, _ = served
    [found] = [f for f in evidence_profile(load()) if f.factor == "https://w3id.org/exitkg/id/factor/stigma"]
    page = _get(base + "id/factor/stigma", "text/html")[2].decode("utf-8")
    summary, folded = page.split('<details class="raw">', 1)
    assert f">{found.status}" in summary and f">{found.confidence.level}</span></h2>" in summary
    assert "<h2>Referred to by</h2>" in folded


def test_the_stylesheets_identifier_pages_link_are_served(served):
    base, _ = served
    _, _, body = _get(base + "id/factor/stigma", "text/html")
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', body.decode("utf-8"))
    assert links
    for href in links:
        ctype, _, sheet = _get(urllib.parse.urljoin(base + "id/factor/stigma", href))
        assert ctype.startswith("text/css") and sheet == (REPO_ROOT / "exitkg" / "pages" / "static" / href.rsplit("/", 1)[1]).read_bytes()
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(base + "static/no-such.css")
    assert info.value.code == 404


def test_the_ontology_pages_links_to_the_shapes_and_the_diagram_are_served(served):
    """The ontology's page links the shapes' page and its class diagram beside it, as the site has them."""
    import xml.etree.ElementTree as ET

    base, _ = served
    _, _, body = _get(base + "ontology", "text/html")
    page = body.decode("utf-8")
    for href in ("shapes.html", "ontology.svg"):
        assert f'href="{href}"' in page, href
    ctype, _, shapes = _get(urllib.parse.urljoin(base + "ontology", "shapes.html"))
    assert ctype.startswith("text/html") and b'<body class="shapes">' in shapes
    ctype, _, svg = _get(urllib.parse.urljoin(base + "ontology", "ontology.svg"))
    assert ctype.startswith("image/svg+xml") and ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"


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
    assert len(driver.find_elements("css selector", ".yasr tbody tr")) == min(rows, 50)  # YASR's first page


# --------------------------------------------------------------------------------------------- #
# The endpoint under load and abuse
# --------------------------------------------------------------------------------------------- #

TIMEOUT = 2  # the guarded server's query timeout, seconds
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BENIGN = "ASK { ?s ?p ?o }"


@pytest.fixture(scope="module")
def guarded():
    proc, base, _ = _start("--timeout", str(TIMEOUT), "--concurrent", "4", "--max-result-mib", "1",
                           "--max-query-kib", "64")
    yield proc, base + "query"
    _stop(proc)


def _sparql(url: str, text: str, *, ctype: str = "application/sparql-query", timeout: float = 60):
    """(status, body, headers) of a POSTed query; errors are answers too."""
    request = urllib.request.Request(url, data=text.encode("utf-8"), method="POST",
                                     headers={"Content-Type": ctype, "Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def test_every_canned_query_passes_the_endpoint_checks():
    from exitkg.sparql.guard import check_query
    from exitkg.sparql.queries import bind
    from exitkg.graph.remote import with_bindings

    for query in Q.catalogue().values():
        check_query(query.text)
        if not any(p.required for p in query.params):
            check_query(with_bindings(query.text, bind(query, {})))


@pytest.mark.parametrize("text, status, reason", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 400, "SERVICE"),
    ("select*{service<http://127.0.0.1:9/>{?s ?p ?o}}", 400, "SERVICE"),
    ("SELECT * WHERE { " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000 + " }", 400, "nests"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 10000 + "true) }", 400, "nests"),
    ("SELECT * WHERE { ?s ?p ?o } #" + "x" * (1 << 20), 413, "bytes"),
    ("LOAD <file:///etc/passwd>", 403, "read-only"),
    ("DROP ALL", 403, "read-only"),
    ("PREFIX e: <http://example.org/> INSERT DATA { e:a e:b e:c }", 403, "read-only"),
    ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", 400, "reads no files"),
    ("SELECT * FROM NAMED < file:/etc/hosts> WHERE { GRAPH ?g { ?s ?p ?o } }", 400, "reads no files"),
])
def test_abusive_queries_are_refused_before_they_run(text, status, reason):
    from exitkg.sparql.guard import Refused, check_query

    with pytest.raises(Refused) as info:
        check_query(text)
    assert info.value.status == status and reason in str(info.value)


@pytest.mark.parametrize("text", [
    'SELECT ?service WHERE { ?service <http://example.org/service> "SERVICE" } # SERVICE',
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > -1) }",
    "SELECT * WHERE { ?s ?p '''SERVICE <http://x/> { }''' }",
    "PREFIX load: <http://example.org/> SELECT ?insert WHERE { ?insert load:drop 'DELETE' ; load:with ?add }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p 'FROM <file:x>' }",
])
def test_words_inside_names_strings_and_comments_are_not_refused(text):
    from exitkg.sparql.guard import check_query

    check_query(text)


def test_service_is_refused_and_nothing_is_fetched(guarded):
    _, url = guarded
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(1.0)
        target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        status, body, _ = _sparql(url, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
        assert status == 400 and b"SERVICE" in body
        with pytest.raises(TimeoutError):
            listener.accept()


#: SERVICE clauses that a look at the text misses (escapes in an IRI or a name make it read a
#: comment or a string where the parser reads none) or that stand where it might not look; {url}
#: is the URL of a listening socket, {base} its folder
HIDDEN_SERVICE = [
    # an escape keeps the IRI from being seen as one, and its '#' then looks like a comment
    "SELECT * WHERE {{ ?s <http://example.org/\\u0061#> ?o . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    # a local name's escaped '#' looks like a comment too, and the service's own name has an escape
    "PREFIX ex: <{base}> SELECT * WHERE {{ ?s ex:a\\#b ?o . SERVICE ex:sp\\%61rql {{ ?s ?p ?o }} }}",
    # an escaped quote in a local name looks like the start of a string
    "PREFIX ex: <http://example.org/> SELECT * WHERE {{ ?s ex:it\\'s ?o . SERVICE <{url}> {{ ?s ?p ?o }} ?s ex:b\\' ?o }}",
    # lower case, SILENT, in a subquery, the IRI spelled with an escape
    "SELECT * WHERE {{ ?s ?p ?o {{ SELECT * WHERE {{ service silent <{base}\\u0073parql> {{ ?s ?p ?o }} }} }} }}",
    # a comment between the keyword and the IRI, in an ASK
    "ASK {{ SERVICE # a comment\n <{url}> {{ ?s ?p ?o }} }}",
]


def _listener():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1.0)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    return listener, base


def _nothing_arrives(listener) -> None:
    with pytest.raises(TimeoutError):
        connection, _ = listener.accept()
        connection.close()


@pytest.mark.parametrize("template", HIDDEN_SERVICE)
def test_a_hidden_service_is_refused_locally_and_nothing_is_fetched(template, tmp_path):
    """The library refuses each before it runs; the same through ``exitkg query FILE``."""
    from exitkg.core.errors import QueryError

    listener, base = _listener()
    with listener:
        text = template.format(url=base + "sparql", base=base)
        with pytest.raises(QueryError, match="SERVICE is not run"):
            load().run(text)
        query = tmp_path / "q.rq"
        query.write_text(text, encoding="utf-8")
        code, out, err = run_exitkg("query", query)
        assert code == 4 and out == ""
        assert_one_error_line(err, "SERVICE is not run")
        _nothing_arrives(listener)


@pytest.mark.parametrize("template", HIDDEN_SERVICE)
def test_a_hidden_service_is_refused_by_the_endpoint_and_nothing_is_fetched(guarded, template):
    _, url = guarded
    listener, base = _listener()
    with listener:
        status, body, _ = _sparql(url, template.format(url=base + "sparql", base=base))
        assert status == 400 and b"SERVICE" in body, body
        _nothing_arrives(listener)


SANDBOXED = pytest.mark.skipif(not (sys.platform == "linux" and __import__("platform").machine().lower()
                                     in ("x86_64", "aarch64")), reason="the seccomp filter is for Linux on x86-64 and ARM64")


@SANDBOXED
def test_the_local_engine_cannot_reach_the_network_even_past_the_parser():
    """Below the parser's refusal: a SERVICE query handed straight to the threads local queries
    run in fails with 'permission denied', and nothing arrives at the listening socket."""
    import pyoxigraph as ox

    from exitkg.sparql.engine import _evaluate, _in_sandbox
    from exitkg.core.errors import QueryError

    listener, base = _listener()
    with listener:
        with pytest.raises(QueryError, match="Permission denied"):
            _in_sandbox(_evaluate, ox.Store(), f"SELECT * WHERE {{ SERVICE <{base}sparql> {{ ?s ?p ?o }} }}", {})
        with pytest.raises(PermissionError):
            _in_sandbox(socket.create_connection, ("127.0.0.1", listener.getsockname()[1]))
        _nothing_arrives(listener)
        socket.create_connection(("127.0.0.1", listener.getsockname()[1])).close()  # this thread still can
        listener.accept()[0].close()


@SANDBOXED
def test_the_query_processes_of_serve_cannot_reach_the_network(guarded):
    proc, _ = guarded
    workers = _children(proc.pid, "exitkg.serve._query_worker")
    assert workers
    for pid in workers:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
        assert status["Seccomp"].strip() == "2"  # a filter is in place (see exitkg.sparql.guard.deny_network)


def test_the_word_service_elsewhere_is_no_service():
    from exitkg.sparql.guard import has_service

    for text in ["SELECT ?service WHERE { ?service <http://example.org/service> 'SERVICE' } # SERVICE",
                 "PREFIX service: <http://e/> PREFIX Service: <http://f/> SELECT * { ?s service:p Service:service }",
                 "PREFIX ex: <http://e/> SELECT * { ?s ex:a\\#b 'service' }"]:
        assert not has_service(text)
    with pytest.raises(SyntaxError):
        has_service("SELECT ?service WHERE { ?service ?p")


def test_updates_are_refused(guarded):
    _, url = guarded
    status, body, _ = _sparql(url, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", ctype="application/sparql-update")
    assert status == 403 and b"read-only" in body
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"update": "CLEAR ALL"}))
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 403
    assert _sparql(url, "ASK { <urn:a> <urn:b> <urn:c> }")[1].count(b"false") == 1


def test_oversized_and_deeply_nested_queries_do_not_bring_the_server_down(guarded):
    _, url = guarded
    status, _, _ = _sparql(url, "SELECT * WHERE { ?s ?p ?o } #" + "x" * (1 << 20))
    assert status == 413
    status, _, _ = _sparql(url, "SELECT * WHERE { " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000 + " }")
    assert status == 400  # Oxigraph's parser would overflow its stack on this and abort the server
    assert _sparql(url, BENIGN)[0] == 200


@pytest.mark.parametrize("text", [
    CROSS_PRODUCT, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i",
    # a regular expression that backtracks for ever in a backtracking engine, over every pair of values
    'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(CONCAT(STR(?c), STR(?f)), "^(a|aa)+(a|aa)+$")) }',
])
@pytest.mark.slow
def test_a_query_is_stopped_at_the_deadline(guarded, text):
    """Oxigraph's own server timeout answers the first with status 200 and a cut body, and never
    stops the second; here both end at the deadline with a 503."""
    _, url = guarded
    started = time.monotonic()
    status, body, _ = _sparql(url, text)
    assert status == 503 and b"ran longer" in body
    assert time.monotonic() - started < TIMEOUT + 5
    assert _sparql(url, BENIGN)[0] == 200


def test_a_large_answer_is_refused(guarded):
    _, url = guarded
    status, body, _ = _sparql(url, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 503 and b"limit of 1,048,576 bytes" in body
    status, body, headers = _sparql(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 10


@pytest.mark.slow
def test_a_benign_client_is_answered_while_others_send_expensive_queries(guarded):
    """Three clients send cross products (each stopped at the timeout) for about eight seconds; a
    fourth asks a small question every quarter second. Every small question is answered; the
    latencies are kept in build/test-artifacts/serve-under-load.json."""
    import threading

    from conftest import ARTIFACTS

    _, url = guarded
    stop = time.monotonic() + 8
    abusive: list[int] = []

    def abuse():
        while time.monotonic() < stop:
            abusive.append(_sparql(url, CROSS_PRODUCT)[0])

    threads = [threading.Thread(target=abuse) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    latencies, statuses = [], []
    while time.monotonic() < stop:
        started = time.monotonic()
        statuses.append(_sparql(url, BENIGN)[0])
        latencies.append(time.monotonic() - started)
        time.sleep(0.25)
    for thread in threads:
        thread.join()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "serve-under-load.json").write_text(json.dumps(
        {"benign_latencies_s": [round(x, 4) for x in latencies], "abusive_statuses": abusive}, indent=1) + "\n")
    assert abusive and all(code == 503 for code in abusive)  # every expensive query was stopped
    assert statuses and all(code == 200 for code in statuses)
    assert max(latencies) < TIMEOUT  # answered well before any expensive query ends


@pytest.mark.slow
def test_more_queries_than_allowed_are_told_to_retry(guarded):
    import threading

    _, url = guarded
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(_sparql(url, CROSS_PRODUCT)[0])) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    status, _, headers = _sparql(url, BENIGN)
    for thread in threads:
        thread.join()
    assert status == 503 and headers.get("Retry-After")


@pytest.mark.slow
def test_a_burst_of_64_clients_is_answered_not_reset(guarded):
    """64 clients connect at the same moment, three times over: each gets an HTTP answer, the
    answer (200) or a request to retry (503 with Retry-After); none has its connection reset."""
    import threading

    _, url = guarded
    clients = 64
    for _ in range(3):
        barrier = threading.Barrier(clients)
        answers: list = []

        def client(barrier=barrier, answers=answers):
            request = urllib.request.Request(url, data=BENIGN.encode(), method="POST", headers={
                "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
            barrier.wait()
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    answers.append((response.status, None))
            except urllib.error.HTTPError as exc:
                answers.append((exc.code, exc.headers.get("Retry-After")))
            except OSError as exc:  # a reset, a refused connection: no answer
                answers.append((type(exc).__name__, str(exc)))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == clients
        unanswered = [a for a in answers if not (a[0] == 200 or (a[0] == 503 and a[1]))]
        assert not unanswered
        assert any(status == 200 for status, _ in answers)
    assert _sparql(url, BENIGN)[0] == 200


def test_when_every_handler_is_taken_a_client_is_told_to_retry():
    """Clients that send half a request each hold a handler; with all of them held, the next
    client is answered 503 with Retry-After at once, and once they go, answered again."""
    from exitkg.sparql.guard import Limits

    proc, base, _ = _start("--concurrent", "1")
    held = []
    try:
        port = int(base.rsplit(":", 1)[1].strip("/"))
        for _ in range(Limits(concurrent=1).handlers):
            slow = socket.create_connection(("127.0.0.1", port))
            slow.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\n")  # and never the rest
            held.append(slow)
        time.sleep(0.5)
        status, body, headers = _sparql(base + "query", BENIGN)
        assert status == 503 and headers.get("Retry-After") and b"retry" in body, body
        for slow in held:
            slow.close()
        deadline = time.monotonic() + 10
        while (status := _sparql(base + "query", BENIGN)[0]) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
    finally:
        for slow in held:
            slow.close()
        _stop(proc)


def _children(pid: int, word: str) -> list[int]:
    from conftest import descendants

    return [child for child, command in descendants(pid).items() if word in command and _alive(child)]


def _alive(pid: int) -> bool:
    """Whether *pid* runs (a zombie, dead but not yet collected by its parent, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_a_killed_query_process_is_replaced_and_none_outlives_a_killed_serve():
    import os
    import signal

    proc, base, _ = _start("--timeout", str(TIMEOUT), "--concurrent", "1")
    try:
        (child,) = _children(proc.pid, "exitkg.serve._query_worker")
        os.kill(child, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.05)
        status, body, _ = _sparql(base + "query", BENIGN)
        assert status == 200, body  # answered by a fresh process
        (fresh,) = _children(proc.pid, "exitkg.serve._query_worker")
        assert fresh != child
        store = Path(Path(f"/proc/{fresh}/cmdline").read_bytes().split(b"\0")[-2].decode()).parent
        assert store.name.startswith("exitkg-store-") and store.is_dir()
        proc.kill()  # SIGKILL: serve has no chance to clean up
        proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(fresh):
            time.sleep(0.1)
        assert not _alive(fresh)
        assert store.is_dir()  # left behind by the killed server ...
        again, _, _ = _start()
        _stop(again)
        assert not store.exists()  # ... and removed by the next one
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_protocol_dataset_parameters_choose_the_graphs(served):
    """``default-graph-uri`` (what ``--graph`` sends) makes a named graph the default graph."""
    base, _ = served
    source = "https://w3id.org/exitkg/id/source/ferrari-2021"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    form = urllib.parse.urlencode({"query": query, "default-graph-uri": source}).encode()
    request = urllib.request.Request(base + "query", data=form, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        count = int(json.loads(response.read())["results"]["bindings"][0]["n"]["value"])
    assert count == sum(1 for _ in load(describe=True).graph_quads(source))
    bad = urllib.parse.urlencode({"query": query, "default-graph-uri": "not an iri"}).encode()
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(urllib.request.Request(base + "query", data=bad, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"}), timeout=60)
    assert info.value.code == 400
