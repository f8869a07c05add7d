"""Shared helpers for the exitkg test suite."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"
IO_FIXTURES = FIXTURES / "io"
VALIDATE_FIXTURES = FIXTURES / "validate"
RESOURCE_NAMES = ("ontology", "shapes", "data", "queries", "mappings")
#: Plain-text copy of the review, kept next to the repository when available.
REVIEW_TEXT = REPO_ROOT.parent / "shared" / "seeds" / "000_fa9fd7b5e5269ca5.txt"


class CliResult(NamedTuple):
    code: int
    stdout: str
    stderr: str


def run_exitkg(*args: str, cwd: Path | None = None, timeout: float = 600) -> CliResult:
    """Run ``python -m exitkg ARGS`` in a subprocess and capture its output."""
    env = dict(os.environ)
    env.pop("EXITKG_DEBUG", None)
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "exitkg", *map(str, args)],
        cwd=cwd or REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def run_cli():
    """``run_cli(*args) -> (code, stdout, stderr)`` running the CLI in a subprocess."""
    return run_exitkg


def run_in_process(*args: str, cwd: Path | None = None, timeout: float | None = None) -> CliResult:
    """``exitkg ARGS`` run by :func:`exitkg.cli.main` in this process, as :func:`run_exitkg` runs it
    in a subprocess: from *cwd* (the repository by default), without ``EXITKG_DEBUG``, its standard
    output and error read as UTF-8 with universal newlines, and the warnings Python would print on
    standard error written there. For error paths whose exit code and message are what is tested
    (``main`` returns the code and writes the line the console gets); the console itself (a real
    process: its exit status, one stderr line, no traceback) is tested through :func:`run_exitkg`.
    *timeout* is accepted for the same calls and not enforced."""
    import contextlib
    import io
    import warnings

    from exitkg.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    debug = os.environ.pop("EXITKG_DEBUG", None)
    previous = os.getcwd()
    try:
        os.chdir(cwd or REPO_ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            code = main([str(a) for a in args])
            for w in caught:  # those a fresh interpreter shows
                if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                                               ResourceWarning)):
                    err.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line))
    finally:
        os.chdir(previous)
        if debug is not None:
            os.environ["EXITKG_DEBUG"] = debug

    def text(stream) -> str:
        stream.flush()
        return stream.buffer.getvalue().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")

    return CliResult(code, text(out), text(err))


def assert_one_error_line(stderr: str, *fragments: str) -> str:
    """The CLI must print exactly one ``exitkg: error: ...`` line and no traceback."""
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected one stderr line, got: {stderr!r}"
    assert lines[0].startswith("exitkg: error: "), lines[0]
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    return lines[0]


def sha256_tree(*roots: Path) -> dict[str, str]:
    """Hash every file below *roots* (used to prove inputs are not modified)."""
    digests = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digests[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def checkout_resource_files(name: str) -> list[str]:
    """Relative paths of every file under the checkout folder *name* (no hidden files)."""
    root = REPO_ROOT / name
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                   for part in p.relative_to(root).parts)
    )


# --------------------------------------------------------------------------- #
# Expected files (snapshots): compared by the tests, rewritten by --update-expected
# --------------------------------------------------------------------------- #

def pytest_addoption(parser):
    parser.addoption(
        "--fast", action="store_true", default=False,
        help="the development loop: leave out the tests marked slow and those of external engines "
             "(the same as -m \"not slow and not browser and not apache and not virtuoso and not hermit "
             "and not comunica and not owlapi\")",
    )
    parser.addoption(
        "--update-expected", action="store_true", default=False,
        help="rewrite the expected files (query results, shape reports) from what the code now gives, "
             "instead of failing when they differ; review the diff before committing",
    )


@pytest.fixture
def expected(request):
    """``expected(path, actual_text)``: assert *actual_text* equals the file at *path*; with
    ``--update-expected``, write it there instead (the files are then checked by ``git diff``)."""
    update = request.config.getoption("--update-expected")

    def check(path: Path, actual: str) -> None:
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.is_file() or path.read_text(encoding="utf-8") != actual:
                path.write_text(actual, encoding="utf-8")
            return
        assert path.is_file(), f"{path.relative_to(REPO_ROOT)} is missing; run pytest --update-expected"
        assert actual == path.read_text(encoding="utf-8"), (
            f"{path.relative_to(REPO_ROOT)} differs from what the code gives; if the change is intended, "
            f"run pytest --update-expected and review the diff")

    return check


EXPECTED_SOURCES = REPO_ROOT / "tests" / "expected" / "sources"


def source_facts(name: str) -> dict:
    """The hand-kept reference of what one source says (tests/expected/sources/NAME.yaml)."""
    import yaml

    with open(EXPECTED_SOURCES / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


#: Where tests keep what a person may want to look at afterwards (screenshots).
ARTIFACTS = Path(os.environ.get("EXITKG_TEST_ARTIFACTS", REPO_ROOT / "build" / "test-artifacts"))


@pytest.fixture(scope="session")
def driver():
    """Headless Chromium, the system's (Debian's ``chromium`` and ``chromium-driver``), through
    Selenium; skipped with the reason when the system has no browser (``.ci/setup-system`` installs it)."""
    browser = os.environ.get("EXITKG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = os.environ.get("EXITKG_CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not chromedriver:
        pytest.skip("no system Chromium and chromedriver (Debian: apt-get install chromium chromium-driver; "
                    ".ci/setup-system installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,2000", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield drv
    drv.quit()


def run_on_terminal(*args: str, timeout: float = 600) -> tuple[int, str, bytes]:
    """Run ``python -m exitkg ARGS`` with standard error on a pseudo-terminal: (exit code,
    standard output, what the terminal received)."""
    import pty

    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "exitkg", *map(str, args)], cwd=REPO_ROOT, stderr=secondary,
                              stdout=subprocess.PIPE, timeout=timeout)
    finally:
        os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(primary)
    return proc.returncode, proc.stdout.decode("utf-8"), seen


def descendants(pid: int) -> dict[int, str]:
    """The processes below *pid* (children, their children, ...): pid -> command line."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier and child not in found}
        found.update({child: commands.get(child, "") for child in frontier})
    return found


