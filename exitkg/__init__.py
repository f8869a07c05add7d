"""exitkg: a literature review on exit from sex trafficking, encoded as Linked Data."""

__version__ = "0.1.0"
