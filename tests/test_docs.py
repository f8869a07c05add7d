"""The documentation says what the code does: the README's Python example runs, every command and
option is documented, every source folder is described."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO_ROOT
from exitkg import cli, queries

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    following = text.find("\n## ", start + len(heading))
    return text[start:] if following < 0 else text[start:following]


def test_readme_python_example_runs(tmp_path):
    block = re.search(r"```python\n(.*?)```", _section(README, "## Python"), re.S)
    assert block, "the README has no Python example"
    code = block.group(1)
    assert len(code.strip().splitlines()) <= 6
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and any(line.startswith("Stigma population-specific") for line in lines), done.stdout
    assert any(line.startswith("Family contested") for line in lines)


def _options(parser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings
            if opt.startswith("--") and opt not in ("--help",)}


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_command_and_option_is_documented(name):
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices[name]
    sections = [s for s in README.split("\n### ") if s.startswith(f"`exitkg {name} ") or s.startswith(f"`exitkg {name}`")]
    assert len(sections) == 1, f"README has no section for exitkg {name}"
    section = sections[0].split("\n## ", 1)[0]
    missing = sorted(opt for opt in _options(sub) if opt not in section)
    assert not missing, f"exitkg {name}: options not in the README: {missing}"


def test_every_source_folder_is_described():
    text = (REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for folder in sorted(p.name for p in (REPO_ROOT / "data").iterdir() if p.is_dir()):
        assert f"`{folder}/`" in text, folder


def test_every_parameter_type_is_documented():
    text = (REPO_ROOT / "queries" / "README.md").read_text(encoding="utf-8")
    for kind in queries.PARAM_TYPES:
        assert f"`{kind}`" in text, kind


def test_the_api_names_stay_functions_after_every_module_is_imported():
    """``exitkg.release`` (say) must not become a module once ``exitkg.<module>`` is imported:
    no public name of the API is also the name of a module of the package."""
    import importlib
    import pkgutil

    import exitkg

    modules = [m.name for m in pkgutil.iter_modules(exitkg.__path__)]
    for name in modules:
        importlib.import_module(f"exitkg.{name}")
    for name in exitkg.__all__:
        if name[0].islower() and not name.startswith("__"):
            assert callable(getattr(exitkg, name)) and not isinstance(getattr(exitkg, name), type(exitkg)), name
    assert not {n for n in exitkg.__all__} & set(modules)
