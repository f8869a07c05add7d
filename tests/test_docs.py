"""The documentation says what the code does: the README's Python example runs, the command-line
reference is the parser's, every command and option is documented, the exit codes are the same
everywhere, every link between the documents resolves, every source folder is described."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO_ROOT
from exitkg import cli, clidoc
from exitkg.core import errors
from exitkg.sparql import queries

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
DOCS = REPO_ROOT / "docs"
#: the generated command-line reference; every other page of docs/ is written by hand
CLI_REFERENCE = DOCS / "cli.md"


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
    assert lines and any(line.startswith("Stigma contested") for line in lines), done.stdout
    assert any(line.startswith("Family contested") for line in lines)


def _options(parser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings
            if opt.startswith("--") and opt not in ("--help",)}


def test_readme_is_short():
    assert len(README.splitlines()) <= 200, "the README's details belong in docs/"


def test_the_cli_reference_is_the_parsers():
    """docs/cli.md is what the generator makes of the parser: an option, a help text or a command
    changed without regenerating it fails here."""
    assert CLI_REFERENCE.read_text(encoding="utf-8") == clidoc.render(), (
        "docs/cli.md is stale: run python -m exitkg.clidoc > docs/cli.md")


def _subparser(name: str):
    parser = cli.build_parser()
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices[name]


def _topic_sections(name: str) -> list[tuple[str, str]]:
    """(page, section) for every hand-written section of docs/ whose heading is ``exitkg NAME ...``."""
    found = []
    for page in sorted(DOCS.glob("*.md")):
        if page == CLI_REFERENCE:
            continue
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(rf"^## `exitkg {re.escape(name)}[ `]", text, re.M):
            end = re.compile(r"^#{1,2} ", re.M).search(text, match.end())
            found.append((page.name, text[match.start():end.start() if end else len(text)]))
    return found


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_command_and_option_is_documented(name):
    """Each command has one hand-written section in docs/ (outside the generated reference) that
    names every option it has and none it does not have; the generated reference lists every
    option with its help."""
    sub = _subparser(name)
    options = _options(sub)
    sections = _topic_sections(name)
    assert len(sections) == 1, f"docs/ should have one section for exitkg {name}: {[p for p, _ in sections]}"
    page, section = sections[0]
    missing = sorted(opt for opt in options if opt not in section)
    assert not missing, f"exitkg {name}: options not in docs/{page}: {missing}"
    heading = section.split("\n", 1)[0]
    stale = sorted(set(re.findall(r"--[a-z][a-z-]*", heading)) - options)
    assert not stale, f"exitkg {name}: docs/{page} names options the command does not have: {stale}"
    reference = CLI_REFERENCE.read_text(encoding="utf-8")
    start = reference.index(f"\n## exitkg {name}\n")
    end = reference.find("\n## ", start + 1)
    entry = reference[start:] if end < 0 else reference[start:end]
    unlisted = sorted(opt for opt in options if f"| `{opt}" not in entry)
    assert not unlisted, f"exitkg {name}: options not in docs/cli.md: {unlisted}"


def _codes_of_table(text: str) -> dict[int, str]:
    return {int(code): meaning for code, meaning in re.findall(r"^\| (\d+) \| (.+?) \|$", text, re.M)}


def test_the_exit_codes_are_the_same_in_the_docs_and_the_code():
    """docs/exit-codes.md, the table of exitkg/core/errors.py's docstring and its constants give the same codes."""
    documented = _codes_of_table((DOCS / "exit-codes.md").read_text(encoding="utf-8"))
    in_docstring = {int(code): name for code, name in re.findall(r"^(\d+)\s+``([A-Z]+)``", errors.__doc__, re.M)}
    assert set(documented) == set(in_docstring) == set(errors.EXIT_CODES.values()), (
        f"docs/exit-codes.md {sorted(documented)}, errors.py's docstring {sorted(in_docstring)}, "
        f"its constants {sorted(errors.EXIT_CODES.values())}")
    assert all(errors.EXIT_CODES[name] == code for code, name in in_docstring.items())


_LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"]
                         + sorted(f"docs/{p.name}" for p in DOCS.glob("*.md")))
def test_the_links_between_documents_resolve(page):
    """A relative link of the README, CONTRIBUTING, CHANGELOG or docs/ names a file or folder of
    the repository (moving a page breaks no link silently)."""
    path = REPO_ROOT / page
    broken = [target for target, _ in _LINK.findall(path.read_text(encoding="utf-8"))
              if "://" not in target and not (path.parent / target).exists()]
    assert not broken, f"{page}: links to nothing: {broken}"


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


def test_the_help_names_every_exit_code():
    """``exitkg --help`` ends with the exit codes: every code of exitkg.core.errors is there."""
    from exitkg.core import errors

    epilog = cli.build_parser().epilog
    codes = {int(code) for code in re.findall(r"\b(\d+) [a-z]", epilog)}
    assert codes == set(errors.EXIT_CODES.values())
