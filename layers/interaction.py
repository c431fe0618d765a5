"""How the map behaves under a person's mouse inside the Streamlit page.

The map lives in an iframe below the page's header. Leaflet focuses its container
on mouse down (for keyboard control) with a plain ``focus()``, which makes the
browser scroll the page to bring the iframe into view; the mouse button is then
released over another place, and the first click is lost. :class:`SteadyFocus`
makes that focus keep the page still.
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

__all__ = ["SteadyFocus"]


class SteadyFocus(MacroElement):
    """Keep the page still when the map takes keyboard focus (``focus({preventScroll: true})``)."""

    _name = "SteadyFocus"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var container = {{ this._parent.get_name() }}.getContainer();
            var focus = container.focus;
            container.focus = function () { return focus.call(container, {preventScroll: true}); };
        })();
        {% endmacro %}
        """
    )
