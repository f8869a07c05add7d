"""The local server: the SPARQL endpoint, its query processes, and the pages in front of it."""
