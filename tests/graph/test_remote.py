"""Real endpoints: Oxigraph's server on a loopback port, publishing, remote queries, and every
failure mode against real sockets (nothing listening, a listener that never answers, servers
answering 500, HTML, a truncated body or a capped result)."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, assert_one_error_line, run_in_process
from exitkg.sparql import queries as Q
from exitkg.graph.local import load
from exitkg.graph.remote import DEFAULT_GRAPH, RemoteEngine
from exitkg.serve.serve import oxigraph_binary

GRAPH = "https://example.org/exitkg-test-graph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A read-write Oxigraph server (the real one) on a free loopback port."""
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def published(store):
    code, out, err = run_in_process("publish", "--endpoint", store, "--graph", GRAPH)
    assert code == 0, err
    return store


def _count(out: str) -> int:
    return int(out.rsplit("the store holds ", 1)[1].split()[0])


def test_publish_twice_leaves_the_same_content(published):
    local = len(load(describe=True))
    code, out, err = run_in_process("publish", "--endpoint", published, "--graph", GRAPH)
    assert code == 0, err
    assert _count(out) == local
    code, out, err = run_in_process("publish", "--endpoint", published, "--graph", GRAPH, "--method", "update")
    assert code == 0, err
    assert _count(out) == local


def test_publish_default_graph_name(store):
    code, out, err = run_in_process("publish", "--endpoint", store)
    assert code == 0, err
    assert f"<{DEFAULT_GRAPH}>" in out


def _cases():
    for query in Q.catalogue().values():
        for values in query.examples:
            yield pytest.param(query.id, values, id=f"{query.id}{values or ''}")


@pytest.fixture(scope="module")
def engines(published):
    return load(describe=True), RemoteEngine(published, GRAPH, timeout=60)


@pytest.mark.parametrize("qid, values", list(_cases()))
def test_every_canned_query_gives_the_same_rows_remotely(engines, qid, values):
    local, remote = engines
    query = Q.catalogue()[qid]
    here, there = Q.run(query, local, values), Q.run(query, remote, values)
    assert there.variables == here.variables
    assert there.rows == here.rows


def test_a_parameter_naming_nothing_is_found_remotely_as_locally(engines):
    query = Q.catalogue()["classifications-of-factor"]
    for values in ({"factor": "stigmaa"}, {"factor": "stigma"}):
        assert Q.absent(query, engines[1], values) == Q.absent(query, engines[0], values)
    assert Q.absent(query, engines[1], {"factor": "stigmaa"})


def test_report_agrees_line_for_line(published):
    code_l, local, _ = run_in_process("report")
    code_r, remote, err = run_in_process("report", "--endpoint", published, "--graph", GRAPH)
    assert code_l == code_r == 0, err
    assert remote.splitlines() == local.splitlines()


@pytest.mark.parametrize("payload", ['Stigma"@en } UNION { ?factor ?p ?label } #', "x\" } ; DROP ALL ; #\n"])
def test_remote_string_parameter_is_a_plain_value(published, tmp_path, payload):
    query_file = tmp_path / "by-label.rq"
    query_file.write_text(
        "# id: by-label\n# title: Factors by exact label\n# kind: question\n# param: label string -- the label\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?label ?factor WHERE { ?factor skos:prefLabel ?l . FILTER(STR(?l) = ?label) }\n",
        encoding="utf-8",
    )
    remote = RemoteEngine(published, GRAPH)
    query = Q.parse_query_file(query_file)
    assert len(Q.run(query, remote, {"label": "Stigma"}).rows) == 1
    assert Q.run(query, remote, {"label": payload}).rows == []
    # the graph is intact afterwards
    assert len(Q.run(Q.catalogue()["figure-2"], remote).rows) == 15


