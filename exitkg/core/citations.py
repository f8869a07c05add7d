"""A study's short citation from its authors as printed, the one rule every page and the curation use."""

from __future__ import annotations


def short_citation(authors: str, year: object = None, *, year_separator: str = " ") -> str | None:
    """``Smith 2022``, ``Smith & Jones 2022`` or ``Smith et al. 2022`` from ``Smith, A.; Jones, B.``
    (family names before the first comma, ``;`` between authors) and *year*; with
    ``year_separator=", "``, ``Smith & Jones, 2022``. None when *authors* names nobody."""
    names = [a.split(",")[0].strip() for a in authors.split(";") if a.strip()]
    if not names:
        return None
    lead = " & ".join(names) if len(names) <= 2 else f"{names[0]} et al."
    return f"{lead}{year_separator}{year}" if year not in (None, "") else lead
