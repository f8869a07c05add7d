"""Checks of a graph: SHACL validation, OWL reasoning, quotes against a source text."""