def test_serve_answers_another_process_and_stops_cleanly(tmp_path):
    port = free_port()
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONIOENCODING="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "exitkg", "serve", "--port", str(port)], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}/query"
        assert line.strip().endswith(url), line
        client = subprocess.run(
            [sys.executable, "-c",
             "import sys; from SPARQLWrapper import SPARQLWrapper, JSON\n"
             "s = SPARQLWrapper(sys.argv[1]); s.setReturnFormat(JSON)\n"
             "s.setQuery('SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/exitkg/ontology#Study> }')\n"
             "print(s.query().convert()['results']['bindings'][0]['n']['value'])", url],
            capture_output=True, text=True, timeout=60)
        studies = load().run("SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/exitkg/ontology#Study> }")
        assert client.stdout.strip() == studies.rows[0]["n"].value, client.stderr
        assert any(p.name.startswith("exitkg-store-") for p in tmp_path.iterdir())
        # the report through the served endpoint agrees with the local one, line for line
        code_r, remote, err = run_in_process("report", "--endpoint", url)
        code_l, local, _ = run_in_process("report")
        assert code_r == code_l == 0, err
        assert remote.splitlines() == local.splitlines()
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0, proc.stderr.read()
    assert list(tmp_path.iterdir()) == []  # the temporary store is gone
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()  # and the server with it


def test_serve_port_in_use_exit_6():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run_in_process("serve", "--port", str(port))
    assert code == 6
    assert_one_error_line(err, f"port {port}", "in use")


def test_serve_store_that_cannot_be_written_exit_8(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    code, out, err = run_in_process("serve", "--port", str(free_port()), "--store", str(blocker / "store"))
    assert code == 8
    assert_one_error_line(err, "cannot create the store folder")


# --------------------------------------------------------------------------- #
# Failure modes against real sockets
# --------------------------------------------------------------------------- #

class _Handler(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        body_in = self.rfile.read(length)
        mode = self.server.mode
        self.server.requests.append(dict(self.headers))
        ok = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "1"}}]}}
        if mode == "busy-then-ok" and len(self.server.requests) < 3:
            mode = "429"
        elif mode == "busy-then-ok":
            mode = "ok"
        if mode in ("429", "503"):
            body = b"busy"
            self.send_response(int(mode))
            self.send_header("Content-Type", "text/plain")
            if mode == "429":
                self.send_header("Retry-After", "1")
        elif mode == "not-a-number":  # the variables the query selects, each bound to "many"
            import urllib.parse

            import pyoxigraph as ox

            query = urllib.parse.parse_qs(body_in.decode())["query"][0]
            answer = ox.Store().query(query)  # read, never evaluated: nothing is iterated
            if isinstance(answer, ox.QuerySolutions):
                names = [v.value for v in answer.variables]
                doc = {"head": {"vars": names}, "results": {"bindings": [
                    {n: {"type": "literal", "value": "many"} for n in names}]}}
            else:
                doc = {"head": {}, "boolean": False}
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
        elif mode in ("ok", "extra", "metadata", "members-first"):
            doc = ok
            if mode == "extra":
                doc = {"head": {"vars": ["x", "extra"]}, "results": {"bindings": [
                    {"x": {"type": "literal", "value": "1"}, "extra": {"type": "literal", "value": "2"}}]}}
            elif mode == "metadata":  # as Comunica writes it
                doc = {**ok, "metadata": {"httpRequests": 1}}
            elif mode == "members-first":
                doc = {"results": {"distinct": False, "ordered": True, "bindings": ok["results"]["bindings"]},
                       "metadata": {}, "head": {"link": [], "vars": ["x"]}}
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
        elif mode == "anytime":  # Virtuoso's partial answer at its time limit
            body = json.dumps(ok).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("X-SQL-State", "S1TAT")
            self.send_header("X-SQL-Message", "RC...: Returning incomplete results, query interrupted by result timeout.")
        elif mode == "drip":  # headers at once, then one byte a quarter second
            body = json.dumps(ok).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.25)
            except OSError:
                pass
            return
        elif mode == "500":
            body = b"internal failure"
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
        elif mode == "html":
            body = b"<!DOCTYPE html><html><body>Welcome to our portal</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        elif mode.startswith("rows-"):  # this many rows, and no header about a limit
            doc = {"head": {"vars": ["x"]}, "results": {"bindings": [
                {"x": {"type": "literal", "value": str(i)}} for i in range(int(mode[5:]))]}}
            body = json.dumps(doc).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
        elif mode in ("cap", "206"):
            doc = {"head": {"vars": ["x"]}, "results": {"bindings": [
                {"x": {"type": "literal", "value": "1"}}, {"x": {"type": "literal", "value": "2"}}]}}
            body = json.dumps(doc).encode()
            self.send_response(206 if mode == "206" else 200)
            self.send_header("Content-Type", "application/sparql-results+json")
            if mode == "cap":
                self.send_header("X-SPARQL-MaxRows", "2")
        else:  # truncated: promise more bytes than are sent, then close
            body = b'{"head": {"vars": ["x"]}, "results": {"bindi'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body) + 500))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def bad_server():
    servers = []

    def start(mode: str) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.mode = mode
        server.requests = []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/sparql"

    start.servers = servers
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _check_failure(url: str, code: int, fragment: str, tmp_path: Path, *extra: str, query: str = "figure-2") -> None:
    out_file = tmp_path / "result.csv"
    out_file.write_text("previous content\n")
    got, out, err = run_in_process("query", query, "--endpoint", url, "--format", "csv", "--out", str(out_file), *extra)
    assert got == code, err
    assert_one_error_line(err, url, fragment)
    assert out_file.read_text() == "previous content\n"  # nothing partial written
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".rq"] == ["result.csv"]  # and no temporary file left


