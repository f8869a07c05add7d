"""The closed lists of the ontology, read from it in one place, and the one derived property.

The ontology (``ontology/exit-factors.ttl``) is the only place that names the levels, roles, study
designs, provenance kinds and the other closed lists: each is a class declared ``owl:equivalentClass
[ owl:oneOf (...) ]``. :func:`members` reads one, in the ontology's order (its ``ekg:order`` when the
individuals have one); :func:`labels` maps their labels to their IRIs, as a template's cells spell them.
The ontology is read once per process.

The effective direction of a role assertion (``ekg:effectiveRole``) is defined here, once: its stated
role, reversed when the statement is about the factor's absence (:func:`effective_role`).
:func:`derive_effective_roles` adds it to a loaded store (:func:`exitkg.graph.local.load` calls it), and
every query and module reads ``ekg:effectiveRole`` instead of deriving it again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache, lru_cache

from exitkg.rdf.namespaces import EKG, OWL, RDF, SKOS, XSD
# re-exported: the one helper that cuts an IRI's last segment, for the modules that read the lists by name
from exitkg.rdf.namespaces import local_name as local_name

LEVEL = EKG + "Level"
ROLE = EKG + "Role"
STUDY_DESIGN = EKG + "StudyDesign"
PROVENANCE_KIND = EKG + "ProvenanceKind"
AGE_GROUP = EKG + "AgeGroup"
METHODOLOGICAL_CONCERN = EKG + "MethodologicalConcern"

FACILITATING = EKG + "facilitating"
HINDERING = EKG + "hindering"
CONTROVERSIAL = EKG + "controversial"
#: the property derived at load (:func:`derive_effective_roles`)
EFFECTIVE_ROLE = EKG + "effectiveRole"
STATED_ROLE = EKG + "statedRole"
ABOUT_ABSENCE = EKG + "aboutAbsence"


@lru_cache(maxsize=1)
def ontology_store():
    """The packaged ontology, parsed once, in a pyoxigraph store of its own (its default graph)."""
    import pyoxigraph as ox

    from exitkg.rdf.files import parse_file
    from exitkg.core.resources import ontology_path

    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in parse_file(ontology_path()).quads)
    return store


@cache
def members(cls: str) -> tuple[str, ...]:
    """The IRIs of the individuals that make up the closed class *cls* (``owl:oneOf``), in the
    ontology's order (by ``ekg:order`` when they all have one); empty when *cls* is not closed."""
    import pyoxigraph as ox

    store = ontology_store()
    first, rest, nil = ox.NamedNode(RDF + "first"), ox.NamedNode(RDF + "rest"), ox.NamedNode(RDF + "nil")
    found: list[str] = []
    for eq in store.quads_for_pattern(ox.NamedNode(cls), ox.NamedNode(OWL + "equivalentClass"), None):
        for one_of in store.quads_for_pattern(eq.object, ox.NamedNode(OWL + "oneOf"), None):
            node = one_of.object
            while node != nil:
                found += [q.object.value for q in store.quads_for_pattern(node, first, None)]
                nexts = [q.object for q in store.quads_for_pattern(node, rest, None)]
                if not nexts:
                    break
                node = nexts[0]
    orders = {}
    for iri in found:
        values = [q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(EKG + "order"), None)]
        if values:
            orders[iri] = int(values[0])
    if len(orders) == len(found):
        found.sort(key=orders.__getitem__)
    return tuple(found)


def names(cls: str) -> tuple[str, ...]:
    """The local names of :func:`members` (for the levels: their IRIs' last segments, in order)."""
    return tuple(local_name(iri) for iri in members(cls))


class ClosedNames(Mapping):
    """A fixed set of keys, each naming a closed list: a class of the ontology (its :func:`names`, read
    when first asked for, so that importing a module does not parse the ontology) or a tuple."""

    def __init__(self, lists: dict[str, str | tuple[str, ...]]):
        self._lists = dict(lists)

    def __getitem__(self, key: str) -> tuple[str, ...]:
        value = self._lists[key]
        return names(value) if isinstance(value, str) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)


@cache
def labels(cls: str) -> dict[str, str]:
    """Label (lower case; ``skos:prefLabel``) -> IRI, for the individuals of *cls* (``?x a cls``)."""
    import pyoxigraph as ox

    rows = ontology_store().query(
        f"SELECT ?x ?label ?cls WHERE {{ ?x a ?cls ; <{SKOS}prefLabel> ?label }}",
        substitutions={ox.Variable("cls"): ox.NamedNode(cls)})
    return {row["label"].value.lower(): row["x"].value for row in rows}


# --------------------------------------------------------------------------- #
# The effective direction: defined here, once
# --------------------------------------------------------------------------- #

def effective_role(stated: str, about_absence: bool) -> str | None:
    """A role assertion's effective direction: its stated role (an IRI), reversed when the statement
    is about the factor's absence; None when the stated role is not a direction (facilitating or
    hindering)."""
    reversed_ = {FACILITATING: HINDERING, HINDERING: FACILITATING}
    if stated not in reversed_:
        return None
    return reversed_[stated] if about_absence else stated


def _boolean(term) -> bool | None:
    """The value of an ``xsd:boolean`` literal; None for any other term."""
    import pyoxigraph as ox

    if isinstance(term, ox.Literal) and term.datatype == ox.NamedNode(XSD + "boolean"):
        return {"true": True, "1": True, "false": False, "0": False}.get(term.value.strip())
    return None


def derive_effective_roles(store) -> int:
    """Add ``?a ekg:effectiveRole ?role`` (:func:`effective_role`) to the pyoxigraph *store* for every
    role assertion with a stated role and an ``xsd:boolean`` ``ekg:aboutAbsence``: in each graph that
    states both (the named graph of a source, so that it travels with it), and in the default graph
    (the merge, which queries read). Return the number of statements added that were not there yet."""
    import pyoxigraph as ox

    default = ox.DefaultGraph()
    absence_p, effective_p = ox.NamedNode(ABOUT_ABSENCE), ox.NamedNode(EFFECTIVE_ROLE)
    new: dict = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(STATED_ROLE), None):
        if not isinstance(q.object, ox.NamedNode):
            continue
        for a in store.quads_for_pattern(q.subject, absence_p, None, q.graph_name):
            absence = _boolean(a.object)
            role = effective_role(q.object.value, absence) if absence is not None else None
            if role is None:
                continue
            for graph in {q.graph_name, default}:
                quad = ox.Quad(q.subject, effective_p, ox.NamedNode(role), graph)
                if quad not in store:
                    new[quad] = None
    store.extend(list(new))
    return len(new)
