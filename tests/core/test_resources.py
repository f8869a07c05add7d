"""Resource lookup, exit codes and version metadata."""

from __future__ import annotations

import sys

import pytest

from conftest import REPO_ROOT, RESOURCE_NAMES, checkout_resource_files
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
