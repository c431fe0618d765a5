// How the map behaves under a person's mouse inside the Streamlit page (layers/interaction.py inlines
// these scripts; see layers/js.py for the markers). MAP: the map. node loads this file in tests/js.

// SteadyFocus: keep the page still when the map takes keyboard focus (focus({preventScroll: true})).
function steadyFocus(MAP) {
    // @inline begin steadyFocus
    (function () {
        var container = MAP.getContainer();
        var focus = container.focus;
        container.focus = function () { return focus.call(container, {preventScroll: true}); };
    })();
    // @inline end steadyFocus
}

// PromptClick: send a click on an area to the server at once, not after streamlit-folium's 250 ms
// pause, as the value the component would send (and record it as sent, so it is not sent twice).
function promptClick(MAP) {
    // @inline begin promptClick
    MAP.on("click", function () {
        var data = window.__GLOBAL_DATA__, lib = window.Streamlit;
        if (!data || !lib || !data.last_active_drawing || !data.returned_objects) { return; }
        var all = {last_object_clicked: data.last_object_clicked, last_active_drawing: data.last_active_drawing};
        var value = {};
        Object.keys(all).forEach(function (k) { if (data.returned_objects.indexOf(k) >= 0) { value[k] = all[k]; } });
        if (JSON.stringify(value) === JSON.stringify(data.previous_data)) { return; }
        data.previous_data = value;
        lib.setComponentValue(value);
    });
    // @inline end promptClick
}

// The map's keyboard, one per map (a second call returns the first): the focused map shows a focus ring
// and a cross at its centre; the arrow keys move it and + and - zoom (Leaflet's own keyboard); the area
// under the cross is shown and read out (a live region); Enter or Space opens it. What lies under a
// point is asked of the sources given to use(): the national small-area layer (national.js) and the
// district map's GeoJSON layers (keyboardDrill below). Each source is
//   {name, priority, label, none, active(), find(latlng) -> {say, open?} or null, show(latlng, hit), leave()};
// the active source of lowest priority answers, and its label is the map's accessible name.
// A function expression (national.js and keyboardDrill take it as KEYS).
function keyboard() {
    return (
        // @inline begin keyboard
        function (map) {
            var el = map.getContainer();
            if (el.hgaKeys) { return el.hgaKeys; }
            var K = el.hgaKeys = {sources: [], hit: null, source: null};
            var css = document.createElement("style");
            css.textContent = ".leaflet-container.hga-keys:focus-visible{outline:3px solid #1a1a1a;outline-offset:-3px;" +
                "box-shadow:inset 0 0 0 6px #fff}.hga-cross{display:none;position:absolute;left:50%;top:50%;width:24px;" +
                "height:24px;margin:-12px 0 0 -12px;z-index:800;pointer-events:none}" +
                ".leaflet-container.hga-keys:focus-visible .hga-cross{display:block}" +
                ".hga-say{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}";
            document.head.appendChild(css);
            el.classList.add("hga-keys");
            el.setAttribute("role", "application");
            el.setAttribute("aria-label", "Map. Arrow keys move the map, plus and minus zoom.");
            var cross = L.DomUtil.create("div", "hga-cross", el);
            cross.innerHTML = '<svg width="24" height="24" viewBox="0 0 24 24" aria-hidden="true">' +
                '<path d="M12 1v22M1 12h22" stroke="#fff" stroke-width="5"/><path d="M12 1v22M1 12h22" stroke="#000" stroke-width="2"/></svg>';
            K.say = L.DomUtil.create("div", "hga-say", el);
            K.say.setAttribute("aria-live", "polite");
            K.active = function () {
                for (var n = 0; n < K.sources.length; n++) { if (K.sources[n].active()) { return K.sources[n]; } }
                return null;
            };
            K.refresh = function () {
                var s = K.active();
                if (s && el.getAttribute("aria-label") !== s.label) { el.setAttribute("aria-label", s.label); }
            };
            K.use = function (source) {
                K.sources = K.sources.filter(function (s) { return s.name !== source.name; }).concat([source]);
                K.sources.sort(function (a, b) { return a.priority - b.priority; });
                K.refresh();
                return K;
            };
            K.leave = function () {
                if (K.source) { K.source.leave(); }
                K.source = null; K.hit = null;
            };
            var keyboard = function () { return document.activeElement === el && el.matches(":focus-visible"); };
            K.centre = function () {
                if (!keyboard()) { return; }
                var s = K.active();
                K.leave();
                if (!s) { return; }
                var c = map.getCenter(), hit = s.find(c);
                K.source = s; K.hit = hit;
                s.show(c, hit);
                K.say.textContent = hit ? hit.say : s.none;
            };
            el.addEventListener("focus", function () { K.refresh(); setTimeout(K.centre, 0); });
            el.addEventListener("blur", function () { K.leave(); });
            map.on("moveend", K.centre);
            map.on("layeradd layerremove", function () { setTimeout(K.refresh, 0); });
            el.addEventListener("keydown", function (e) {
                if ((e.key !== "Enter" && e.key !== " ") || e.target !== el) { return; }
                var s = K.active();
                if (!s) { return; }
                e.preventDefault();
                var hit = s.find(map.getCenter());
                if (hit && hit.open) { hit.open(); }
            });
            return K;
        }
        // @inline end keyboard
    );
}

