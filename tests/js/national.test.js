// The national small-area layer's script (static/js/national.js) in node: loading a topology, hit
// testing (which area is under a point), the tooltip, clicks, and the keyboard (the arrow keys move
// the map, the area under the cross is read out, Enter or Space opens it). Run: node --test tests/js/
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {FakeMap, Evented, browser, script, until} = require("./fakes.js");

const {national} = script("national.js");
const {format, valueText} = script("format.js");
const {keyboard} = script("interaction.js");
const TEXT_OF = valueText(format(), "~");
const URL = "../../app/static/national/lsoa_2021.topo.json.gz";
const CODES = ["E01000001", "E01000002", "E01000003", "E01000004", "E01000005"];

/** A quantised TopoJSON (as geo.ingest.tiles writes it) from rings of [lon, lat] in 0.001 degree steps. */
function topology() {
    const q = function (lon, lat) { return [Math.round((lon + 2) * 1000), Math.round((lat - 52) * 1000)]; };
    const arcs = [
        [[-1, 52], [-1, 53]],                                        // 0: the border of Alpha and Bravo
        [[-1, 53], [-2, 53], [-2, 52], [-1, 52]],                    // 1: the rest of Alpha
        [[-1, 52], [0, 52], [0, 53], [-1, 53]],                      // 2: the rest of Bravo
        [[1, 52], [2, 52], [2, 53], [1, 53], [1, 52]],               // 3: Charlie's outer ring
        [[1.25, 52.25], [1.25, 52.75], [1.75, 52.75], [1.75, 52.25], [1.25, 52.25]],  // 4: Charlie's hole, Delta
        [[3, 52.5], [3.5, 52.5], [3.5, 53], [3, 53], [3, 52.5]],     // 5: Echo, first part
        [[4, 52], [4.5, 52], [4.5, 52.5], [4, 52.5], [4, 52]],       // 6: Echo, second part
    ].map(function (arc) {
        // Delta-encoded, as TopoJSON quantises.
        let x = 0, y = 0;
        return arc.map(function (p) { const [qx, qy] = q(p[0], p[1]), d = [qx - x, qy - y]; x = qx; y = qy; return d; });
    });
    const geoms = [
        {type: "Polygon", arcs: [[0, 1]]},
        {type: "Polygon", arcs: [[~0, 2]]},
        {type: "Polygon", arcs: [[3], [~4]]},
        {type: "Polygon", arcs: [[4]]},
        {type: "MultiPolygon", arcs: [[[5]], [[6]]]},
    ].map(function (g, i) {
        return Object.assign(g, {id: CODES[i], properties: {area_name: ["Alpha", "Bravo", "Charlie", "Delta", "Echo"][i]}});
    });
    return {type: "Topology", transform: {scale: [0.001, 0.001], translate: [-2, 52]}, arcs: arcs,
            objects: {lsoa: {type: "GeometryCollection", geometries: geoms}}};
}

/** A value table as layers.national.value_table writes it (2 decimals, CIs; Charlie suppressed, Echo missing). */
function valueTable(extra) {
    const style = function (colour, status) {
        return {fillColor: colour, fillOpacity: 0.7, color: "#666", weight: 1, status: status};
    };
    return Object.assign({
        url: URL,
        count: 5,
        probes: [[0, CODES[0]], [2, CODES[2]], [4, CODES[4]]],
        styles: [style("#fee", "ok"), style("#c00", "ok"), style("#ccc", "suppressed"), Object.assign(style("#eee", "missing"), {hatch: true})],
        style_labels: ["70.00 to 75.00", "75.00 to 81.50", "Suppressed", "No data"],
        cls: "#$%#&",  // one character per area: chr(35 + style)
        texts: null,
        unit: " years",
        ti: null,
        num: {v: "7050,8025,,7450,", lo: "7000,7900,,,", hi: "7100,8150,,,", dec: 2, pct: false,
              suppressed: "Suppressed", missing: "No data"},
        title: "Life expectancy, 2016-18",
        show_class: true,
        selected: null,
    }, extra || {});
}

/** The layer drawn on a fresh page: returns the page, its map, the feature group and window.hgaNational. */
async function page(options) {
    const o = Object.assign({center: {lat: 52.5, lng: -1.5}, zoom: 7, table: valueTable(), files: {[URL]: topology()}}, options);
    const b = browser(o.files);
    const map = new FakeMap(b.document, o.center, o.zoom);
    const group = new Evented();
    national("#F2F2F2", TEXT_OF, keyboard(), map, group, o.table);
    const H = b.window.hgaNational;
    if (o.wait !== false) { await until(function () { return b.window.hgaNationalPainted === 1; }, "the first paint"); }
    return {b: b, map: map, group: group, H: H, clicks: clicks(group)};
}

