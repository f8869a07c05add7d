"""SPARQL execution on Oxigraph, the query guard, and the canned queries."""
