// The national small-area layer's script (layers/national.py, _NationalValues): hands one value table
// to the national LSOA layer, loading the layer first if the page has none. See layers/national.py's
// docstring for how it draws, hit-tests and reads out; layers/js.py for the markers.
//
// The page receives the marked lines with MAP, GROUP and TABLE as the map, the feature group and
// the value table (JSON), MISSING_FILL as the hatch's background colour (a JS string), TEXT_OF as
// format.js's valueText and KEYS as interaction.js's keyboard. node runs the same lines by calling
// national(...) with stand-ins (tests/js).
function national(MISSING_FILL, TEXT_OF, KEYS, MAP, GROUP, TABLE) {
    // @inline begin national
    (function (map, group, table) {
    var H = window.hgaNational;
    if (!H) {
        H = window.hgaNational = {sets: {}, loading: {}, owner: null, table: null, data: null, times: {}, hover: -1};
        H.first = {};  // the first time of each mark (the country's first paint), beside the latest
        H.mark = function (name) { H.times[name] = performance.now(); H.first[name] = H.first[name] || H.times[name]; };
        H.pane = function (name, z) {
            if (!map.getPane(name)) { map.createPane(name).style.zIndex = z; }
            return name;
        };
        // ---- geometry: arcs decoded once into typed arrays (lon/lat and Leaflet's zoom-0 pixel units)
        H.prepare = function (topo) {
            var crs = map.options.crs, tr = crs.transformation, R = 6378137, d = Math.PI / 180;
            var sx = topo.transform.scale[0], sy = topo.transform.scale[1];
            var tx = topo.transform.translate[0], ty = topo.transform.translate[1];
            var n = 0, a, i, j;
            for (a = 0; a < topo.arcs.length; a++) { n += topo.arcs[a].length; }
            var lon = new Float64Array(n), lat = new Float64Array(n), U = new Float64Array(n), V = new Float64Array(n);
            var start = new Int32Array(topo.arcs.length + 1), k = 0;
            for (a = 0; a < topo.arcs.length; a++) {
                var arc = topo.arcs[a], x = 0, y = 0;
                start[a] = k;
                for (i = 0; i < arc.length; i++, k++) {
                    x += arc[i][0]; y += arc[i][1];
                    var lg = x * sx + tx, lt = y * sy + ty, sin = Math.sin(lt * d);
                    lon[k] = lg; lat[k] = lt;
                    U[k] = tr._a * (R * lg * d) + tr._b;
                    V[k] = tr._c * (R * Math.log((1 + sin) / (1 - sin)) / 2) + tr._d;
                }
            }
            start[topo.arcs.length] = k;
            var geoms = topo.objects.lsoa.geometries, m = geoms.length;
            var feats = new Array(m), codes = new Array(m), names = new Array(m), index = {};
            var box = new Float64Array(4 * m);
            for (i = 0; i < m; i++) {
                var g = geoms[i], polys = g.type === "Polygon" ? [g.arcs] : g.arcs, rings = [];
                var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
                polys.forEach(function (poly) { poly.forEach(function (ring) {
                    rings.push(Int32Array.from(ring));
                    ring.forEach(function (id) {
                        var b = id < 0 ? ~id : id;
                        for (var q = start[b]; q < start[b + 1]; q++) {
                            if (U[q] < x0) { x0 = U[q]; } if (U[q] > x1) { x1 = U[q]; }
                            if (V[q] < y0) { y0 = V[q]; } if (V[q] > y1) { y1 = V[q]; }
                        }
                    });
                }); });
                feats[i] = rings; codes[i] = g.id; names[i] = g.properties.area_name; index[g.id] = i;
                box[4 * i] = x0; box[4 * i + 1] = y0; box[4 * i + 2] = x1; box[4 * i + 3] = y1;
            }
            // A grid over the country: each cell lists the areas whose box reaches it (for hit tests).
            var G = 256, gx0 = Infinity, gy0 = Infinity, gx1 = -Infinity, gy1 = -Infinity;
            for (i = 0; i < m; i++) {
                gx0 = Math.min(gx0, box[4 * i]); gy0 = Math.min(gy0, box[4 * i + 1]);
                gx1 = Math.max(gx1, box[4 * i + 2]); gy1 = Math.max(gy1, box[4 * i + 3]);
            }
            var cw = (gx1 - gx0) / G, ch = (gy1 - gy0) / G, cells = new Array(G * G);
            for (i = 0; i < m; i++) {
                var c0 = Math.min(G - 1, Math.floor((box[4 * i] - gx0) / cw)), c1 = Math.min(G - 1, Math.floor((box[4 * i + 2] - gx0) / cw));
                var r0 = Math.min(G - 1, Math.floor((box[4 * i + 1] - gy0) / ch)), r1 = Math.min(G - 1, Math.floor((box[4 * i + 3] - gy0) / ch));
                for (var r = r0; r <= r1; r++) { for (var c = c0; c <= c1; c++) { (cells[r * G + c] = cells[r * G + c] || []).push(i); } }
            }
            return {lon: lon, lat: lat, U: U, V: V, start: start, feats: feats, codes: codes, names: names,
                    index: index, box: box, grid: {G: G, x0: gx0, y0: gy0, cw: cw, ch: ch, cells: cells}, keep: {}};
        };
        H.load = function (url) {
            if (H.sets[url]) { return Promise.resolve(H.sets[url]); }
            if (!H.loading[url]) {
                H.status("Loading every small area in England ..."); H.mark("load");
                var inline = url.indexOf("inline:") === 0 ? document.getElementById(url.slice(7)) : null;
                // The offline file carries the gzip topology in the page (base64): no fetch from file://.
                var body = inline ? Promise.resolve(new Blob([Uint8Array.from(atob(inline.textContent.trim()),
                    function (c) { return c.charCodeAt(0); })]).stream()) : fetch(url).then(function (r) {
                    if (!r.ok) { throw new Error(r.status + " " + url); }
                    return r.body;
                });
                H.loading[url] = body.then(function (stream) {
                    return new Response(stream.pipeThrough(new DecompressionStream("gzip"))).json();
                }).then(function (topo) {
                    H.mark("fetched");
                    var data = H.prepare(topo);
                    H.sets[url] = data; H.mark("built"); H.status("");
                    return data;
                });
            }
            return H.loading[url];
        };
        // ---- per-zoom simplification: per arc, so neighbours that share a border draw it alike
        H.kept = function (data, zoom) {
            if (data.keep[zoom]) { return data.keep[zoom]; }
            var tol = 0.6 / map.options.crs.scale(zoom), tol2 = tol * tol, U = data.U, V = data.V, st = data.start;
            var out = new Int32Array(U.length), off = new Int32Array(st.length), k = 0;
            for (var a = 0; a + 1 < st.length; a++) {
                off[a] = k;
                var first = st[a], last = st[a + 1] - 1, px = U[first], py = V[first];
                out[k++] = first;
                for (var q = first + 1; q < last; q++) {
                    var dx = U[q] - px, dy = V[q] - py;
                    if (dx * dx + dy * dy > tol2) { out[k++] = q; px = U[q]; py = V[q]; }
                }
                if (last > first) { out[k++] = last; }
            }
            off[st.length - 1] = k;
            return (data.keep[zoom] = {idx: out, off: off});
        };
        H.trace = function (ctx, data, keep, rings, s, ox, oy) {
            var U = data.U, V = data.V, idx = keep.idx, off = keep.off;
            for (var r = 0; r < rings.length; r++) {
                var ring = rings[r], started = false;
                for (var j = 0; j < ring.length; j++) {
                    var id = ring[j], b = id < 0 ? ~id : id, lo = off[b], hi = off[b + 1], q, p;
                    if (id >= 0) {
                        if (!started) { p = idx[lo]; ctx.moveTo(U[p] * s - ox, V[p] * s - oy); started = true; }
                        for (q = lo + 1; q < hi; q++) { p = idx[q]; ctx.lineTo(U[p] * s - ox, V[p] * s - oy); }
                    } else {
                        if (!started) { p = idx[hi - 1]; ctx.moveTo(U[p] * s - ox, V[p] * s - oy); started = true; }
                        for (q = hi - 2; q >= lo; q--) { p = idx[q]; ctx.lineTo(U[p] * s - ox, V[p] * s - oy); }
                    }
                }
                ctx.closePath();
            }
        };
        H.hatch = function (ctx) {
            if (!H.pattern) {
                var c = document.createElement("canvas"); c.width = 6; c.height = 6;
                var g = c.getContext("2d");
                g.fillStyle = MISSING_FILL; g.fillRect(0, 0, 6, 6);
                g.strokeStyle = "#8C8C8C"; g.lineWidth = 1.5;
                g.beginPath(); g.moveTo(0, 6); g.lineTo(6, 0); g.moveTo(-1, 1); g.lineTo(1, -1);
                g.moveTo(5, 7); g.lineTo(7, 5); g.stroke();
                H.pattern = ctx.createPattern(c, "repeat");
            }
            return H.pattern;
        };
        H.draw = function (renderer) {
            var data = H.data, t = H.table;
            if (!data || !t || !renderer._map) { return; }
            var ctx = renderer._ctx, b = renderer._bounds, z = map.getZoom(), s = map.options.crs.scale(z);
            var o = map.getPixelOrigin(), ox = o.x, oy = o.y, box = data.box, feats = data.feats;
            var u0 = (b.min.x + ox) / s, v0 = (b.min.y + oy) / s, u1 = (b.max.x + ox) / s, v1 = (b.max.y + oy) / s;
            var keep = H.kept(data, z), k, n, i, list, cached = z <= H.CACHED_ZOOM, get = cached ? H.paths(data, z, keep, s) : null;
            function seen(i) { return !(box[4 * i] > u1 || box[4 * i + 2] < u0 || box[4 * i + 1] > v1 || box[4 * i + 3] < v0); }
            ctx.save();
            ctx.lineJoin = "round";
            for (k = 0; k < H.buckets.length; k++) {
                // Cached zooms: one Path2D per colour from each area's own (kept) Path2D, in absolute pixels;
                // tracing 30,000 rings into the context itself is many times slower than adding paths.
                var st = t.styles[k], path = cached ? new Path2D() : ctx, dx = cached ? 0 : ox, dy = cached ? 0 : oy;
                list = H.buckets[k];
                if (!cached) { ctx.beginPath(); }
                for (n = 0; n < list.length; n++) {
                    i = list[n];
                    if (!seen(i)) { continue; }
                    var w = (box[4 * i + 2] - box[4 * i]) * s, h = (box[4 * i + 3] - box[4 * i + 1]) * s;
                    // An area under 2.5 px is its box: the same pixels, and many tiny paths are what make canvas slow.
                    if (w < 2.5 && h < 2.5) { path.rect(box[4 * i] * s - dx, box[4 * i + 1] * s - dy, Math.max(w, 1), Math.max(h, 1)); }
                    else if (cached) { path.addPath(get(i)); }
                    else { H.trace(ctx, data, keep, feats[i], s, ox, oy); }
                }
                ctx.save();
                if (cached) { ctx.translate(-ox, -oy); }
                ctx.globalAlpha = st.fillOpacity; ctx.fillStyle = st.hatch ? H.hatch(ctx) : st.fillColor;
                if (cached) { ctx.fill(path, "evenodd"); } else { ctx.fill("evenodd"); }
                if (st.status !== "ok" || z >= 9) {
                    // Outlines: thin grey between areas once they are big enough to see; missing and suppressed always.
                    ctx.globalAlpha = 1; ctx.strokeStyle = st.color;
                    ctx.lineWidth = st.status === "ok" ? (z >= 11 ? 0.5 : 0.3) : (z >= 9 ? st.weight : st.weight * 0.6);
                    ctx.setLineDash(st.dashArray ? st.dashArray.split(" ").map(Number) : []);
                    if (cached) { ctx.stroke(path); } else { ctx.stroke(); }
                }
                ctx.restore();
            }
            ctx.restore();
        };
        // Zooms up to this draw from cached Path2Ds (absolute pixels stay well inside float precision).
        H.CACHED_ZOOM = 12;
        // Each area's outline as a Path2D at zoom z (absolute pixels), built when first drawn; one zoom kept.
        H.paths = function (data, z, keep, s) {
            if (!data.paths || data.paths.z !== z) { data.paths = {z: z, list: new Array(data.feats.length)}; }
            var list = data.paths.list;
            return function (i) {
                if (!list[i]) { list[i] = new Path2D(); H.trace(list[i], data, keep, data.feats[i], s, 0, 0); }
                return list[i];
            };
        };
        H.Renderer = L.Canvas.extend({_draw: function () { H.draw(this); }});
        // ---- hit test, tooltip, highlight
        H.hit = function (latlng) {
            var data = H.data;
            if (!data) { return -1; }
            var p = map.options.crs.latLngToPoint(latlng, 0), u = p.x / 256, v = p.y / 256, gr = data.grid;
            var c = Math.floor((u - gr.x0) / gr.cw), r = Math.floor((v - gr.y0) / gr.ch);
            if (c < 0 || r < 0 || c >= gr.G || r >= gr.G) { return -1; }
            var list = gr.cells[r * gr.G + c] || [], U = data.U, V = data.V, st = data.start;
            for (var n = 0; n < list.length; n++) {
                var i = list[n], bx = data.box;
                if (u < bx[4 * i] || u > bx[4 * i + 2] || v < bx[4 * i + 1] || v > bx[4 * i + 3]) { continue; }
                var inside = false, rings = data.feats[i];
                for (var ri = 0; ri < rings.length; ri++) {
                    for (var j = 0; j < rings[ri].length; j++) {
                        var id = rings[ri][j], a = id < 0 ? ~id : id;
                        for (var q = st[a]; q + 1 < st[a + 1]; q++) {
                            var ya = V[q], yb = V[q + 1];
                            if ((ya > v) !== (yb > v) && u < (U[q + 1] - U[q]) * (v - ya) / (yb - ya) + U[q]) { inside = !inside; }
                        }
                    }
                }
                if (inside) { return i; }
            }
            return -1;
        };
        H.latlngs = function (i) {
            var data = H.data, st = data.start;
            return data.feats[i].map(function (ring) {
                var out = [];
                for (var j = 0; j < ring.length; j++) {
                    var id = ring[j], a = id < 0 ? ~id : id, pts = [];
                    for (var q = st[a]; q < st[a + 1]; q++) { pts.push([data.lat[q], data.lon[q]]); }
                    if (id < 0) { pts.reverse(); }
                    out = out.concat(out.length ? pts.slice(1) : pts);
                }
                return out;
            });
        };
        H.textOf = TEXT_OF;
        H.text = function (i) { return H.textOf(H.table, i); };
        H.tooltip = function (i) {
            var t = H.table, data = H.data, k = t.cls.charCodeAt(i) - 35, div = document.createElement("div");
            var text = H.text(i);
            var rows = [["Area", data.names[i]], ["Code", data.codes[i]], [t.title, text]];
            if (t.show_class) { rows.push([t.class_title || "Class", t.style_labels[k]]); }
            var table = document.createElement("table");
            rows.forEach(function (r) {
                var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
                th.textContent = r[0]; td.textContent = r[1]; tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
            });
            div.appendChild(table);
            return div;
        };
        H.onMove = function (e) {
            if (!H.renderer || !H.renderer._map) { return; }
            if (!e.keyboard) { H.tip.options.direction = "right"; H.tip.options.offset = [14, 0]; }
            var i = H.hit(e.latlng);
            map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
            if (i < 0) { H.leave(); return; }
            if (i !== H.hover) {
                H.hover = i;
                H.hl.setLatLngs(H.latlngs(i));
                if (!map.hasLayer(H.hl)) { H.hl.addTo(map); }
                H.tip.setContent(H.tooltip(i));
            }
            H.tip.setLatLng(e.latlng);
            if (!map.hasLayer(H.tip)) { H.tip.addTo(map); }
            H.mark("hover");
        };
        H.leave = function () {
            H.hover = -1;
            if (map.hasLayer(H.tip)) { map.removeLayer(H.tip); }
            if (map.hasLayer(H.hl)) { map.removeLayer(H.hl); }
        };
        H.onClick = function (e) {
            if (!H.renderer || !H.renderer._map || !H.owner) { return; }
            var i = H.hit(e.latlng);
            if (i < 0) { return; }
            var feature = {type: "Feature", properties: {area_code: H.data.codes[i], area_name: H.data.names[i]}, geometry: null};
            // streamlit-folium listens for clicks on the group and reads the clicked layer's GeoJSON.
            H.owner.fire("click", {latlng: e.latlng, layer: {toGeoJSON: function () { return feature; }}});
        };
        // ---- keyboard (interaction.js's keyboard, shared with the district map): the focused map shows a
        // cross at its centre; arrows pan, +/- zoom (Leaflet), the area under the cross is hovered (and read
        // out), Enter or Space opens it.
        H.keys = function () {
            (KEYS)(map).use({
                name: "national",
                priority: 0,
                label: "Map of every small area in England. Arrow keys move the map, plus and minus zoom, Enter " +
                    "opens the small area under the cross at the centre.",
                none: "No small area under the cross.",
                active: function () { return !!(H.renderer && H.renderer._map && H.data); },
                find: function (c) {
                    var i = H.hit(c);
                    return i < 0 ? null : {say: H.data.names[i] + ", " + H.data.codes[i] + ": " + H.text(i) + ". Press Enter to open it.",
                                           open: function () { H.onClick({latlng: c}); }};
                },
                show: function (c) {
                    // Below the cross, not over it; a mouse move puts it back to the pointer's right.
                    H.tip.options.direction = "bottom"; H.tip.options.offset = [0, 18];
                    H.onMove({latlng: c, keyboard: true});
                },
                leave: function () { H.leave(); },
            });
            map.getContainer().classList.add("hga-national");
        };
        H.check = function () {
            var t = H.table, codes = H.data.codes;
            var ok = t.count === codes.length && t.probes.every(function (p) { return codes[p[0]] === p[1]; });
            if (!ok) { H.status("The small areas' values do not match the boundaries; reload the page."); }
            return ok;
        };
        H.status = function (text) {
            if (!H.notice) {
                H.notice = L.control({position: "bottomleft"});
                H.notice.onAdd = function () {
                    var el = L.DomUtil.create("div", "hga-national-status");
                    el.setAttribute("role", "status");
                    el.style.cssText = "background:#fff;color:#1a1a1a;padding:3px 8px;border-radius:3px;font:12px sans-serif";
                    return el;
                };
                H.notice.addTo(map);
            }
            var el = H.notice.getContainer();
            el.textContent = text || ""; el.style.display = text ? "" : "none";
        };
        H.remove = function () {
            H.leave();
            [H.renderer, H.sel].forEach(function (l) { if (l && map.hasLayer(l)) { map.removeLayer(l); } });
        };
        H.show = function (group, table) {
            H.owner = group; H.table = table; H.mark("table");
            H.load(table.url).then(function (data) {
                if (H.owner !== group) { return; }  // a newer table arrived while loading
                H.data = data;
                if (!H.check()) { return; }
                var buckets = table.styles.map(function () { return []; });
                for (var i = 0; i < table.count; i++) { buckets[table.cls.charCodeAt(i) - 35].push(i); }
                H.buckets = buckets;
                if (!H.renderer) {
                    H.renderer = new H.Renderer({padding: 0.3, pane: H.pane("hgaNational", 390)});
                    var top = L.svg({pane: H.pane("hgaNationalTop", 450)});
                    H.hl = L.polygon([], {renderer: top, color: "#000", weight: 2.5, fill: false, interactive: false});
                    H.sel = L.polygon([], {renderer: top, color: "#000", weight: 4, fill: false, interactive: false});
                    H.tip = L.tooltip({direction: "right", offset: [14, 0], className: "hga-national-tip"});
                    map.on("mousemove", H.onMove); map.on("mouseout", H.leave); map.on("click", H.onClick);
                    H.keys();
                }
                if (!map.hasLayer(H.renderer)) { H.renderer.addTo(map); } else { H.renderer._redraw(); }
                H.leave();
                var sel = table.selected ? data.index[table.selected] : undefined;
                if (sel !== undefined) { H.sel.setLatLngs(H.latlngs(sel)); if (!map.hasLayer(H.sel)) { H.sel.addTo(map); } }
                else if (map.hasLayer(H.sel)) { map.removeLayer(H.sel); }
                H.mark("styled");
                window.hgaNationalPainted = (window.hgaNationalPainted || 0) + 1;
            }).catch(function (err) { H.status("The small areas could not be loaded: " + err.message); });
        };
    }
    group.on("remove", function () {
        setTimeout(function () {
            // Another level's layers replaced this table: take the national layer off the map too.
            if (H.owner === group) { H.remove(); H.owner = null; }
        }, 0);
    });
    H.show(group, table);
    })(MAP, GROUP, TABLE);
    // @inline end national
}

if (typeof module !== "undefined") { module.exports = {national: national}; }
