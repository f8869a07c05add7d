"""What is published: exports, nanopublications, releases, the static site, pushing to an endpoint."""
