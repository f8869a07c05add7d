"""The README's test command and ``.ci/run`` are one command: the same system setup script, the same
installation and the same pytest invocation (``.ci/run`` only puts the virtual environment in a
fresh temporary folder). The setup script installs what the engine markers say their tests need."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from conftest import ENGINES, NOT_FAST, REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
SETUP = REPO_ROOT / ".ci" / "setup-system"
PYPROJECT = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _steps(line: str) -> list[list[str]]:
    """A shell line of commands joined by ``&&``, each split into its words."""
    return [shlex.split(step) for step in line.split("&&")]


def _readme_test_command() -> list[list[str]]:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    lines = [line for block in blocks for line in block.splitlines() if "-m pytest" in line and "pip install" in line]
    assert len(lines) == 1, f"the README must show one command that sets up and runs the tests, found {lines}"
    return _steps(lines[0])


def _ci_test_command() -> list[list[str]]:
    lines = [line for line in CI_RUN.splitlines() if "-m pytest" in line and not line.lstrip().startswith("#")]
    assert len(lines) == 1, lines
    venv = re.search(r'^venv="(.+)"$', CI_RUN, re.M)
    assert venv and "mktemp" in CI_RUN, ".ci/run must make its virtual environment in a fresh folder"
    # .ci/run's variables, as the README spells them: the virtual environment is .venv, the
    # interpreter python3, and the arguments given to .ci/run go to pytest
    line = lines[0].replace('"$venv', '".venv').replace('"$PYTHON"', "python3").replace(' "$@"', "")
    return _steps(line)


def test_ci_runs_exactly_the_readme_test_command():
    assert _ci_test_command() == _readme_test_command()


def test_the_test_command_sets_up_the_system_first_then_installs_and_runs_everything():
    steps = _readme_test_command()
    assert steps[0] == ["sh", ".ci/setup-system"]
    assert ["python3", "-m", "venv", ".venv"] in steps
    assert [".venv/bin/pip", "install", ".[test]"] in steps
    # the whole suite: no marker expression, no test left out by name
    assert steps[-1] == [".venv/bin/python", "-m", "pytest", "-q"]
    assert "-m" not in re.search(r'addopts = "(.*)"', PYPROJECT).group(1).split()


def test_the_readme_documents_the_fast_loop():
    assert "pytest -q --fast" in README


def _marker_descriptions() -> dict[str, str]:
    block = re.search(r"^markers = \[\n(.*?)^\]", PYPROJECT, re.S | re.M).group(1)
    return dict(re.findall(r'^\s*"(\w+): (.*)",$', block, re.M))


def test_every_engine_and_slow_has_a_registered_marker():
    assert set(NOT_FAST) == {"slow", *ENGINES}
    assert set(NOT_FAST) <= set(_marker_descriptions())


def test_the_setup_script_installs_what_each_engine_marker_names():
    script = SETUP.read_text(encoding="utf-8")
    installed = set(re.findall(r"\bneed ([\w.+-]+)", script))
    for marker, description in _marker_descriptions().items():
        for packages in re.findall(r"Debian: ([^)]*)\)", description):
            for package in packages.split(","):
                assert package.strip() in installed, f"marker {marker}: {package.strip()} is not installed by {SETUP.name}"
    assert "@comunica/query-sparql-file@" in script


def test_the_setup_script_says_what_it_cannot_install_and_never_fails_the_run(tmp_path):
    """On a machine with no apt-get and no npm: one line for the Debian packages, one for Comunica,
    and status 0 (the tests that need them are then skipped, each with its reason)."""
    if not os.access(SETUP, os.X_OK):
        pytest.fail(f"{SETUP.relative_to(REPO_ROOT)} is not executable")
    empty = tmp_path / "bin"
    empty.mkdir()
    # no apt-get, no npm, nothing installed: it says what it needs and does not fail
    env = {"PATH": str(empty), "HOME": str(tmp_path), "EXITKG_NODE_PREFIX": str(tmp_path / "node")}
    done = subprocess.run(["/bin/sh", str(SETUP)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("setup-system: no apt-get; install chromium chromium-driver"), lines[0]
    assert "Comunica" in lines[1] and "test_comunica.py" in lines[1], lines[1]


def _collected(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider", *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


@pytest.mark.slow
def test_fast_leaves_out_the_slow_tests_and_those_of_external_engines():
    """``--fast`` leaves out exactly the tests marked slow or with an engine's marker, among them
    the tests that start each engine."""
    fast = _collected("--fast")
    left_out = _collected("-m", " or ".join(NOT_FAST))
    assert fast and left_out and not set(fast) & set(left_out)
    for module in ("test_virtuoso.py", "test_comunica.py", "test_owl_profile.py", "test_reason.py", "test_wheel.py"):
        assert any(module in t for t in left_out) and not any(module in t for t in fast), module
    # modules with some tests that drive a browser or Apache (by their fixtures) and others that do not
    for module in ("test_site.py", "test_map.py", "test_serve.py"):
        assert any(f"{module}::" in t for t in left_out) and any(f"{module}::" in t for t in fast), module
