"""exitkg: what helps and what hinders leaving sex trafficking, as Linked Data.

The Python API (see :mod:`exitkg.api`)::

    import exitkg

    graph = exitkg.load()
    result = exitkg.query("controversial-by-evidence", graph, population_aware="true")
    print(result.to_dataframe())

``load`` reads the ontology and the packaged sources (or the files given) into one graph;
``connect`` reaches a graph behind a SPARQL endpoint; ``query``, ``validate``, ``report``,
``reason``, ``check_quotes``, ``diff`` and ``release`` do what the commands of the same names
do, ``evidence_profile`` each factor's evidence profile and confidence
(docs/confidence.md), ``add_study`` what ``exitkg add`` does and ``build_site`` what ``exitkg site`` does. Errors are
:class:`ExitkgError` subclasses with one-line messages.
"""

from exitkg.core.version import __version__
from exitkg.api import (
    add_study,
    build_site,
    check_quotes,
    connect,
    diff,
    evidence_profile,
    load,
    query,
    reason,
    release,
    report,
    validate,
)
from exitkg.core.errors import (
    DeadlineError,
    EndpointError,
    ExitkgError,
    InputError,
    OutputError,
    QueryError,
    ReasonerError,
    UsageError,
)
from exitkg.rdf.files import Reading

__all__ = [
    "__version__",
    "load", "connect", "query", "validate", "report", "reason", "check_quotes", "add_study", "diff", "release",
    "evidence_profile",
    "build_site", "Reading",
    "ExitkgError", "InputError", "UsageError", "QueryError", "ReasonerError", "EndpointError",
    "DeadlineError", "OutputError",
]
