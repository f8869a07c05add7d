"""The ontology and every export stay in OWL 2 DL, by the OWL API's own profile checker (Debian's
``libowlapi-java``, installed by ``.ci/setup-system``; ``tests/owl/ProfileCheck.java`` is compiled here).
Each export is checked with the ontology in it, as exitkg writes it; linked cases are checked
merged with the ontology."""

from __future__ import annotations

import glob
import shutil
import subprocess

import pytest

from conftest import FIXTURES, REPO_ROOT, run_exitkg

pytestmark = pytest.mark.owlapi

JARS = "/usr/share/java/*"


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    if not shutil.which("javac") or not shutil.which("java") or not glob.glob("/usr/share/java/owlapi-distribution*.jar"):
        pytest.skip("needs Java and the OWL API (Debian's libowlapi-java; .ci/setup-system installs it)")
    folder = tmp_path_factory.mktemp("owlapi")
    subprocess.run(["javac", "-cp", JARS, "-d", str(folder), str(REPO_ROOT / "tests" / "owl" / "ProfileCheck.java")],
                   check=True, capture_output=True, timeout=300)

    def check(*paths) -> list[str]:
        done = subprocess.run(["java", "-cp", f"{folder}:{JARS}", "ProfileCheck", *map(str, paths)],
                              capture_output=True, text=True, timeout=300)
        violations = [line for line in done.stdout.splitlines() if line.strip()]
        assert (done.returncode == 0) == (not violations), done.stderr[-2000:]
        return violations

    return check


def test_the_checker_finds_an_undeclared_property(checker, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://example.org/a> <http://example.org/undeclared> <http://example.org/b> .\n")
    assert any("undeclared" in v for v in checker(bad))


def test_the_ontology_is_owl2_dl(checker):
    assert checker(REPO_ROOT / "ontology" / "exit-factors.ttl") == []


@pytest.mark.parametrize("fmt, ext", [("turtle", "ttl"), ("ntriples", "nt"), ("rdfxml", "rdf")])
def test_every_export_is_owl2_dl(checker, tmp_path, fmt, ext):
    target = tmp_path / f"graph.{ext}"
    code, _, err = run_exitkg("export", "--format", fmt, "--out", target)
    assert code == 0, err
    assert checker(target) == []


def test_linked_cases_with_the_ontology_are_owl2_dl(checker, tmp_path):
    cases = tmp_path / "cases.ttl"
    assert run_exitkg("link", FIXTURES / "link" / "cohort.csv", "--out", cases).code == 0
    merged = tmp_path / "merged.ttl"
    code, _, err = run_exitkg("export", "--only", cases, "--format", "turtle", "--out", merged)
    assert code == 0, err
    assert checker(merged) == []
