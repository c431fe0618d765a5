"""How the map behaves under a person's mouse inside the Streamlit page.

The map lives in an iframe below the page's header. Leaflet focuses its container
on mouse down (for keyboard control) with a plain ``focus()``, which makes the
browser scroll the page to bring the iframe into view; the mouse button is then
released over another place, and the first click is lost. :class:`SteadyFocus`
makes that focus keep the page still.

streamlit-folium tells the server about a click only after a quarter-second pause
(it waits for more map events); :class:`PromptClick` sends a click on an area at
once, so drilling down starts 250 ms sooner.

The scripts are in ``static/js/interaction.js`` (see :mod:`layers.js`).
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

from layers import js

__all__ = ["PromptClick", "SteadyFocus"]


class SteadyFocus(MacroElement):
    """Keep the page still when the map takes keyboard focus (``focus({preventScroll: true})``)."""

    _name = "SteadyFocus"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline("interaction.js", "steadyFocus", indent=8, MAP="{{ this._parent.get_name() }}"))
    )


class PromptClick(MacroElement):
    """Send a click on an area to the server at once, not after streamlit-folium's 250 ms pause.

    The component's own click handler has recorded the click (``window.__GLOBAL_DATA__``) by
    the time the click reaches the map. This sends the same value the component would send
    for ``returned_objects`` (in its key order) and records it as sent, so the component's
    delayed update finds nothing new and does not send it twice.
    """

    _name = "PromptClick"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline("interaction.js", "promptClick", indent=8, MAP="{{ this._parent.get_name() }}"))
    )