def test_connection_refused_exit_6(tmp_path):
    _check_failure(f"http://127.0.0.1:{free_port()}/query", 6, "connection refused", tmp_path)


def test_listener_that_never_answers_exit_7(tmp_path):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        _check_failure(url, 7, "no answer within 1 s", tmp_path, "--timeout", "1")


@pytest.mark.parametrize("mode, fragment", [
    ("500", "HTTP 500"),
    ("html", "text/html"),
    ("truncated", "cut off"),
    ("cap", "capped at 2 rows"),
    ("206", "HTTP 206"),
])
def test_bad_answers_exit_6(bad_server, tmp_path, mode, fragment):
    _check_failure(bad_server(mode), 6, fragment, tmp_path)


def test_an_answer_with_other_variables_exits_6_naming_one(bad_server, tmp_path):
    """An endpoint that answers with variables other than those asked: ``report`` and ``query``
    stop with exit 6 and one line naming a variable (``report`` stopped with exit 70)."""
    url = bad_server("ok")  # every answer has the one variable ?x
    code, out, err = run_in_process("report", "--endpoint", url)
    assert code == 6 and out == "", err
    assert_one_error_line(err, url, "has no variable ?")
    _check_failure(url, 6, "has no variable ?review, which the query selects", tmp_path)
    query = tmp_path / "y.rq"
    query.write_text("SELECT ?x ?y WHERE { ?x ?p ?y }\n")
    _check_failure(url, 6, "has no variable ?y", tmp_path, query=str(query))
    query.write_text("SELECT ?z WHERE { ?z ?p ?o }\n")
    _check_failure(url, 6, "has no variable ?z", tmp_path, query=str(query))
    query.write_text("ASK { ?x ?p ?o }\n")
    _check_failure(url, 6, "with rows instead of true or false", tmp_path, query=str(query))


def test_a_count_that_is_not_a_number_exits_6(bad_server):
    """The variables asked for, each bound to the word "many": ``report`` stops with exit 6 and
    one line (it stopped with exit 70)."""
    url = bad_server("not-a-number")
    code, out, err = run_in_process("report", "--endpoint", url)
    assert code == 6 and out == "", err
    assert_one_error_line(err, url, "'many' where the report needs a count")


def test_an_answer_with_a_variable_not_asked_for_exits_6(bad_server):
    from exitkg.core.errors import EndpointError

    url = bad_server("extra")  # ?x and ?extra
    with pytest.raises(EndpointError, match=r"has a variable \?extra, which the query does not select"):
        RemoteEngine(url).run("SELECT ?x WHERE { ?x ?p ?o }")
    assert RemoteEngine(url).run("SELECT * WHERE { ?x ?p ?o }").variables == ["x", "extra"]


@pytest.mark.parametrize("mode", ["metadata", "members-first"])
def test_results_with_members_of_their_own_are_read(bad_server, mode):
    """Comunica writes a ``metadata`` member after the results; other stores add ``link``,
    ``distinct`` or ``ordered``, and members may come in any order."""
    result = RemoteEngine(bad_server(mode)).run("SELECT ?x WHERE { ?x ?p ?o }")
    assert [r["x"].value for r in result.rows] == ["1"]


