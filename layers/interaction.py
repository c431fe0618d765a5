"""How the map behaves under a person's mouse and keyboard inside the Streamlit page.

The map lives in an iframe below the page's header. Leaflet focuses its container
on mouse down (for keyboard control) with a plain ``focus()``, which makes the
browser scroll the page to bring the iframe into view; the mouse button is then
released over another place, and the first click is lost. :class:`SteadyFocus`
makes that focus keep the page still.

streamlit-folium tells the server about a click only after a quarter-second pause
(it waits for more map events); :class:`PromptClick` sends a click on an area at
once, so drilling down starts 250 ms sooner.

Keyboard (:data:`KEYBOARD_JS`, one per map): the focused map shows a focus ring and a
cross at its centre, has an accessible name, the arrow keys move it, the area under the
cross is shown and read out in a live region, and Enter opens it as a click does. The
national small-area layer (:mod:`layers.national`) and the district map
(:class:`KeyboardDrill`) give it what lies under a point.

Wheel (:class:`WheelAfterFocus`): an embedded map lets the wheel scroll the page until it
is clicked or focused, as people expect of maps in a page; Ctrl + wheel zooms at once.

Pan buttons (:class:`PanButtons`, WCAG 2.5.7 Dragging Movements): four buttons below the
zoom buttons move the map a third of its size north, west, east or south, so no one has
to drag it; a press never reaches the map (no area is opened under the button).

The scripts are in ``static/js/interaction.js`` (see :mod:`layers.js`).
"""

from __future__ import annotations

from typing import Final

from branca.element import MacroElement
from jinja2 import Template

from layers import js

__all__ = ["KEYBOARD_JS", "KeyboardDrill", "PanButtons", "PromptClick", "SteadyFocus", "WheelAfterFocus"]

#: The map's keyboard, as a function expression ``function (map) {...}`` returning the one keyboard of
#: ``map`` (made on the first call): focus ring, label, cross, live region, Enter. In ``static/js/interaction.js``.
KEYBOARD_JS: Final = js.inline("interaction.js", "keyboard")


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


class KeyboardDrill(MacroElement):
    """The district map by keyboard: the area under the centre is hovered and read out; Enter opens it.

    The areas are the features of the GeoJSON layers that :func:`layers.choropleth.choropleth_layer`
    marks; Enter clicks the topmost one under the centre (as the mouse does) when its layer
    opens, so the map's click handler drills down.
    """

    _name = "KeyboardDrill"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline("interaction.js", "keyboardDrill", indent=8, MAP="{{ this._parent.get_name() }}",
                                        KEYS=KEYBOARD_JS))
    )


class WheelAfterFocus(MacroElement):
    """The wheel scrolls the page past the map until the map is clicked or focused; Ctrl + wheel zooms."""

    _name = "WheelAfterFocus"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline("interaction.js", "wheelAfterFocus", indent=8, MAP="{{ this._parent.get_name() }}"))
    )


class PanButtons(MacroElement):
    """Buttons that move the map a third of its size north, west, east or south (no dragging needed; WCAG 2.5.7).

    Real ``<button>`` elements named "Move map north" etc., 30 x 30 px with a focus ring,
    below the zoom buttons; clicks on them do not reach the map.
    """

    _name = "PanButtons"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
SCRIPT
        {% endmacro %}
        """.replace("SCRIPT", js.inline("interaction.js", "panButtons", indent=8, MAP="{{ this._parent.get_name() }}"))
    )