// KeyboardDrill: the district map's keyboard (KEYS: the script ``keyboard`` above). The area under the
// cross is the topmost feature of the GeoJSON layers marked by layers.choropleth (layer.hgaKeys =
// {title, opens}); it is hovered as the mouse hovers it (highlight and tooltip, below the cross) and
// read out; Enter clicks it as the mouse clicks it, if its layer opens (the districts, not the small
// areas drawn inside the one already open).
function keyboardDrill(MAP, KEYS) {
    // @inline begin keyboardDrill
    (function (map) {
        var text = function (s) {
            return s ? new DOMParser().parseFromString(String(s), "text/html").documentElement.textContent : "";
        };
        var inside = function (rings, p) {  // even-odd over every ring of a polygon or multipolygon
            var odd = false;
            (function walk(r) {
                if (!r.length) { return; }
                if (r[0].lat === undefined) { r.forEach(walk); return; }
                for (var i = 0, j = r.length - 1; i < r.length; j = i++) {
                    var a = r[i], b = r[j];
                    if ((a.lat > p.lat) !== (b.lat > p.lat) && p.lng < (b.lng - a.lng) * (p.lat - a.lat) / (b.lat - a.lat) + a.lng) { odd = !odd; }
                }
            })(rings);
            return odd;
        };
        var groups = function () {
            var out = [];
            map.eachLayer(function (l) { if (l.hgaKeys && l.eachLayer) { out.push(l); } });
            return out;
        };
        var under = function (c) {  // features under c, topmost first
            var hits = [];
            groups().forEach(function (g, order) {
                g.eachLayer(function (f) {
                    if (!f.feature || !f.getLatLngs || !f.getBounds().contains(c) || !inside(f.getLatLngs(), c)) { return; }
                    hits.push({group: g, layer: f, order: order});
                });
            });
            return hits.sort(function (a, b) {
                var pa = a.layer._path, pb = b.layer._path;
                if (pa && pb && pa !== pb) { return pa.compareDocumentPosition(pb) & 4 ? 1 : -1; }  // later in the page: on top
                return b.order - a.order;
            });
        };
        var shown = null, tips = [];
        var place = function (g, keyboard) {  // the tooltip below the cross for the keyboard, beside the pointer else
            var tip = g.getTooltip && g.getTooltip();
            if (!tip) { return; }
            if (!tip.hgaMouse) { tip.hgaMouse = {direction: tip.options.direction, offset: tip.options.offset}; tips.push(tip); }
            tip.options.direction = keyboard ? "bottom" : tip.hgaMouse.direction;
            tip.options.offset = keyboard ? [0, 18] : tip.hgaMouse.offset;
        };
        map.on("mousemove", function () { tips.forEach(function (tip) { tip.options.direction = tip.hgaMouse.direction; tip.options.offset = tip.hgaMouse.offset; }); });
        // Chromium makes an SVG path with focus listeners (Leaflet's tooltips add them) a stop for Tab: hundreds
        // of them between the map and the rest of the page. The cross reaches every area; the map is one stop.
        var untab = function (l) { var p = l.getElement && l.getElement(); if (p && !p.hasAttribute("tabindex")) { p.setAttribute("tabindex", "-1"); } };
        map.eachLayer(untab);
        map.on("layeradd", function (e) { untab(e.layer); });
        (KEYS)(map).use({
            name: "areas",
            priority: 10,
            label: "Map of areas. Arrow keys move the map, plus and minus zoom, Enter opens the area under the cross " +
                "at the centre and shows its small areas.",
            none: "No area under the cross.",
            active: function () { return groups().length > 0; },
            find: function (c) {
                var hits = under(c);
                if (!hits.length) { return null; }
                var top = hits[0], p = top.layer.feature.properties, about = top.group.hgaKeys;
                var say = text(p.area_name) + ", " + text(p.area_code) + ". " + text(about.title) + ": " + text(p.value_text) + ".";
                var opens = about.opens ? top : null;
                if (opens) { say += " Press Enter to open it."; }
                else {
                    var open = hits.filter(function (h) { return h.group.hgaKeys.opens; })[0];
                    if (open) { say += " In " + text(open.layer.feature.properties.area_name) + ", open now."; }
                }
                return {say: say, top: top, open: opens && function () {
                    opens.layer.fire("click", {latlng: c}, true);
                    map.fire("click", {latlng: c});
                }};
            },
            show: function (c, hit) {
                if (!hit) { return; }
                shown = hit.top;
                place(shown.group, true);
                shown.layer.fire("mouseover", {latlng: c}, true);
            },
            leave: function () {
                if (shown) { shown.layer.fire("mouseout", {}, true); shown = null; }
            },
        });
    })(MAP);
    // @inline end keyboardDrill
}

