"""Foundations without RDF: errors and exit codes, packaged resources, safe file writing, child processes, progress."""
