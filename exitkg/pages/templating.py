"""The pages' templates (``exitkg/pages/templates/``, Jinja2) and their static files (``exitkg/pages/static/``).

Autoescaping is on: every value a template prints is escaped unless it is already markup. Values
are escaped as :func:`html.escape` spells it (``&quot;``, ``&#x27;``), so the pages keep the bytes
they had before templates. Data for a ``<script>`` element goes through the ``script_json``
filter (:func:`script_json`). The site's pages link the static files (the
site copies them to its ``static/`` folder); pages that must work alone (``exitkg map``, ``exitkg
report --format html``) hold them, through ``static(name)``, the text of a static file.
"""

from __future__ import annotations

import html
import json
from functools import cache, lru_cache
from importlib import resources


def _escaped(value):
    from markupsafe import Markup

    if isinstance(value, Markup) or hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


@cache
def static_text(name: str) -> str:
    """The text of ``exitkg/pages/static/NAME``."""
    return resources.files("exitkg.pages").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def static_names() -> list[str]:
    """The names of the static files (``exitkg/pages/static/``), which the site copies to its ``static/``
    folder and ``exitkg serve`` answers at ``/static/NAME``."""
    return sorted(p.name for p in resources.files("exitkg.pages").joinpath("static").iterdir() if p.is_file())


def static_paths() -> list[str]:
    """Every file under ``exitkg/pages/static/``, subfolders included (``yasgui/yasgui.min.js``, the
    query page's editor), as paths relative to it: what ``exitkg serve`` answers at ``/static/PATH``."""
    found: list[str] = []
    folders = [("", resources.files("exitkg.pages").joinpath("static"))]
    while folders:
        prefix, folder = folders.pop()
        for p in folder.iterdir():
            if p.is_dir():
                folders.append((prefix + p.name + "/", p))
            elif p.is_file():
                found.append(prefix + p.name)
    return sorted(found)


#: what JSON may hold and the text of an HTML <script> may not: ``<`` (``</script>`` ends the
#: element, ``<!--<script>`` makes the parser read past the end), ``>``, ``&`` and the line
#: separators JavaScript once read as line ends
_SCRIPT_UNSAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(data) -> str:
    """*data* as JSON to put inside an HTML ``<script>`` element whatever its strings hold: those
    characters are written as JSON escapes (``\\u003c``), which read back the same."""
    return json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":")).translate(_SCRIPT_UNSAFE)


#: the media type of a static file, by its extension
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@lru_cache(maxsize=1)
def environment():
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(loader=jinja2.PackageLoader("exitkg.pages", "templates"), autoescape=True,
                             finalize=_escaped, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["script_json"] = lambda data: Markup(script_json(data))
    env.globals["static"] = lambda name: Markup(static_text(name))
    return env


def render(template: str, **context) -> str:
    """The page of *template* (a file of ``exitkg/pages/templates/``) with *context*."""
    return environment().get_template(template).render(**context)