// WheelAfterFocus: the wheel scrolls the page past the map until the map is clicked or focused (focus
// anywhere inside it; leaving it, or the page, turns the wheel back to the page); Ctrl (or Cmd) + wheel
// zooms at once, and a plain wheel over the map shows how to zoom for a moment.
function wheelAfterFocus(MAP) {
    // @inline begin wheelAfterFocus
    (function (map) {
        var el = map.getContainer(), wheel = map.scrollWheelZoom, timer = null, pending = 0;
        if (!wheel) { return; }
        var hint = L.DomUtil.create("div", "hga-wheel-hint", el);
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = "Click the map or use Ctrl + scroll to zoom";
        hint.style.cssText = "display:none;position:absolute;left:50%;top:50%;transform:translate(-50%,-50%);z-index:1000;" +
            "pointer-events:none;background:rgba(26,26,26,.85);color:#fff;padding:8px 14px;border-radius:4px;" +
            "font:14px/1.3 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif";
        var quiet = function () { clearTimeout(timer); hint.style.display = "none"; };
        var on = function () { wheel.enable(); quiet(); };
        wheel.disable();
        if (el.contains(document.activeElement)) { on(); }
        // Focus anywhere in the map counts: a click on an area may focus the area's path, not the map.
        el.addEventListener("focusin", on);
        el.addEventListener("focusout", function (e) { if (!e.relatedTarget || !el.contains(e.relatedTarget)) { wheel.disable(); } });
        el.addEventListener("wheel", function (e) {
            if (wheel.enabled()) { return; }
            if (e.ctrlKey || e.metaKey) {
                e.preventDefault();
                pending += e.deltaY;
                if (Math.abs(pending) >= 60) {  // a notch of the wheel is one zoom level; a pinch adds up to one
                    map.setZoomAround(map.mouseEventToContainerPoint(e), map.getZoom() + (pending < 0 ? 1 : -1));
                    pending = 0;
                }
                return;
            }
            hint.style.display = "block";
            clearTimeout(timer);
            timer = setTimeout(quiet, 1500);
        }, {passive: false});
    })(MAP);
    // @inline end wheelAfterFocus
}