/** The area codes the group was clicked with (as streamlit-folium reads them). */
function clicks(group) {
    const out = [];
    group.on("click", function (e) { out.push(e.layer.toGeoJSON().properties.area_code); });
    return out;
}

const at = function (lat, lng) { return {lat: lat, lng: lng}; };

test("the hit test finds the area under a point, holes and parts included", async function (t) {
    const p = await page();
    t.after(p.b.restore);
    const hit = function (lat, lng) { return p.H.hit(at(lat, lng)); };
    assert.equal(hit(52.5, -1.5), 0);                 // Alpha
    assert.equal(hit(52.5, -0.5), 1);                 // Bravo
    assert.equal(hit(52.5, -1.001), 0);               // either side of their shared border
    assert.equal(hit(52.5, -0.999), 1);
    assert.equal(hit(52.1, 1.1), 2);                  // Charlie's ring
    assert.equal(hit(52.5, 1.5), 3);                  // in Charlie's hole: Delta, not Charlie
    assert.equal(hit(52.75, 3.25), 4);                // Echo's first part
    assert.equal(hit(52.25, 4.25), 4);                // and its second
    assert.equal(hit(52.75, 4.25), -1);               // inside Echo's box, in neither part
    assert.equal(hit(52.5, 0.5), -1);                 // between Bravo and Charlie
    assert.equal(hit(51.5, -1.5), -1);                // south of every area (off the grid)
    assert.equal(hit(55, 10), -1);
});

test("the geometry is fetched once and each table colours it", async function (t) {
    const p = await page({table: valueTable({selected: CODES[3]})});
    t.after(p.b.restore);
    assert.deepEqual(p.b.fetched, [URL]);
    assert.deepEqual(p.H.buckets, [[0, 3], [1], [2], [4]]);  // the areas of each style
    assert.ok(p.map.hasLayer(p.H.renderer));
    // The selected area (Delta, the hole) is outlined.
    assert.ok(p.map.hasLayer(p.H.sel));
    assert.deepEqual(p.H.sel.latlngs[0].map(function (ll) { return ll.map(function (x) { return +x.toFixed(6); }); }),
                     [[52.25, 1.25], [52.75, 1.25], [52.75, 1.75], [52.25, 1.75], [52.25, 1.25]]);
    // Alpha's ring walks its two arcs, the shared border first.
    assert.deepEqual(p.H.latlngs(0), [[[52, -1], [53, -1], [53, -2], [52, -2], [52, -1]]]);
    // A second table (another view) recolours the same geometry: nothing is fetched again.
    const group = new Evented();
    national("#F2F2F2", TEXT_OF, keyboard(), p.map, group, valueTable({cls: "&&&&&"}));
    await until(function () { return p.b.window.hgaNationalPainted === 2; }, "the second paint");
    assert.deepEqual(p.b.fetched, [URL]);
    assert.deepEqual(p.H.buckets, [[], [], [], [0, 1, 2, 3, 4]]);
    assert.ok(!p.map.hasLayer(p.H.sel));
    // The first group leaving does not take the layer away; the owner's leaving does.
    p.group.fire("remove");
    await new Promise(function (r) { setTimeout(r, 10); });
    assert.ok(p.map.hasLayer(p.H.renderer));
    group.fire("remove");
    await until(function () { return !p.map.hasLayer(p.H.renderer); }, "the layer's removal");
});

test("a table for other boundaries is refused before any colour is applied", async function (t) {
    const p = await page({wait: false, table: valueTable({probes: [[0, CODES[0]], [4, "E01099999"]]})});
    t.after(p.b.restore);
    const notice = function () { return p.H.notice && p.H.notice.getContainer().textContent; };
    await until(function () { return /do not match/.test(notice()); }, "the refusal");
    assert.equal(notice(), "The small areas' values do not match the boundaries; reload the page.");
    assert.equal(p.b.window.hgaNationalPainted, undefined);
    assert.equal(p.H.renderer, undefined);
});

test("a failed fetch is said on the map", async function (t) {
    const p = await page({wait: false, files: {}});
    t.after(p.b.restore);
    const notice = function () { return p.H.notice.getContainer().textContent; };
    await until(function () { return /could not be loaded/.test(notice()); }, "the error");
    assert.equal(notice(), "The small areas could not be loaded: 404 " + URL);
});

test("the simplification keeps each arc's ends and drops points closer than 0.6 px", async function (t) {
    const p = await page();
    t.after(p.b.restore);
    const st = p.H.data.start, first = st[5];  // Echo's first ring: a 0.5 degree square, five points
    const kept = function (zoom) {
        const k = p.H.kept(p.H.data, zoom);
        return Array.from(k.idx.slice(k.off[5], k.off[6]));
    };
    // At zoom 0, 0.6 px is about 0.84 degrees: the sides are dropped, the diagonal corner kept.
    assert.deepEqual(kept(0), [first, first + 2, first + 4]);
    assert.deepEqual(kept(10), [first, first + 1, first + 2, first + 3, first + 4]);
    assert.equal(p.H.kept(p.H.data, 10), p.H.kept(p.H.data, 10));  // once per zoom
});

