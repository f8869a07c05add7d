"""The command-line reference, generated from the parser: ``python -m exitkg.clidoc > docs/cli.md``.

Every command of :data:`exitkg.cli.COMMANDS`, in the order ``exitkg --help`` shows them, with its
synopsis, its help and every argument with its help. The text depends on the parser alone (not on
the terminal's width nor on the Python version's usage formatter), so the file is the same wherever
it is generated; a test fails when ``docs/cli.md`` differs from what :func:`render` gives.
"""

from __future__ import annotations

import argparse
import sys

#: the first lines of the generated file
HEADER = """\
# Command-line reference

Generated from the command line's parser by `python -m exitkg.clidoc > docs/cli.md`; do not edit
by hand (a test fails when this file differs from what the parser gives). What each command does,
with examples, is in the topic pages linked from the [README](../README.md).
"""


def _metavar(action: argparse.Action) -> str:
    if action.metavar is not None:
        return str(action.metavar)
    if action.choices is not None:
        return "|".join(str(choice) for choice in action.choices)
    return action.dest.upper()


def _argument(action: argparse.Action) -> str:
    """How *action* is written in a synopsis, without brackets: ``--format text|json``,
    ``--data PATH ...``, ``--strict``, ``NAME|FILE``."""
    if not action.option_strings:
        return _metavar(action) + (" ..." if action.nargs in ("+", "*") else "")
    option = max(action.option_strings, key=len)
    if action.nargs == 0:
        return option
    value = _metavar(action)
    if action.nargs in ("+", "*"):
        value += " ..."
    elif action.nargs == "?":
        value = f"[{value}]"
    return f"{option} {value}"


def _visible(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions
            if a.help is not argparse.SUPPRESS and not isinstance(a, argparse._HelpAction)]


def synopsis(name: str, parser: argparse.ArgumentParser) -> str:
    """``exitkg NAME`` followed by every argument, optional ones in brackets, mutually exclusive
    ones together as ``[A | B]``, in the order the parser has them."""
    groups = {id(a): g for g in parser._mutually_exclusive_groups for a in g._group_actions}
    done: set[int]
    words, done = [f"exitkg {name}"], set()
    for action in _visible(parser):
        if id(action) in done:
            continue
        group = groups.get(id(action))
        if group is not None:
            members = [a for a in group._group_actions if a.help is not argparse.SUPPRESS]
            done.update(id(a) for a in members)
            text = " | ".join(_argument(a) for a in members)
            words.append(f"({text})" if group.required else f"[{text}]")
        elif action.option_strings and not action.required:
            words.append(f"[{_argument(action)}]")
        else:
            words.append(_argument(action))
    return " ".join(words)


def _help(action: argparse.Action) -> str:
    """The argument's help as ``--help`` shows it (``%(default)s`` and the like expanded), on one line."""
    text = argparse.HelpFormatter("exitkg")._expand_help(action) if action.help else ""
    return " ".join(text.split()).replace("|", "\\|")


def _cell(action: argparse.Action) -> str:
    return "`" + _argument(action).replace("|", "\\|") + "`"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def render(parser: argparse.ArgumentParser | None = None) -> str:
    """The reference as Markdown, from *parser* (by default the command line's, every command configured)."""
    from exitkg import cli

    parser = cli.build_parser() if parser is None else parser
    out = [HEADER]
    out.append(f"`{parser.prog} [--version] COMMAND ...`: {parser.description}\n")
    if parser.epilog:
        out.append(" ".join(parser.epilog.split()) + "\n")
    commands = _subparsers(parser)
    out.append("| command | what it does |\n|---|---|")
    for name, sub in commands.items():
        out.append(f"| [`{name}`](#exitkg-{name}) | {' '.join((sub.description or '').split())} |")
    out.append("")
    for name, sub in commands.items():
        out.append(f"## exitkg {name}\n")
        out.append(" ".join((sub.description or "").split()) + "\n")
        out.append("```\n" + synopsis(name, sub) + "\n```\n")
        actions = _visible(sub)
        positionals = [a for a in actions if not a.option_strings]
        options = [a for a in actions if a.option_strings]
        if positionals:
            out.append("| argument | meaning |\n|---|---|")
            out.extend(f"| {_cell(a)} | {_help(a)} |" for a in positionals)
            out.append("")
        if options:
            out.append("| option | meaning |\n|---|---|")
            out.extend(f"| {_cell(a)}{' (required)' if a.required else ''} | {_help(a)} |" for a in options)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
