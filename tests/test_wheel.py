"""The built distributions ship the knowledge graph, and the installed package finds it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

import exitkg
from conftest import REPO_ROOT, RESOURCE_NAMES, checkout_resource_files

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """Build the sdist, then the wheel from that sdist (``python -m build``)."""
    outdir = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(REPO_ROOT)],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(outdir.glob("exitkg-*.whl"))
    sdists = list(outdir.glob("exitkg-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in outdir.iterdir())
    return wheels[0], sdists[0]


@pytest.mark.parametrize("name", RESOURCE_NAMES)
def test_wheel_contains_resources(dists, name):
    wheel, _ = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = checkout_resource_files(name)
    missing = [f for f in expected if f"exitkg/_resources/{name}/{f}" not in names]
    assert not missing, f"not in wheel: {missing}"


def test_wheel_holds_the_citation_and_the_change_log(dists):
    """Beside the graph: CITATION.cff (for a release) and CHANGELOG.md (the ontology's version history)."""
    wheel, _ = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("CITATION.cff", "CHANGELOG.md"):
        assert f"exitkg/_resources/{name}" in names, name


@pytest.mark.parametrize("name", RESOURCE_NAMES)
def test_sdist_contains_resources(dists, name):
    _, sdist = dists
    with tarfile.open(sdist) as tar:
        names = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    missing = [f for f in checkout_resource_files(name) if f"{name}/{f}" not in names]
    assert not missing, f"not in sdist: {missing}"


@pytest.mark.parametrize("folder", ["templates", "static"])
def test_wheel_contains_the_pages_templates_and_static_files(dists, folder):
    wheel, _ = dists
    names = set(zipfile.ZipFile(wheel).namelist())
    files = sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "exitkg" / "pages" / folder).rglob("*") if p.is_file())
    if folder == "static":  # the query page's editor, in a subfolder
        assert "exitkg/pages/static/yasgui/yasgui.min.js" in files
    assert files and not [f for f in files if f not in names]


def test_wheel_metadata(dists):
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = zf.read(meta_name).decode("utf-8")
        entry_points = zf.read(meta_name.replace("METADATA", "entry_points.txt")).decode("utf-8")
    assert "Version: 0.1.0" in metadata
    for dep in ("rdflib>=7", "owlready2", "pyshacl", "sparqlwrapper", "pyoxigraph", "jinja2", "pyyaml"):
        assert dep.lower() in metadata.lower()
    assert "exitkg = exitkg.cli:main" in entry_points


def _site_packages_dirs() -> list[str]:
    return [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]


def test_installed_wheel_uses_packaged_resources(dists, tmp_path):
    wheel, _ = dists
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True, timeout=300)
    bindir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / ("python.exe" if sys.platform == "win32" else "python")
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Then make the dependencies of the test environment importable (appended after the venv's
    # own site-packages, so the freshly installed exitkg wins). Written only after the install:
    # before it, pip would see the test environment's exitkg and install nothing.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout.strip()
    Path(purelib, "_exitkg_test_deps.pth").write_text("\n".join(_site_packages_dirs()) + "\n")

    script = textwrap.dedent("""
        import json, sysconfig
        import exitkg, exitkg.core.resources as r
        out = {"purelib": sysconfig.get_paths()["purelib"], "package": exitkg.__file__, "dirs": {}}
        for name in r.RESOURCE_NAMES:
            d = r.resource_dir(name)
            files = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
            out["dirs"][name] = {"dir": str(d), "files": files}
        print(json.dumps(out))
    """)
    # without PYTHONPATH, which would put a checkout before the installed package
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(python), "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300, env=clean)
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = json.loads(proc.stdout)
    purelib = Path(info["purelib"]).resolve()
    assert Path(info["package"]).resolve().is_relative_to(purelib)
    for name in RESOURCE_NAMES:
        entry = info["dirs"][name]
        assert Path(entry["dir"]).resolve() == purelib / "exitkg" / "_resources" / name
        assert set(checkout_resource_files(name)) <= set(entry["files"])

    exe = bindir / ("exitkg.exe" if sys.platform == "win32" else "exitkg")
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "exitkg 0.1.0"

    # an installed copy builds a release (its CITATION.cff comes from the packaged resources)
    proc = subprocess.run([str(exe), "release", "--out", str(tmp_path / "release")], capture_output=True,
                          text=True, cwd=tmp_path, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'version: "0.1.0"' in (tmp_path / "release" / "CITATION.cff").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory) -> Path:
    """The wheel installed in a new virtual environment (the test environment's dependencies
    importable after it); its bin folder."""
    wheel, _ = dists
    root = tmp_path_factory.mktemp("installed")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, capture_output=True, timeout=300)
    bindir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    python = bindir / ("python.exe" if sys.platform == "win32" else "python")
    proc = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                          capture_output=True, text=True, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True, cwd=root).stdout.strip()
    Path(purelib, "_exitkg_test_deps.pth").write_text("\n".join(_site_packages_dirs()) + "\n")
    return bindir


