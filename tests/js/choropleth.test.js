// The district-level maps' scripts (static/js/choropleth.js and spearhead.js) in node.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {FakeMap, browser, script} = require("./fakes.js");

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
