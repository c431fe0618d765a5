// The map's behaviour in the Streamlit page (static/js/interaction.js) in node.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {FakeMap, browser, script} = require("./fakes.js");

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