def _installed_exitkg(bindir: Path, *args, cwd: Path) -> subprocess.CompletedProcess:
    exe = bindir / ("exitkg.exe" if sys.platform == "win32" else "exitkg")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env=clean)


def test_installed_copy_reads_the_checkout_it_runs_in_and_its_own_data_elsewhere(installed, tmp_path):
    import shutil

    checkout = tmp_path / "checkout"
    for name in (*RESOURCE_NAMES, "pyproject.toml", "CITATION.cff"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, checkout / name)
        else:
            shutil.copy2(source, checkout / name)
    # the curator's steps (docs/curation.md): a release, a study added to data/, what changed
    proc = _installed_exitkg(installed, "release", "--out", "build/before", cwd=checkout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    curation = REPO_ROOT / "tests" / "fixtures" / "curation"
    proc = _installed_exitkg(installed, "add", curation / "template", "--source", curation / "study-text.txt",
                             "--out", "data/fixture-2024", cwd=checkout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = _installed_exitkg(installed, "diff", "build/before", "data", "--format", "json", cwd=checkout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    changes = json.loads(proc.stdout)
    assert {(c["iri"].rsplit("/id/", 1)[-1], c["change"]) for c in changes["studies_and_findings"]} == {
        ("study/fixture-2024", "added"), ("finding/fixture-2024/digital-literacy", "added"),
        ("finding/fixture-2024/family", "added"), ("finding/fixture-2024/spirituality", "added")}
    assert not changes["removed_without_deprecation"] and not changes["counts_no_longer_reproduced"]

    proc = _installed_exitkg(installed, "report", "--format", "json", cwd=checkout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    others = json.loads(proc.stdout)["whole_graph"]["other_sources"]
    packaged = {s["source"].rsplit("/", 1)[-1] for s in exitkg.report().graph_sources}
    assert {s["source"].rsplit("/", 1)[-1] for s in others} == packaged | {"fixture-2024"}
    notes = [line for line in proc.stderr.splitlines() if "reading the checkout" in line]
    assert len(notes) == 1 and str(checkout.resolve()) in notes[0], proc.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = _installed_exitkg(installed, "report", "--format", "json", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr[-3000:]
    others = json.loads(proc.stdout)["whole_graph"]["other_sources"]
    assert {s["source"].rsplit("/", 1)[-1] for s in others} == packaged
    assert "reading the checkout" not in proc.stderr


def test_installed_copy_releases_a_version_of_its_own_citing_the_curator(installed, tmp_path):
    import yaml

    import exitkg

    curation = REPO_ROOT / "tests" / "fixtures" / "curation"
    proc = _installed_exitkg(installed, "add", curation / "template", "--source", curation / "study-text.txt",
                             "--out", tmp_path / "fixture-2024", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = _installed_exitkg(installed, "release", "--version", "0.2.0", "--out", tmp_path / "release",
                             "--data", tmp_path / "fixture-2024", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    release = tmp_path / "release"
    citation = yaml.safe_load((release / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["version"] == "0.2.0"
    assert {"alias": "Ada Example", "orcid": "https://orcid.org/0000-0002-1825-0097"} in citation["authors"]
    ontology = (release / "ontology" / "exit-factors.ttl").read_text(encoding="utf-8")
    assert '"0.2.0"' in ontology and "<https://w3id.org/exitkg/ontology/0.2.0>" in ontology
    assert "version 0.2.0." in (release / "findings.nanopub.trig").read_text(encoding="utf-8")
    proc = _installed_exitkg(installed, "--version", cwd=tmp_path)
    assert proc.stdout.strip() == f"exitkg {exitkg.__version__}"  # the package's own version is unchanged