def test_an_answer_of_a_round_number_of_rows_is_flagged_as_maybe_cut(bad_server, tmp_path):
    """No header says the answer was cut, but it has exactly as many rows as a limit servers set:
    a warning, and under --strict exit 6 with nothing written; one row fewer is not flagged."""
    url = bad_server("rows-1000")
    query = tmp_path / "x.rq"
    query.write_text("SELECT ?x WHERE { ?x ?p ?o }\n")  # what the server answers
    out_file = tmp_path / "result.csv"
    code, out, err = run_in_process("query", query, "--endpoint", url, "--format", "csv", "--out", str(out_file))
    assert code == 0, err
    assert err.count("\n") == 1 and err.startswith("exitkg: warning: ") and "exactly 1,000 rows" in err
    assert "may be incomplete" in err
    assert len(out_file.read_text().splitlines()) == 1 + 1000
    out_file.unlink()
    _check_failure(url, 6, "may be incomplete", tmp_path, "--strict", query=str(query))
    code, out, err = run_in_process("query", query, "--endpoint", bad_server("rows-999"), "--format", "csv", "--strict")
    assert code == 0 and err == "" and len(out.splitlines()) == 1 + 999


def test_real_server_404_and_400(store, tmp_path):
    base = store.rsplit("/", 1)[0]
    _check_failure(base + "/no-such-path", 6, "HTTP 404", tmp_path)
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ?p }\n")
    code, out, err = run_in_process("query", str(bad), "--endpoint", store)
    assert code == 4
    assert_one_error_line(err, "rejected the query")


def test_endpoint_option_errors_are_usage_errors():
    code, out, err = run_in_process("query", "figure-2", "--endpoint", "ftp://example.org/sparql")
    assert code == 3
    assert_one_error_line(err, "not an http(s) URL")
    code, out, err = run_in_process("report", "--graph", "https://example.org/g")
    assert code == 3
    assert_one_error_line(err, "go with --endpoint")


def test_a_drip_fed_answer_stops_at_the_deadline(bad_server, tmp_path):
    """Headers at once, then a byte every quarter second (about 20 s in all): --timeout 2 is a
    deadline for the whole answer, not for each read."""
    started = time.monotonic()
    _check_failure(bad_server("drip"), 7, "no answer within 2 s", tmp_path, "--timeout", "2")
    assert time.monotonic() - started < 10


def test_a_busy_endpoint_is_asked_again_as_it_says(bad_server):
    from exitkg.graph.remote import RemoteEngine

    url = bad_server("busy-then-ok")
    started = time.monotonic()
    result = RemoteEngine(url, timeout=30).run("SELECT ?x WHERE { ?x ?p ?o }")
    assert [r["x"].value for r in result.rows] == ["1"]
    requests = bad_server.servers[-1].requests
    assert len(requests) == 3 and time.monotonic() - started >= 2  # two 429s, each with Retry-After: 1


def test_an_endpoint_that_stays_unavailable_is_given_up_on(bad_server, tmp_path):
    _check_failure(bad_server("503"), 6, "HTTP 503", tmp_path, "--timeout", "30")
    assert len(bad_server.servers[-1].requests) == 4


def test_a_partial_virtuoso_answer_is_refused(bad_server, tmp_path):
    _check_failure(bad_server("anytime"), 6, "partial result", tmp_path)


def test_only_sparql_json_results_are_asked_for(bad_server):
    from exitkg.graph.remote import RemoteEngine

    url = bad_server("ok")
    RemoteEngine(url).run("SELECT ?x WHERE { ?x ?p ?o }")
    assert bad_server.servers[-1].requests[0]["Accept"] == "application/sparql-results+json"


@pytest.mark.slow
def test_publishing_at_the_same_time_leaves_one_whole_graph(store):
    """Three runs at once, by both methods: each writes a graph of its own and moves it in place;
    in the end the store holds the graph once, blank nodes included (before, the runs' blank
    nodes piled up and a run could report success over a wrong count)."""
    graph = "https://example.org/exitkg-concurrent"
    runs = [subprocess.Popen([sys.executable, "-m", "exitkg", "publish", "--endpoint", store, "--graph", graph,
                              *([] if i % 2 else ["--method", "update"])], cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    outcomes = [(run.wait(timeout=300), run.stdout.read()) for run in runs]
    local = len(load(describe=True))
    for code, out in outcomes:
        assert code in (0, 1)
        assert (code == 0) == (f"the store holds {local}" in out)
    remote = RemoteEngine(store, timeout=60)
    count = remote.run(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}").rows[0]["n"].value
    assert int(count) == local
    leftover = remote.run("SELECT ?g WHERE { GRAPH ?g { } FILTER(STRSTARTS(STR(?g), \"urn:uuid:\")) }").rows
    assert leftover == []
