"""RDF terms, namespaces, reading and writing RDF files, and the vocabulary read from the ontology."""
