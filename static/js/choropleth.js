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

// _MapBehaviour: tooltips stay inside the map (shifted in from its edges) and close when layers change
// or the map zooms. MAP: the map.
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
        map.getContainer().addEventListener("mouseleave", function () { closeTooltips(); });
    })(MAP);
    // @inline end mapBehaviour
}

if (typeof module !== "undefined") { module.exports = {hatchDefs: hatchDefs, tooltip: tooltip, mapBehaviour: mapBehaviour}; }
