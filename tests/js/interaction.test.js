// The map's behaviour in the Streamlit page (static/js/interaction.js) in node.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {Evented, FakeMap, browser, script, until} = require("./fakes.js");

const {steadyFocus, promptClick} = script("interaction.js");

test("steadyFocus: the map's container takes focus without scrolling the page", function (t) {
    const b = browser();
    t.after(b.restore);
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 6);
    const el = map.getContainer(), calls = [];
    el.focus = function (options) { calls.push([this, options]); return "focused"; };
    steadyFocus(map);
    assert.equal(el.focus(), "focused");
    assert.deepEqual(calls, [[el, {preventScroll: true}]]);
});

test("promptClick: a click sends the component's value at once, and only once", function (t) {
    const b = browser();
    t.after(b.restore);
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 6), sent = [];
    const drawing = {type: "Feature", properties: {area_code: "E06000001"}};
    b.window.Streamlit = {setComponentValue: function (v) { sent.push(v); }};
    b.window.__GLOBAL_DATA__ = {last_object_clicked: {lat: 54.6, lng: -1.2}, last_active_drawing: drawing,
                                returned_objects: ["last_active_drawing"], previous_data: null};
    promptClick(map);
    map.fire("click");
    assert.deepEqual(sent, [{last_active_drawing: drawing}]);  // only the objects the app asked for
    assert.deepEqual(b.window.__GLOBAL_DATA__.previous_data, {last_active_drawing: drawing});
    map.fire("click");  // the same value again (and the component's delayed send) sends nothing
    assert.equal(sent.length, 1);
    b.window.__GLOBAL_DATA__.returned_objects = ["last_object_clicked", "last_active_drawing"];
    map.fire("click");
    assert.deepEqual(sent[1], {last_object_clicked: {lat: 54.6, lng: -1.2}, last_active_drawing: drawing});
    b.window.__GLOBAL_DATA__ = {last_object_clicked: {lat: 1, lng: 2}, last_active_drawing: null, returned_objects: []};
    map.fire("click");  // a click on no area: left to the component
    assert.equal(sent.length, 2);
});

// ---- the district map's keyboard (keyboard + keyboardDrill) and the wheel (wheelAfterFocus)
const {keyboard, keyboardDrill, wheelAfterFocus} = script("interaction.js");

/** A square polygon feature from (lng0, lat0) to (lng1, lat1), as folium's GeoJSON layer holds it. */
function square(props, lng0, lat0, lng1, lat1) {
    const f = new Evented();
    const ring = [[lat0, lng0], [lat0, lng1], [lat1, lng1], [lat1, lng0]].map(function (p) { return {lat: p[0], lng: p[1]}; });
    f.feature = {type: "Feature", properties: props};
    f.getLatLngs = function () { return [ring]; };
    f.getBounds = function () {
        return {contains: function (c) { return c.lat >= lat0 && c.lat <= lat1 && c.lng >= lng0 && c.lng <= lng1; }};
    };
    f.fired = [];
    ["click", "mouseover", "mouseout"].forEach(function (type) {
        f.on(type, function (e) { f.fired.push([type, e.latlng ? [e.latlng.lat, e.latlng.lng] : null]); });
    });
    return f;
}

/** A GeoJSON layer of ``features`` marked as layers.choropleth marks it (hgaKeys), with its one tooltip. */
function geojson(features, about) {
    const g = new Evented();
    g.hgaKeys = about;
    g.tooltip = {options: {direction: "auto", offset: [0, 0]}};
    g.eachLayer = function (fn) { features.forEach(fn); };
    g.getTooltip = function () { return g.tooltip; };
    return g;
}

/** The text of HTML-escaped properties, as the browser's DOMParser reads it. */
class FakeDOMParser {
    parseFromString(s) {
        const text = s.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
        return {documentElement: {textContent: text}};
    }
}

function districtMap(b) {
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 7);
    const alpha = square({area_code: "E06000001", area_name: "St. Helen&#x27;s", value_text: "80.1 years"}, -2, 52, -1, 53);
    const bravo = square({area_code: "E06000002", area_name: "Bravo", value_text: "No data"}, -1, 52, 0, 53);
    const small = square({area_code: "E01000001", area_name: "St. Helen&#x27;s 001A",
                          value_text: "decile 2 of 10 (1 = most deprived)"}, -1.9, 52.1, -1.6, 52.4);
    const districts = geojson([alpha, bravo], {title: "Life expectancy &amp; more, 2021-23", opens: true});
    const smalls = geojson([small], {title: "IMD 2019, 2019", opens: false});
    map.addLayer(districts);
    map.addLayer(smalls);
    return {map: map, alpha: alpha, bravo: bravo, small: small, districts: districts};
}

