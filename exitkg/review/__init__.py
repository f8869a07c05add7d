"""The review as curators work on it: the report, the diff, the curation template and add."""