// PanButtons: four buttons that move the map a third of its width or height north, west, east or south
// (WCAG 2.5.7: a single-pointer alternative to dragging), below the zoom buttons at the top left. Each is a
// <button> with an accessible name ("Move map north"), an arrow, a focus ring and 30 x 30 px; a press on one
// never reaches the map (no click on the area under it, no drag, no double-click zoom, no wheel zoom). The
// move is animated unless the person asks for reduced motion. MAP: the map.
function panButtons(MAP) {
    // @inline begin panButtons
    (function (map) {
        if (map.hgaPan) { return; }
        if (!document.getElementById("hga-pan-css")) {
            var css = document.createElement("style");
            css.id = "hga-pan-css";
            css.textContent = ".hga-pan{display:grid;grid-template-columns:repeat(3,30px);grid-template-rows:repeat(3,30px);" +
                "gap:2px}" +
                ".hga-pan button{box-sizing:border-box;width:30px;height:30px;margin:0;padding:0;display:flex;" +
                "align-items:center;justify-content:center;background:#fff;color:#1a1a1a;border:1px solid #767676;" +
                "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.35);cursor:pointer}" +
                ".hga-pan button:hover{background:#f0f0f0}" +
                ".hga-pan button:focus-visible{outline:3px solid #1a1a1a;outline-offset:1px;box-shadow:0 0 0 5px #fff}" +
                ".hga-pan-north{grid-area:1/2}.hga-pan-west{grid-area:2/1}.hga-pan-east{grid-area:2/3}.hga-pan-south{grid-area:3/2}" +
                ".hga-pan svg{display:block;pointer-events:none}" +
                "@media print{.hga-pan{display:none!important}}";
            document.head.appendChild(css);
        }
        // [direction, turn of the up arrow in degrees, x and y steps in thirds of the map]; page order is reading order.
        var moves = [["north", 0, 0, -1], ["west", 270, -1, 0], ["east", 90, 1, 0], ["south", 180, 0, 1]];
        var still = function () { return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches); };
        var control = L.control({position: "topleft"});
        control.onAdd = function () {
            var box = L.DomUtil.create("div", "leaflet-control hga-pan");
            box.setAttribute("role", "group");
            box.setAttribute("aria-label", "Move the map");
            moves.forEach(function (m) {
                var button = L.DomUtil.create("button", "hga-pan-" + m[0], box);
                button.type = "button";
                button.title = "Move map " + m[0];
                button.setAttribute("aria-label", "Move map " + m[0]);
                button.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" focusable="false" ' +
                    'style="transform:rotate(' + m[1] + 'deg)"><path d="M9 2 16 9.5H11V16H7V9.5H2Z" fill="currentColor"/></svg>';
                L.DomEvent.on(button, "click", function (e) {
                    L.DomEvent.stop(e);
                    var size = map.getSize();
                    map.panBy([m[2] * Math.round(size.x / 3), m[3] * Math.round(size.y / 3)], {animate: !still()});
                });
            });
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
        };
        control.addTo(map);
        map.hgaPan = control;
    })(MAP);
    // @inline end panButtons
}

if (typeof module !== "undefined") {
    module.exports = {steadyFocus: steadyFocus, promptClick: promptClick, keyboard: keyboard, keyboardDrill: keyboardDrill,
                      wheelAfterFocus: wheelAfterFocus, panButtons: panButtons};
}