test("keyboardDrill: Tab to the district map, the area under the cross is read out, Enter opens it", async function (t) {
    const b = browser();
    t.after(b.restore);
    globalThis.DOMParser = FakeDOMParser;
    t.after(function () { delete globalThis.DOMParser; });
    const d = districtMap(b), map = d.map, el = map.getContainer(), mapClicks = [];
    map.on("click", function (e) { mapClicks.push(e.latlng); });
    keyboardDrill(map, keyboard());
    const K = el.hgaKeys, say = function () { return K.say.textContent; };
    assert.equal(el.getAttribute("role"), "application");
    assert.match(el.getAttribute("aria-label"), /^Map of areas\. Arrow keys move the map.*Enter opens the area under the cross/);
    assert.ok(el.classList.contains("hga-keys"));
    assert.equal(K.say.getAttribute("aria-live"), "polite");
    assert.match(b.document.head.children[0].textContent, /\.leaflet-container\.hga-keys:focus-visible\{outline:3px solid/);

    b.document.activeElement = el;
    el.focusVisible = true;
    el.dispatch("focus");
    await until(function () { return say() !== ""; }, "the read-out");
    assert.equal(say(), "St. Helen's, E06000001. Life expectancy & more, 2021-23: 80.1 years. Press Enter to open it.");
    assert.deepEqual(d.alpha.fired, [["mouseover", [52.5, -1.5]]]);  // hovered as the mouse hovers it
    assert.deepEqual(d.districts.tooltip.options, {direction: "bottom", offset: [0, 18]});  // below the cross

    const enter = el.dispatch("keydown", {key: "Enter"});
    assert.equal(enter.defaultPrevented, true);
    assert.deepEqual(d.alpha.fired.slice(1), [["click", [52.5, -1.5]]]);  // clicked as the mouse clicks it
    assert.equal(mapClicks.length, 1);

    el.dispatch("keydown", {key: "ArrowRight"});  // 80 px at zoom 7: into Bravo
    assert.deepEqual(d.alpha.fired.slice(-1), [["mouseout", null]]);
    assert.equal(say(), "Bravo, E06000002. Life expectancy & more, 2021-23: No data. Press Enter to open it.");
    el.dispatch("keydown", {key: " "});
    const c = map.getCenter();
    assert.deepEqual(d.bravo.fired.slice(-1), [["click", [c.lat, c.lng]]]);

    map.setView({lat: 52.2, lng: -1.7});  // over a small area of the open district
    assert.equal(say(), "St. Helen's 001A, E01000001. IMD 2019, 2019: decile 2 of 10 (1 = most deprived). In St. Helen's, open now.");
    const clicks = mapClicks.length;
    el.dispatch("keydown", {key: "Enter"});  // the small areas do not open: nothing is clicked
    assert.equal(mapClicks.length, clicks);
    assert.ok(!d.small.fired.some(function (f) { return f[0] === "click"; }));

    map.setView({lat: 51, lng: -1.5});  // south of every area
    assert.equal(say(), "No area under the cross.");
    el.dispatch("keydown", {key: "Enter"});
    assert.equal(mapClicks.length, clicks);

    map.fire("mousemove");  // the mouse is back: its tooltip goes beside the pointer again
    assert.deepEqual(d.districts.tooltip.options, {direction: "auto", offset: [0, 0]});
    el.focusVisible = false;  // moved while focused by the mouse: nothing read out or hovered
    const before = d.alpha.fired.length;
    map.setView({lat: 52.5, lng: -1.5});
    assert.equal(say(), "No area under the cross.");
    assert.equal(d.alpha.fired.length, before);
    el.dispatch("blur");
});

test("keyboard: one per map; the national layer answers while it is drawn, the districts after", async function (t) {
    const b = browser();
    t.after(b.restore);
    globalThis.DOMParser = FakeDOMParser;
    t.after(function () { delete globalThis.DOMParser; });
    const d = districtMap(b), el = d.map.getContainer(), opened = [];
    keyboardDrill(d.map, keyboard());
    let drawn = true;
    const K = keyboard()(d.map).use({name: "national", priority: 0, label: "Map of every small area.", none: "None.",
        active: function () { return drawn; }, find: function () { return {say: "A small area.", open: function () { opened.push(1); }}; },
        show: function () {}, leave: function () {}});
    assert.equal(K, el.hgaKeys);
    assert.equal(b.document.head.children.length, 1);  // one style sheet, one cross, one live region
    assert.equal(el.getAttribute("aria-label"), "Map of every small area.");
    b.document.activeElement = el;
    el.focusVisible = true;
    d.map.fire("moveend");
    assert.equal(K.say.textContent, "A small area.");
    el.dispatch("keydown", {key: "Enter"});
    assert.deepEqual(opened, [1]);
    drawn = false;  // another level's layers replaced it
    d.map.fire("layerremove");
    await until(function () { return /^Map of areas/.test(el.getAttribute("aria-label")); }, "the districts' label");
    d.map.fire("moveend");
    assert.match(K.say.textContent, /^St\. Helen's, E06000001/);
});

test("wheelAfterFocus: the wheel scrolls past the map until it is clicked or focused; Ctrl + wheel zooms", function (t) {
    const b = browser();
    t.after(b.restore);
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 7), el = map.getContainer(), zooms = [];
    let on = true;
    map.scrollWheelZoom = {enabled: function () { return on; }, enable: function () { on = true; }, disable: function () { on = false; }};
    map.setZoomAround = function (point, zoom) { zooms.push([point, zoom]); };
    map.mouseEventToContainerPoint = function (e) { return {x: e.clientX, y: e.clientY}; };
    wheelAfterFocus(map);
    const hint = el.children.find(function (c) { return c.className === "hga-wheel-hint"; });
    assert.equal(on, false);  // Leaflet's wheel zoom is off at first
    assert.equal(hint.textContent, "Click the map or use Ctrl + scroll to zoom");
    assert.equal(hint.getAttribute("aria-hidden"), "true");

    const plain = el.dispatch("wheel", {deltaY: 100, clientX: 10, clientY: 20});
    assert.equal(plain.defaultPrevented, false);  // the page scrolls
    assert.equal(hint.style.display, "block");     // and says how to zoom
    assert.deepEqual(zooms, []);

    const ctrl = el.dispatch("wheel", {deltaY: -100, ctrlKey: true, clientX: 10, clientY: 20});
    assert.equal(ctrl.defaultPrevented, true);
    assert.deepEqual(zooms, [[{x: 10, y: 20}, 8]]);  // in, around the pointer
    el.dispatch("wheel", {deltaY: 30, ctrlKey: true, clientX: 1, clientY: 2});  // a pinch adds up to a level
    assert.equal(zooms.length, 1);
    el.dispatch("wheel", {deltaY: 30, metaKey: true, clientX: 1, clientY: 2});
    assert.deepEqual(zooms[1], [{x: 1, y: 2}, 6]);

    const path = L.DomUtil.create("path", "leaflet-interactive", el);
    el.dispatch("focusin", {target: path});  // a click on an area focuses its path: Leaflet's wheel zoom takes over
    assert.equal(on, true);
    assert.equal(hint.style.display, "none");
    const focused = el.dispatch("wheel", {deltaY: 100});
    assert.equal(focused.defaultPrevented, false);  // left to Leaflet's own handler
    assert.equal(zooms.length, 2);
    el.dispatch("focusout", {target: path, relatedTarget: el});  // from the area to the map itself: still on
    assert.equal(on, true);
    el.dispatch("focusout", {target: el, relatedTarget: null});  // a click elsewhere on the page: off
    assert.equal(on, false);
});

// ---- the pan buttons (panButtons): move the map without dragging (WCAG 2.5.7)
const {panButtons} = script("interaction.js");

test("panButtons: four named buttons move the map a third of its size, and their clicks stay off the map", function (t) {
    const b = browser();
    t.after(b.restore);
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 8);
    panButtons(map);
    panButtons(map);  // a second call adds nothing
    assert.equal(map.controls.length, 1);
    const control = map.controls[0], box = control.getContainer();
    assert.equal(control.options.position, "topleft");  // below the zoom buttons, clear of the attribution
    assert.equal(box.getAttribute("role"), "group");
    assert.equal(box.getAttribute("aria-label"), "Move the map");
    assert.equal(box.clicksKept, true);  // a press never reaches the map (no area opened under it)
    assert.equal(box.scrollKept, true);
    const buttons = box.children;
    assert.deepEqual(buttons.map(function (x) { return [x.tagName, x.type, x.getAttribute("aria-label")]; }), [
        ["BUTTON", "button", "Move map north"], ["BUTTON", "button", "Move map west"],
        ["BUTTON", "button", "Move map east"], ["BUTTON", "button", "Move map south"],
    ]);  // reading order, as they are laid out
    buttons.forEach(function (x) { assert.match(x.innerHTML, /^<svg [^>]*aria-hidden="true"/); });  // an arrow, not read out
    assert.equal(b.document.head.children.length, 1);  // the style, once
    assert.match(b.document.head.children[0].textContent, /\.hga-pan button:focus-visible\{outline:3px solid/);
    assert.match(b.document.head.children[0].textContent, /width:30px;height:30px/);

    const before = map.getCenter();
    const click = buttons[2].dispatch("click");  // east
    assert.equal(click.stopped, true);
    assert.deepEqual(map.pans, [[[200, 0], {animate: true}]]);  // a third of 600 px
    assert.ok(map.getCenter().lng > before.lng);
    assert.ok(Math.abs(map.getCenter().lat - before.lat) < 1e-9);
    buttons[0].dispatch("click");
    buttons[1].dispatch("click");
    buttons[3].dispatch("click");
    assert.deepEqual(map.pans.slice(1).map(function (p) { return p[0]; }), [[0, -160], [-200, 0], [0, 160]]);
    assert.ok(Math.abs(map.getCenter().lng - before.lng) < 1e-9 && Math.abs(map.getCenter().lat - before.lat) < 1e-9);
});

test("panButtons: no animation for a person who asks for reduced motion", function (t) {
    const b = browser();
    t.after(b.restore);
    b.window.matchMedia = function (query) { return {matches: query === "(prefers-reduced-motion: reduce)"}; };
    const map = new FakeMap(b.document, {lat: 52.5, lng: -1.5}, 8);
    map.size = {x: 301, y: 90};
    panButtons(map);
    map.controls[0].getContainer().children[3].dispatch("click");  // south
    assert.deepEqual(map.pans, [[[0, 30], {animate: false}]]);
});
