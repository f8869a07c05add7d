"""Child process that runs HermiT through owlready2 (see :mod:`exitkg.checks.reason`).

Usage: ``python -m exitkg.checks._reasoner_worker FILE.nt``. Prints one JSON object:
``{"consistent": bool, "controversial": [IRI, ...], "contested": [IRI, ...]}``; exits non-zero with a
one-line message on stderr when the reasoner cannot run.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from exitkg.checks.reason import CONTESTED_CLASS, CONTROVERSIAL_CLASS, JAVA_ENV, MEMORY_ENV


def _end_group(signum, frame) -> None:
    """On SIGTERM (sent when the command that started this worker dies, or by its deadline), end
    the whole process group: Java with it."""
    os.killpg(0, signal.SIGKILL)


def main(path: str) -> int:
    import owlready2

    signal.signal(signal.SIGTERM, _end_group)

    owlready2.JAVA_EXE = os.environ.get(JAVA_ENV, "java")
    if os.environ.get(MEMORY_ENV, "").isdigit():
        owlready2.reasoning.JAVA_MEMORY = int(os.environ[MEMORY_ENV])
    world = owlready2.World()
    onto = world.get_ontology("file://" + os.path.abspath(path)).load(format="ntriples")
    try:
        with onto:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        print(json.dumps({"consistent": False, "controversial": []}))
        return 0

    def members(iri: str) -> list[str]:
        cls = world.search_one(iri=iri)
        return sorted(i.iri for i in cls.instances()) if cls is not None else []

    print(json.dumps({"consistent": True, "controversial": members(CONTROVERSIAL_CLASS),
                      "contested": members(CONTESTED_CLASS)}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m exitkg.checks._reasoner_worker FILE.nt\n")
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[1]))
    except Exception as exc:  # reported as one line by the parent
        # Java's note that it read exitkg's JAVA_TOOL_OPTIONS is not part of the error
        text = "\n".join(line for line in str(exc).splitlines() if not line.startswith("Picked up JAVA_TOOL_OPTIONS"))
        message = " ".join(text.split())[:500]
        sys.stderr.write(f"{type(exc).__name__}: {message}\n")
        sys.exit(1)
