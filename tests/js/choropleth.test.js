// The district-level maps' scripts (static/js/choropleth.js and spearhead.js) in node.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {Element, FakeMap, browser, script} = require("./fakes.js");

const {hatchDefs, tooltip, mapBehaviour} = script("choropleth.js");
const {labelsFromZoom} = script("spearhead.js");

test("hatchDefs adds the hatch pattern to the page once", function (t) {
    const b = browser();
    t.after(b.restore);
    hatchDefs("hga-hatch", "<svg id='hga-hatch'></svg>");
    b.document.byId["hga-hatch"] = {};
    hatchDefs("hga-hatch", "<svg id='hga-hatch'></svg>");
    assert.deepEqual(b.document.body.inserted, [["beforeend", "<svg id='hga-hatch'></svg>"]]);
});

test("tooltip leaves out the rows with nothing to say", function (t) {
    const b = browser();
    t.after(b.restore);
    let bound = null;
    const layer = {bindTooltip: function (fn, options) { bound = [fn, options]; }};
    tooltip(layer, ["area_name", "value", "note", "rank"], ["Area", "Value", "Note", "Rank"], {sticky: true});
    assert.deepEqual(bound[1], {sticky: true});
    const div = bound[0]({feature: {properties: {area_name: "Bee &amp; Co", value: 0, note: "", rank: null}}});
    assert.equal(div.innerHTML, "<table><tr><th>Area</th><td>Bee &amp; Co</td></tr><tr><th>Value</th><td>0</td></tr></table>");
});

test("mapBehaviour shifts a tooltip back inside the map and closes tooltips when layers change", function (t) {
    const b = browser();
    t.after(b.restore);
    const L = b.L, moved = [];
    L.DomUtil.getPosition = function (el) { return el.position; };
    L.DomUtil.setPosition = function (el, p) { moved.push(p); el.position = p; };
    L.Tooltip.prototype._setPosition = function (pos) { this._container.position = {x: pos.x, y: pos.y, add: add}; };
    function add(d) { return {x: this.x + d.x, y: this.y + d.y}; }
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 6);
    map.getSize = function () { return {x: 400, y: 300}; };
    map.layerPointToContainerPoint = function (p) { return {x: p.x, y: p.y}; };
    mapBehaviour(map);
    const tip = L.tooltip();
    tip._map = map;
    tip._container = {offsetWidth: 120, offsetHeight: 50};
    tip._setPosition({x: 350, y: 100});  // would end 70 px past the right edge (4 px padding)
    assert.deepEqual(moved, [{x: 276, y: 100}]);
    tip._setPosition({x: 10, y: 280});   // past the foot
    assert.deepEqual(moved[1], {x: 10, y: 246});
    tip._setPosition({x: 100, y: 100});  // inside: left where it is
    assert.equal(moved.length, 2);

    map.addLayer(tip);
    map.fire("layerremove", {layer: tip});  // a tooltip closing closes nothing else
    assert.ok(map.hasLayer(tip));
    map.fire("layerremove", {layer: L.polygon([])});
    assert.ok(!map.hasLayer(tip));
    map.addLayer(tip);
    map.fire("zoomstart");
    assert.ok(!map.hasLayer(tip));
    map.addLayer(tip);
    map.getContainer().dispatch("mouseleave");
    assert.ok(!map.hasLayer(tip));
});

test("mapBehaviour: Escape closes the tooltips, in the map's page and the page around its frame, until another opens", function (t) {
    const b = browser();
    t.after(b.restore);
    const L = b.L;
    const host = new Element("window");  // the page around the map's frame (streamlit-folium's)
    b.window.frameElement = {isConnected: true};
    b.window.parent = host;
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 6);
    mapBehaviour(map);
    const open = function (tip, text) {  // as Leaflet opens a tooltip: on the map, then "tooltipopen"
        tip._container = {textContent: text};
        map.addLayer(tip);
        map.fire("tooltipopen", {tooltip: tip});
    };
    const tip = L.tooltip(), other = L.tooltip();
    open(tip, "Area Leeds");
    b.document.dispatch("keydown", {key: "Enter"});
    assert.ok(map.hasLayer(tip));  // other keys leave it
    host.dispatch("keydown", {key: "Escape"});
    assert.ok(!map.hasLayer(tip));
    open(tip, "Area Leeds");  // the same area opening it again (national.js on each move; the keyboard's cross)
    assert.ok(!map.hasLayer(tip));
    open(other, "Area York");  // another area
    assert.ok(map.hasLayer(other));
    open(tip, "Area Leeds");  // and back: the dismissal was for Leeds until the pointer moved on
    assert.ok(map.hasLayer(tip));

    b.document.dispatch("keydown", {key: "Esc"});  // the map's own page (the map has the keyboard)
    assert.ok(!map.hasLayer(tip) && !map.hasLayer(other));
    map.getContainer().dispatch("mouseleave");  // the pointer left the map: the next visit opens it
    open(tip, "Area Leeds");
    assert.ok(map.hasLayer(tip));

    b.window.frameElement = null;  // the frame is gone: the page around it lets go of the map
    host.dispatch("keydown", {key: "Escape"});
    assert.ok(map.hasLayer(tip));
    assert.deepEqual(host.listeners.keydown, []);
});

test("labelsFromZoom hides the area labels below their zoom", function (t) {
    const b = browser();
    t.after(b.restore);
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 6);
    const off = function () { return map.getContainer().classList.contains("hga-labels-off"); };
    labelsFromZoom(map, 7);
    assert.equal(off(), true);
    map.zoom = 7;
    map.fire("zoomend");
    assert.equal(off(), false);
    map.zoom = 5;
    map.fire("zoomend");
    assert.equal(off(), true);
});
