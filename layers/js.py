"""The maps' own JavaScript: kept in ``static/js/*.js`` and written into the pages folium renders.

Each script is the body of a function in its file, between two marker lines::

    function steadyFocus(MAP) {
        // @inline begin steadyFocus
        (function () { var container = MAP.getContainer(); ... })();
        // @inline end steadyFocus
    }

:func:`inline` returns the lines between the markers, dedented, with each of the
function's parameters (the ALL-CAPS names) replaced by the text given for it: a
jinja expression such as ``{{ this._parent.get_name() }}`` when the script goes into a
folium template, or another script. The page receives only those lines, exactly
where the Python string used to be. The rest of the file (the function around them
and a ``module.exports`` footer) is there so that node can check the file
(``node --check``) and load the script in tests/js with stand-in values.

The marked lines must not hold jinja syntax themselves (``{{``, ``{%``, ``{#``): the
templates would read it. Files are read once per process.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Final

from geo import shared

__all__ = ["JS_DIR", "inline"]

#: Where the scripts live (the app's ``static/js``).
JS_DIR: Final = Path(__file__).resolve().parent.parent / "static" / "js"


@shared.cached(max_entries=16, scope="bundled")  # the scripts ship with the code: read once per server
def _source(file: str) -> str:
    return (JS_DIR / file).read_text(encoding="utf-8")


def inline(file: str, name: str, *, indent: int = 0, **values: str) -> str:
    """The script ``name`` of ``static/js/{file}``, its parameters replaced by ``values``.

    ``indent``: spaces put before each line (to sit in a template as the string did).

    Raises
    ------
    ValueError
        No (or more than one) pair of markers for ``name``; ``values`` not exactly the
        parameters of the function ``name``; jinja syntax between the markers.
    """
    source = _source(file)
    lines = source.split("\n")
    begin = [i for i, line in enumerate(lines) if line.strip() == f"// @inline begin {name}"]
    end = [i for i, line in enumerate(lines) if line.strip() == f"// @inline end {name}"]
    if len(begin) != 1 or len(end) != 1 or begin[0] > end[0]:
        raise ValueError(f"Expected one '// @inline begin {name}' line and, after it, one '// @inline end {name}' in {file}.")
    signature = re.search(rf"^\s*function {re.escape(name)}\s*\(([^)]*)\)", source, flags=re.MULTILINE)
    if signature is None:
        raise ValueError(f"Expected the script {name!r} in {file} to sit in 'function {name}(...)'.")
    params = [p.strip() for p in signature.group(1).split(",") if p.strip()]
    if sorted(params) != sorted(values):
        raise ValueError(f"Expected values for {params} (the parameters of {name} in {file}); got {sorted(values)}.")
    body = textwrap.dedent("\n".join(lines[begin[0] + 1:end[0]]))
    if any(tag in body for tag in ("{{", "{%", "{#")):
        raise ValueError(f"The script {name!r} in {file} holds jinja syntax ({{{{, {{% or {{#); pass it as a parameter.")
    if values:
        body = re.sub(r"\b(" + "|".join(map(re.escape, values)) + r")\b", lambda m: values[m.group(1)], body)
    return textwrap.indent(body, " " * indent) if indent else body
