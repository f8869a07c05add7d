"""Resource lookup, exit codes and version metadata."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from conftest import FIXTURES, REPO_ROOT, RESOURCE_NAMES, checkout_resource_files, run_exitkg
from exitkg.core import errors
from exitkg.core import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None


def test_exit_codes():
    assert (errors.OK, errors.FAILED, errors.INPUT, errors.USAGE, errors.QUERY, errors.REASONER,
            errors.ENDPOINT, errors.TIMEOUT, errors.OUTPUT, errors.RULES, errors.INTERNAL, errors.INTERRUPTED) == (
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 70, 130)
    for cls, code in [(errors.InputError, 2), (errors.UsageError, 3), (errors.QueryError, 4),
                      (errors.ReasonerError, 5), (errors.EndpointError, 6),
                      (errors.DeadlineError, 7), (errors.OutputError, 8), (errors.RulesError, 9)]:
        exc = cls("multi\nline   message")
        assert isinstance(exc, errors.ExitkgError)
        assert exc.exit_code == code
        assert str(exc) == "multi line message"
    assert errors.ExitkgError("x", 1).exit_code == 1


@pytest.mark.parametrize("name", RESOURCE_NAMES)
def test_checkout_resource_dir(name):
    if (REPO_ROOT / "exitkg" / "_resources").exists():
        pytest.skip("a packaged copy shadows the checkout")
    assert resources.resource_dir(name) == REPO_ROOT / name


def test_unknown_resource():
    with pytest.raises(ValueError):
        resources.resource_dir("secrets")


def test_resource_files_sorted():
    files = resources.resource_files("shapes")
    assert files == sorted(files)
    assert [p.name for p in files] == [f for f in checkout_resource_files("shapes") if f.endswith(".ttl")]


def test_packaged_sources_are_the_data_folders():
    from exitkg.graph.local import packaged_source_folders

    folders = [p.name for p in packaged_source_folders()]
    assert folders == sorted({f.split("/", 1)[0] for f in checkout_resource_files("data") if "/" in f})


def test_ontology_path():
    assert resources.ontology_path() == resources.resource_dir("ontology") / "exit-factors.ttl"


@pytest.mark.skipif(tomllib is None, reason="tomllib needs Python 3.11")
def test_version_matches_pyproject():
    import exitkg

    from importlib.metadata import version

    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # one source of truth: the package version, stamped by `exitkg release`, read by the build
    assert meta["project"]["dynamic"] == ["version"]
    assert meta["tool"]["hatch"]["version"]["path"] == "exitkg/core/version.py"
    assert version("exitkg") == exitkg.__version__
    assert meta["project"]["scripts"]["exitkg"] == "exitkg.cli:main"


# --- the checkout exitkg runs in ---------------------------------------------------------------

def _project(folder, name="exitkg", data=True):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(f'[build-system]\nrequires = []\n\n[project]\nname = "{name}"\n'
                                           'version = "1"\n\n[tool.other]\nname = "x"\n', encoding="utf-8")
    if data:
        (folder / "data").mkdir(exist_ok=True)
    return folder


def test_a_checkout_is_found_from_its_folder_and_below(tmp_path):
    root = _project(tmp_path / "checkout")
    (root / "data" / "smith-2022").mkdir()
    assert resources.checkout_root(root) == root.resolve()
    assert resources.checkout_root(root / "data" / "smith-2022") == root.resolve()
    assert resources.checkout_root(REPO_ROOT / "docs") == REPO_ROOT


def test_another_project_a_project_without_data_or_no_project_is_no_checkout(tmp_path):
    assert resources.checkout_root(_project(tmp_path / "other", name="exitkg-tools")) is None
    assert resources.checkout_root(_project(tmp_path / "nodata", data=False)) is None
    # the nearest pyproject.toml decides: a project inside a checkout is not the checkout
    inner = _project(_project(tmp_path / "outer") / "vendor" / "inner", name="inner")
    assert resources.checkout_root(inner / "data") is None
    assert resources.checkout_root(tmp_path) is None


@pytest.fixture(scope="module")
def checkout_with_a_study(tmp_path_factory):
    """A copy of the checkout's folders with the fixture study added to its data/."""
    root = tmp_path_factory.mktemp("checkout") / "exitkg"
    for name in (*RESOURCE_NAMES, "pyproject.toml", "CITATION.cff"):
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy2(source, root / name)
    curation = FIXTURES / "curation"
    added = run_exitkg("add", curation / "template", "--source", curation / "study-text.txt",
                       "--out", root / "data" / "fixture-2024")
    assert added.code == 0, added.stderr
    return root


@pytest.mark.parametrize("where", [".", "data/fixture-2024"])
def test_run_in_a_checkout_exitkg_reads_its_data(checkout_with_a_study, where):
    result = run_exitkg("report", "--format", "json", cwd=checkout_with_a_study / where)
    assert result.code == 0, result.stderr
    others = json.loads(result.stdout)["whole_graph"]["other_sources"]
    assert {s["source"].rsplit("/", 1)[-1] for s in others} == packaged_other_sources() | {"fixture-2024"}


def packaged_other_sources() -> set[str]:
    """The packaged sources beyond the reviews, as the report names them."""
    import exitkg

    return {s["source"].rsplit("/", 1)[-1] for s in exitkg.report().graph_sources}


def test_run_elsewhere_exitkg_reads_its_own_data(checkout_with_a_study):
    result = run_exitkg("report", "--format", "json", cwd=checkout_with_a_study.parent)
    assert result.code == 0, result.stderr
    others = json.loads(result.stdout)["whole_graph"]["other_sources"]
    assert {s["source"].rsplit("/", 1)[-1] for s in others} == packaged_other_sources()
    assert "fixture-2024" not in packaged_other_sources()
