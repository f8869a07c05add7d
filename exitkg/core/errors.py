"""Exit codes and the exception hierarchy used by every exitkg command.

Exit codes
==========

====  ==================  ===========================================================
Code  Constant            Meaning
====  ==================  ===========================================================
0     ``OK``              Success; the data conforms / the quotes were all found.
1     ``FAILED``          SHACL violations, disagreement, quotes not found in the
                          source, or an inconsistent ontology.
2     ``INPUT``           Unreadable input: missing file, directory, parse error,
                          empty or triple-less file, XML with DOCTYPE/ENTITY,
                          unsupported format, non-UTF-8 bytes.
3     ``USAGE``           Bad command-line arguments.
4     ``QUERY``           Query error: malformed SPARQL, unknown query, missing or
                          unknown parameter.
5     ``REASONER``        The reasoner is unavailable (e.g. no Java) or failed.
6     ``ENDPOINT``        A SPARQL endpoint could not be reached or answered badly.
7     ``TIMEOUT``         An operation exceeded its time limit.
8     ``OUTPUT``          Output could not be written.
9     ``RULES``           SHACL rules (``validate --allow-rules``) did not settle within
                          their bounds: more rounds, or more added statements, than allowed.
70    ``INTERNAL``        Unexpected internal error (a bug).
130   ``INTERRUPTED``     Interrupted by the user (Ctrl-C).
====  ==================  ===========================================================
"""

from __future__ import annotations

OK = 0
FAILED = 1
INPUT = 2
USAGE = 3
QUERY = 4
REASONER = 5
ENDPOINT = 6
TIMEOUT = 7
OUTPUT = 8
RULES = 9
INTERNAL = 70
INTERRUPTED = 130

EXIT_CODES: dict[str, int] = {
    "OK": OK,
    "FAILED": FAILED,
    "INPUT": INPUT,
    "USAGE": USAGE,
    "QUERY": QUERY,
    "REASONER": REASONER,
    "ENDPOINT": ENDPOINT,
    "TIMEOUT": TIMEOUT,
    "OUTPUT": OUTPUT,
    "RULES": RULES,
    "INTERNAL": INTERNAL,
    "INTERRUPTED": INTERRUPTED,
}


def one_line(text: object) -> str:
    """Collapse *text* to a single line (messages are printed as one line)."""
    return " ".join(str(text).split())


class ExitkgError(Exception):
    """Base class of all expected errors; carries the process exit code."""

    default_exit_code = INTERNAL

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        self.message = one_line(message)
        self.exit_code = self.default_exit_code if exit_code is None else exit_code
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InputError(ExitkgError):
    """An input file is missing, unreadable, empty or does not parse."""

    default_exit_code = INPUT


class UsageError(ExitkgError):
    """Invalid command-line arguments."""

    default_exit_code = USAGE


class QueryError(ExitkgError):
    """Malformed or unknown query, or bad query parameters."""

    default_exit_code = QUERY


class ReasonerError(ExitkgError):
    """The OWL reasoner is unavailable or failed."""

    default_exit_code = REASONER


class EndpointError(ExitkgError):
    """A remote SPARQL endpoint failed."""

    default_exit_code = ENDPOINT


class DeadlineError(ExitkgError):
    """An operation ran out of time."""

    default_exit_code = TIMEOUT


class OutputError(ExitkgError):
    """Output could not be written."""

    default_exit_code = OUTPUT


class RulesError(ExitkgError):
    """SHACL rules did not settle within their bounds (rounds, statements added)."""

    default_exit_code = RULES


__all__ = [
    "OK", "FAILED", "INPUT", "USAGE", "QUERY", "REASONER", "ENDPOINT", "TIMEOUT",
    "OUTPUT", "RULES", "INTERNAL", "INTERRUPTED", "EXIT_CODES", "ExitkgError", "InputError",
    "UsageError", "QueryError", "ReasonerError", "EndpointError", "DeadlineError",
    "OutputError", "RulesError", "one_line",
]
