// The district-level maps' scripts (layers/choropleth.py inlines them; see layers/js.py for the markers).
// node loads this file in tests/js.

// _HatchDefs: adds the SVG pattern that hatches missing areas to the page, once.
// HATCH_ID: the pattern's id and SVG: its markup (JS strings).
function hatchDefs(HATCH_ID, SVG) {
    // @inline begin hatchDefs
    if (!document.getElementById(HATCH_ID)) {
        document.body.insertAdjacentHTML("beforeend", SVG);
    }
    // @inline end hatchDefs
}

// _Tooltip: folium's table tooltip, leaving out rows with nothing to say (no note, say); values arrive
// escaped. LAYER: the GeoJSON layer; FIELDS, ALIASES: the properties shown and their labels (arrays);
// OPTIONS: Leaflet's tooltip options.
function tooltip(LAYER, FIELDS, ALIASES, OPTIONS) {
    // @inline begin tooltip
    LAYER.bindTooltip(function (layer) {
        let div = L.DomUtil.create("div");
        let props = layer.feature.properties;
        let fields = FIELDS;
        let aliases = ALIASES;
        div.innerHTML = "<table>" + fields.map(function (field, i) {
            let value = props[field];
            if (value === undefined || value === null || value === "") { return ""; }
            return "<tr><th>" + aliases[i] + "</th><td>" + value + "</td></tr>";
        }).join("") + "</table>";
        return div;
    }, OPTIONS);
    // @inline end tooltip
}

// _MapBehaviour: tooltips stay inside the map (shifted in from its edges) and close when layers change,
// the map zooms or the pointer leaves the map. Escape closes them (WCAG 1.4.13), wherever the keyboard
// is: in the map's page, or in the page around the map's frame (streamlit-folium's, same site), where
// it stays after only pointing. The tooltip closed stays closed until another opens (the pointer, or
// the keyboard's cross, reaches another area: its text differs) or the pointer leaves the map, so
// moving inside the same area, or a layer (national.js) opening it again on each move, does not
// bring it back. MAP: the map.
function mapBehaviour(MAP) {
    // @inline begin mapBehaviour
    (function (map) {
        var proto = L.Tooltip.prototype;
        if (!proto._hgaInside) {
            var place = proto._setPosition;
            proto._setPosition = function (pos) {
                place.call(this, pos);
                var owner = this._map, el = this._container;
                if (!owner || !el) { return; }
                var size = owner.getSize(), at = L.DomUtil.getPosition(el);
                var corner = owner.layerPointToContainerPoint(at), pad = 4, dx = 0, dy = 0;
                if (corner.x + el.offsetWidth > size.x - pad) { dx = size.x - pad - el.offsetWidth - corner.x; }
                if (corner.x + dx < pad) { dx = pad - corner.x; }
                if (corner.y + el.offsetHeight > size.y - pad) { dy = size.y - pad - el.offsetHeight - corner.y; }
                if (corner.y + dy < pad) { dy = pad - corner.y; }
                // Nor under the top-left controls (zoom and pan buttons, drawn above every tooltip):
                // beside them, where the map is wide enough.
                var controls = owner._controlCorners && owner._controlCorners.topleft;
                if (controls && controls.getBoundingClientRect) {
                    // Measured as drawn: a tooltip's direction class also shifts it by a margin.
                    var box = controls.getBoundingClientRect(), frame = owner.getContainer().getBoundingClientRect();
                    var drawn = el.getBoundingClientRect(), right = box.right - frame.left + pad;
                    var x = drawn.left - frame.left + dx, y = drawn.top - frame.top + dy;
                    if (x < right && y < box.bottom - frame.top && right + drawn.width <= size.x - pad) {
                        dx += right - x;
                    }
                }
                if (dx || dy) { L.DomUtil.setPosition(el, at.add(L.point(dx, dy))); }
            };
            proto._hgaInside = true;
        }
        function closeTooltips(event) {
            if (event && event.layer instanceof L.Tooltip) { return; }
            map.eachLayer(function (layer) {
                if (layer instanceof L.Tooltip) { map.removeLayer(layer); }
            });
        }
        map.on("layerremove zoomstart", closeTooltips);
        var dismissed = null;  // the text of the tooltip Escape closed
        map.getContainer().addEventListener("mouseleave", function () { dismissed = null; closeTooltips(); });
        map.on("tooltipopen", function (event) {
            var text = event.tooltip.getElement() ? event.tooltip.getElement().textContent : "";
            if (dismissed === null || text !== dismissed) { dismissed = null; return; }
            map.removeLayer(event.tooltip);
        });
        var here = function () { return document.documentElement.contains(map.getContainer()); };
        var escape = function (event) {
            if (event.key !== "Escape" && event.key !== "Esc") { return; }
            map.eachLayer(function (layer) {
                if (layer instanceof L.Tooltip && layer.getElement()) { dismissed = layer.getElement().textContent; }
            });
            closeTooltips();
        };
        var own = function (event) {
            if (!here()) { document.removeEventListener("keydown", own, true); return; }
            escape(event);
        };
        document.addEventListener("keydown", own, true);
        try {
            var host = window.frameElement ? window.parent : null;
            if (host && host !== window) {
                var around = function (event) {
                    if (!here() || !window.frameElement || !window.frameElement.isConnected) {
                        host.removeEventListener("keydown", around, true);
                        return;
                    }
                    escape(event);
                };
                host.addEventListener("keydown", around, true);
            }
        } catch (err) { /* a frame of another site: Escape works once the map has the keyboard */ }
    })(MAP);
    // @inline end mapBehaviour
}

if (typeof module !== "undefined") { module.exports = {hatchDefs: hatchDefs, tooltip: tooltip, mapBehaviour: mapBehaviour}; }
