"""``exitkg site``: identifiers resolve, with content negotiation, through a real Apache httpd.

The test starts Debian's ``apache2`` on loopback with a minimal configuration serving the site at
``/exitkg/`` (as w3id.org serves ``https://w3id.org/exitkg/``), honouring the site's own
``.htaccess``, and follows identifiers with Accept headers.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import run_exitkg
from exitkg.graph import load

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
    for path in sorted(p for p in site.rglob("*") if p.is_file())[:400]:
        assert (again / path.relative_to(site)).read_bytes() == path.read_bytes(), path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def apache(site, tmp_path_factory):
    binary = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists() else None)
    if not binary or not MODULES.is_dir():
        pytest.skip("no Apache httpd (Debian: apt-get install apache2; .ci/run installs it)")
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