test("the mouse: the tooltip writes the area's value, a click opens the area", async function (t) {
    const p = await page();
    t.after(p.b.restore);
    p.map.fire("mousemove", {latlng: at(52.5, -0.5)});
    assert.ok(p.map.hasLayer(p.H.tip) && p.map.hasLayer(p.H.hl));
    assert.deepEqual(p.H.tip.content.rows(), [
        ["Area", "Bravo"], ["Code", "E01000002"],
        ["Life expectancy, 2016-18", "80.25 years (95% CI 79.00 to 81.50)"], ["Class", "75.00 to 81.50"],
    ]);
    assert.equal(p.map.getContainer().style.cursor, "pointer");
    assert.deepEqual(p.H.tooltip(2).rows()[2], ["Life expectancy, 2016-18", "Suppressed"]);
    assert.deepEqual(p.H.tooltip(3).rows()[2], ["Life expectancy, 2016-18", "74.50 years"]);
    assert.deepEqual(p.H.tooltip(4).rows()[2], ["Life expectancy, 2016-18", "No data"]);
    p.map.fire("mousemove", {latlng: at(52.5, 0.5)});  // between areas
    assert.ok(!p.map.hasLayer(p.H.tip) && !p.map.hasLayer(p.H.hl));
    assert.equal(p.map.getContainer().style.cursor, "");
    p.map.fire("click", {latlng: at(52.5, 1.5)});
    p.map.fire("click", {latlng: at(52.5, 0.5)});      // nothing there: no click
    assert.deepEqual(p.clicks, [CODES[3]]);
});

test("the keyboard: arrows move the map, the area under the cross is read out, Enter or Space opens it", async function (t) {
    const p = await page();
    t.after(p.b.restore);
    const el = p.map.getContainer();
    const say = function () { return el.hgaKeys.say.textContent; };
    assert.equal(el.getAttribute("role"), "application");
    assert.match(el.getAttribute("aria-label"), /Arrow keys move the map/);
    assert.ok(el.classList.contains("hga-keys") && el.classList.contains("hga-national"));
    assert.equal(el.hgaKeys.say.getAttribute("aria-live"), "polite");

    // Focus from the keyboard (focus-visible): the area under the centre is hovered and read out.
    p.b.document.activeElement = el;
    el.focusVisible = true;
    el.dispatch("focus");
    await until(function () { return say() !== ""; }, "the read-out");
    assert.equal(say(), "Alpha, E01000001: 70.50 years (95% CI 70.00 to 71.00). Press Enter to open it.");
    assert.equal(p.H.tip.options.direction, "bottom");  // below the cross
    assert.ok(p.map.hasLayer(p.H.hl));

    // At zoom 7 a degree of longitude is 91 px: one press (80 px) moves the cross from Alpha into Bravo.
    const right = el.dispatch("keydown", {key: "ArrowRight"});
    assert.equal(right.defaultPrevented, false);  // the arrows are Leaflet's
    assert.ok(Math.abs(p.map.getCenter().lng - (-1.5 + 80 / 91.022)) < 1e-3);
    assert.equal(say(), "Bravo, E01000002: 80.25 years (95% CI 79.00 to 81.50). Press Enter to open it.");

    const enter = el.dispatch("keydown", {key: "Enter"});
    assert.equal(enter.defaultPrevented, true);
    el.dispatch("keydown", {key: " "});
    el.dispatch("keydown", {key: "a"});
    el.dispatch("keydown", {key: "Enter", target: {}});  // Enter on a control inside the map is the control's
    assert.deepEqual(p.clicks, [CODES[1], CODES[1]]);

    el.dispatch("keydown", {key: "ArrowRight"});  // into the gap between Bravo and Charlie
    assert.equal(say(), "No small area under the cross.");
    assert.ok(!p.map.hasLayer(p.H.tip));
    el.dispatch("keydown", {key: "Enter"});
    assert.deepEqual(p.clicks, [CODES[1], CODES[1]]);

    el.dispatch("keydown", {key: "ArrowRight"});  // Charlie (suppressed)
    assert.equal(say(), "Charlie, E01000003: Suppressed. Press Enter to open it.");
    el.dispatch("keydown", {key: "ArrowDown"});   // south of every area
    assert.equal(say(), "No small area under the cross.");

    // A map moved while focused by the mouse (no focus ring) reads nothing out.
    el.focusVisible = false;
    el.dispatch("keydown", {key: "ArrowUp"});
    assert.equal(say(), "No small area under the cross.");
    el.dispatch("blur");
    assert.ok(!p.map.hasLayer(p.H.tip) && !p.map.hasLayer(p.H.hl));
});
