// Stand-ins for the browser and Leaflet, just enough to run the maps' scripts (static/js) in node.
// Not a test file itself (node --test picks up *.test.js only).
"use strict";

const path = require("node:path");
const zlib = require("node:zlib");

/** A script file of static/js, loaded as node loads a module (its module.exports footer). */
function script(name) {
    return require(path.join(__dirname, "..", "..", "static", "js", name));
}

// ---- Leaflet's EPSG:3857 (spherical Mercator, 256 px tiles), as leaflet.js computes it.
const R = 6378137, D = Math.PI / 180, K = 0.5 / (Math.PI * R);
const crs = {
    transformation: {_a: K, _b: 0.5, _c: -K, _d: 0.5},
    scale: function (zoom) { return 256 * Math.pow(2, zoom); },
    latLngToPoint: function (latlng, zoom) {
        const s = this.scale(zoom), sin = Math.sin(Math.max(Math.min(85.0511287798, latlng.lat), -85.0511287798) * D);
        const x = R * latlng.lng * D, y = R * Math.log((1 + sin) / (1 - sin)) / 2;
        return {x: s * (K * x + 0.5), y: s * (-K * y + 0.5)};
    },
    pointToLatLng: function (point, zoom) {
        const s = this.scale(zoom), x = (point.x / s - 0.5) / K, y = (point.y / s - 0.5) / -K;
        return {lat: (2 * Math.atan(Math.exp(y / R)) - Math.PI / 2) / D, lng: x / D / R};
    },
};

// ---- DOM
class ClassList {
    constructor() { this.names = new Set(); }
    add(name) { this.names.add(name); }
    remove(name) { this.names.delete(name); }
    contains(name) { return this.names.has(name); }
    toggle(name, force) {
        const on = force === undefined ? !this.names.has(name) : !!force;
        if (on) { this.names.add(name); } else { this.names.delete(name); }
        return on;
    }
}

class Element {
    constructor(tag) {
        this.tagName = tag.toUpperCase();
        this.children = [];
        this.style = {};
        this.attributes = {};
        this.listeners = {};
        this.classList = new ClassList();
        this.textContent = "";
        this.innerHTML = "";
        this.focusVisible = false;  // what matches(":focus-visible") answers
    }
    appendChild(child) { this.children.push(child); child.parentNode = this; return child; }
    setAttribute(name, value) { this.attributes[name] = String(value); }
    getAttribute(name) { return name in this.attributes ? this.attributes[name] : null; }
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
    removeEventListener(type, fn) { this.listeners[type] = (this.listeners[type] || []).filter(function (f) { return f !== fn; }); }
    matches(selector) { return selector === ":focus-visible" && this.focusVisible; }
    contains(other) { return other === this || this.children.some(function (c) { return c.contains && c.contains(other); }); }
    insertAdjacentHTML(where, html) { this.inserted = (this.inserted || []).concat([[where, html]]); }
    /** Fires ``type`` at the listeners; returns the event (``defaultPrevented`` tells whether one took it). */
    dispatch(type, props) {
        const event = Object.assign({type: type, target: this, defaultPrevented: false}, props);
        event.preventDefault = function () { event.defaultPrevented = true; };
        (this.listeners[type] || []).forEach(function (fn) { fn(event); });
        return event;
    }
    /** The text of every cell of the tables under this element, row by row. */
    rows() {
        const out = [];
        const walk = function (el) {
            if (el.tagName === "TR") { out.push(el.children.map(function (c) { return c.textContent; })); }
            el.children.forEach(walk);
        };
        walk(this);
        return out;
    }
}

function makeDocument() {
    const byId = {};
    const root = new Element("html");  // holds every element made, until it is marked ``detached``
    root.contains = function (el) { return !!el && !el.detached; };
    return {
        head: new Element("head"),
        body: new Element("body"),
        documentElement: root,
        activeElement: null,
        byId: byId,
        createElement: function (tag) { return new Element(tag); },
        getElementById: function (id) { return byId[id] || null; },
        addEventListener: function (type, fn) { root.addEventListener(type, fn); },
        removeEventListener: function (type, fn) { root.removeEventListener(type, fn); },
        dispatch: function (type, props) { return root.dispatch(type, props); },
    };
}

// ---- Leaflet's layers, map and events
class Evented {
    constructor() { this.events = {}; }
    on(types, fn) {
        types.split(" ").forEach(function (t) { (this.events[t] = this.events[t] || []).push(fn); }, this);
        return this;
    }
    fire(type, data) {
        const event = Object.assign({type: type, target: this}, data);
        (this.events[type] || []).slice().forEach(function (fn) { fn(event); });
        return this;
    }
}

class Layer extends Evented {
    constructor(options) { super(); this.options = options || {}; }
    addTo(map) { map.addLayer(this); return this; }
}

