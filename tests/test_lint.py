"""ruff and mypy over the code, as configured in pyproject.toml: both must report nothing.

Both tools come with the ``test`` extra, so CI runs them. They run as subprocesses of this
interpreter (``python -m ruff``, ``python -m mypy``), from the repository's root, and a failure
shows what they reported. Both are quick (mypy keeps its cache in ``.mypy_cache``), so the fast
loop runs them too.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed (it comes with the test extra: pip install -e '.[test]')")
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff_reports_nothing():
    done = _run("ruff", "check", "--output-format", "concise", "exitkg", "tests")
    assert done.returncode == 0, f"ruff check exitkg tests:\n{done.stdout}{done.stderr}"


def test_mypy_reports_nothing():
    done = _run("mypy")  # the package and the options are in pyproject.toml ([tool.mypy])
    assert done.returncode == 0, f"mypy:\n{done.stdout}{done.stderr}"