# --------------------------------------------------------------------------- #
# Markers for the external engines (registered in pyproject.toml)
# --------------------------------------------------------------------------- #

#: Fixtures that start an engine of the system, and the marker each gives the tests using them
#: (whole modules of one engine carry their marker as ``pytestmark`` instead).
ENGINE_FIXTURES = {"driver": "browser", "apache": "apache"}
ENGINES = ("browser", "apache", "virtuoso", "hermit", "comunica", "owlapi")


#: What ``--fast`` leaves out.
NOT_FAST = ("slow", *ENGINES)


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, marker in ENGINE_FIXTURES.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
    if config.getoption("--fast"):
        left_out = [item for item in items if any(item.get_closest_marker(m) for m in NOT_FAST)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if item not in left_out]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line when tests of an external engine were skipped: which engines, and what installs them."""
    skipped: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        for engine in ENGINES:
            if engine in getattr(report, "keywords", {}):
                skipped[engine] = skipped.get(engine, 0) + 1
    if skipped:
        counts = ", ".join(f"{engine} {n}" for engine, n in sorted(skipped.items()))
        terminalreporter.write_line(
            f"tests of external engines skipped ({counts}): `sh .ci/setup-system` installs what they need")


# Shared by the map's tests and the site's: a label that would break a <script> element
SCRIPT_BREAKING_LABEL = "Stigma <!--<script> </script> & \u2028 \u2029 ]]> end"


def data_with_label(folder: Path, label: str = SCRIPT_BREAKING_LABEL) -> list[Path]:
    """A copy of the packaged sources in *folder* with *label* as the English label of stigma."""
    import shutil

    shutil.copytree(REPO_ROOT / "data", folder)
    factors = folder / "common" / "factors.ttl"
    text = factors.read_text(encoding="utf-8")
    escaped = label.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    assert text.count('skos:prefLabel "Stigma"@en') == 1
    factors.write_text(text.replace('skos:prefLabel "Stigma"@en', f'skos:prefLabel "{escaped}"@en'), encoding="utf-8")
    return sorted(p for p in folder.iterdir() if p.is_dir())


def embedded_data(html: str) -> tuple[str, dict]:
    """The text of the map's data element, up to the first ``</script>``, and the JSON it holds."""
    text = html.split('<script type="application/json" id="map-data">', 1)[1].split("</script>", 1)[0]
    return text, json.loads(text)


# A curation template's sheets (tab-separated), as the curation tests read and edit them
def read_tsv(path: Path) -> list[list[str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f, dialect="excel-tab"))


def write_tsv(path: Path, rows: list[list[str]]) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, dialect="excel-tab", lineterminator="\n").writerows(rows)