function makeLeaflet(document) {
    const L = {};
    L.Canvas = {
        extend: function (methods) {
            class Renderer extends Layer {
                _redraw() { this.redraws = (this.redraws || 0) + 1; }
            }
            Object.assign(Renderer.prototype, methods);
            return Renderer;
        },
    };
    L.svg = function (options) { return new Layer(options); };
    L.polygon = function (latlngs, options) {
        const layer = new Layer(options);
        layer.latlngs = latlngs;
        layer.setLatLngs = function (l) { layer.latlngs = l; return layer; };
        return layer;
    };
    L.Tooltip = class extends Layer {
        getElement() { return this._container; }
        setContent(content) { this.content = content; return this; }
        setLatLng(latlng) { this.latlng = latlng; return this; }
    };
    L.tooltip = function (options) { return new L.Tooltip(options); };
    L.control = function (options) {
        return {
            options: options,
            addTo: function (map) { this.container = this.onAdd(map); map.controls.push(this); return this; },
            getContainer: function () { return this.container; },
        };
    };
    L.point = function (x, y) { return {x: x, y: y}; };
    L.DomUtil = {
        create: function (tag, className, parent) {
            const el = document.createElement(tag);
            el.className = className;
            if (parent) { parent.appendChild(el); }
            return el;
        },
    };
    // Leaflet's DOM events: listeners on the element; what was stopped or kept from the map is recorded.
    L.DomEvent = {
        on: function (el, type, fn) { el.addEventListener(type, fn); return L.DomEvent; },
        stop: function (e) { e.stopped = true; return L.DomEvent; },
        disableClickPropagation: function (el) { el.clicksKept = true; return L.DomEvent; },
        disableScrollPropagation: function (el) { el.scrollKept = true; return L.DomEvent; },
    };
    return L;
}

// Leaflet's keyboard handler: the arrow keys pan the focused map by 80 px (its panDelta), then "moveend".
const PAN = {ArrowLeft: [-80, 0], ArrowRight: [80, 0], ArrowUp: [0, -80], ArrowDown: [0, 80]};

class FakeMap extends Evented {
    constructor(document, center, zoom) {
        super();
        this.options = {crs: crs};
        this.center = center;
        this.zoom = zoom;
        this.layers = new Set();
        this.panes = {};
        this.controls = [];
        this.size = {x: 600, y: 480};
        this.pans = [];  // each panBy: [offset, options]
        this.container = document.createElement("div");
        const map = this;
        this.container.addEventListener("keydown", function (e) { if (PAN[e.key]) { map.panBy(PAN[e.key]); } });
    }
    getContainer() { return this.container; }
    getCenter() { return {lat: this.center.lat, lng: this.center.lng}; }
    getZoom() { return this.zoom; }
    setView(center, zoom) { this.center = center; this.zoom = zoom === undefined ? this.zoom : zoom; this.fire("moveend"); return this; }
    getSize() { return {x: this.size.x, y: this.size.y}; }
    panBy(offset, options) {
        this.pans.push([offset, options]);
        const p = crs.latLngToPoint(this.center, this.zoom);
        this.center = crs.pointToLatLng({x: p.x + offset[0], y: p.y + offset[1]}, this.zoom);
        this.fire("moveend");
        return this;
    }
    hasLayer(layer) { return this.layers.has(layer); }
    addLayer(layer) { this.layers.add(layer); layer._map = this; return this; }
    removeLayer(layer) { this.layers.delete(layer); layer._map = null; return this; }
    eachLayer(fn) { Array.from(this.layers).forEach(fn); }
    getPane(name) { return this.panes[name]; }
    createPane(name) { return (this.panes[name] = {style: {}}); }
}

/** A browser for one test: window, document and L as globals, and a fetch that serves ``files`` gzipped. */
function browser(files) {
    const saved = {window: globalThis.window, document: globalThis.document, L: globalThis.L, fetch: globalThis.fetch};
    const document = makeDocument();
    const fetched = [];
    globalThis.window = {};
    globalThis.document = document;
    globalThis.L = makeLeaflet(document);
    globalThis.fetch = async function (url) {
        fetched.push(url);
        if (!(url in (files || {}))) { return new Response("", {status: 404}); }
        return new Response(zlib.gzipSync(JSON.stringify(files[url])));
    };
    return {
        window: globalThis.window,
        document: document,
        L: globalThis.L,
        fetched: fetched,
        restore: function () { Object.assign(globalThis, saved); },
    };
}

/** Waits (up to ``ms``) until ``ready()`` is true; fails with ``what`` otherwise. */
async function until(ready, what, ms) {
    const end = Date.now() + (ms || 2000);
    while (!ready()) {
        if (Date.now() > end) { throw new Error("Timed out waiting for " + what); }
        await new Promise(function (resolve) { setTimeout(resolve, 5); });
    }
}

module.exports = {Element, Evented, FakeMap, browser, crs, script, until};
