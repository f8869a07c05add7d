"""Triples indexed by subject, as the pages that document RDF read them (the ontology's page, its
class diagram, the shapes' page): a node's values of a property, the first of them, an RDF list."""

from __future__ import annotations

from collections import defaultdict

from exitkg.rdf.namespaces import RDF


class TripleIndex:
    """*triples* (pyoxigraph triples), indexed by subject."""

    def __init__(self, triples):
        import pyoxigraph as ox

        self.ox = ox
        self.by_subject: dict = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.by_subject[t.subject][t.predicate.value].append(t.object)

    def values(self, node, prop: str) -> list:
        return list(self.by_subject.get(node, {}).get(prop, []))

    def one(self, node, prop: str):
        found = self.values(node, prop)
        return found[0] if found else None

    def rdf_list(self, node) -> list:
        items, seen = [], set()
        while node is not None and not (isinstance(node, self.ox.NamedNode) and node.value == RDF + "nil"):
            if node in seen:
                raise ValueError("a cyclic RDF list")
            seen.add(node)
            first = self.one(node, RDF + "first")
            if first is None:
                raise ValueError("an RDF list without rdf:first")
            items.append(first)
            node = self.one(node, RDF + "rest")
        return items
