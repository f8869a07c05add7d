"""The version of exitkg, in its one place (the package metadata and the graph read it here)."""

__version__ = "0.1.0"
