// The national map's number formatter and value texts (static/js/format.js) in node: the browser must
// write each value as geo.classify.NumberFormat.number and layers.choropleth do on the server.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const {script} = require("./fakes.js");

const {format, valueText} = script("format.js");
const number = format();
const text = valueText(number, "~");

test("format writes n / 10**dec with thousands separators", function () {
    assert.equal(number(12345, 1, false), "1,234.5");
    assert.equal(number(793, 1, false), "79.3");
    assert.equal(number(100000000, 2, false), "1,000,000.00");
    assert.equal(number(999, 0, false), "999");
    assert.equal(number(1000, 0, false), "1,000");
    assert.equal(number(0, 2, false), "0.00");
    assert.equal(number(5, 3, false), "0.005");  // padded with zeros before the point
    assert.equal(number(-4, 2, false), "-0.04");
    assert.equal(number(-325000, 2, false), "-3,250.00");
    assert.equal(number(812, 1, true), "81.2%");
    assert.equal(number(1234567, 0, true), "1,234,567%");
});

/** A table of continuous values as layers.national.value_table sends it (one style per area). */
function numbers(num, unit, statuses) {
    const styles = statuses.map(function (s) { return {status: s}; });
    return {num: num, unit: unit, texts: null, ti: null, styles: styles,
            cls: statuses.map(function (_, i) { return String.fromCharCode(35 + i); }).join("")};
}

test("valueText writes the value, the unit and the 95% CI of each area", function () {
    const t = numbers({v: "7050,8025,,,12345", lo: "7000,,,,12000", hi: "7100,,,,12500", dec: 2, pct: false,
                       suppressed: "Suppressed", missing: "No data"}, " years", ["ok", "ok", "suppressed", "missing", "ok"]);
    assert.deepEqual([0, 1, 2, 3, 4].map(function (i) { return text(t, i); }), [
        "70.50 years (95% CI 70.00 to 71.00)",
        "80.25 years",                    // no CI: only the value
        "Suppressed",                     // no value: the status says why
        "No data",
        "123.45 years (95% CI 120.00 to 125.00)",
    ]);
    assert.deepEqual(t.num.values, [7050, 8025, null, null, 12345]);  // parsed once, on first use
});

test("valueText writes percentages with % on the CI and the unit on the value", function () {
    const t = numbers({v: "125,-30", lo: "120,-45", hi: "130,-15", dec: 1, pct: true,
                       suppressed: "Suppressed", missing: "No data"}, "%", ["ok", "ok"]);
    assert.equal(text(t, 0), "12.5% (95% CI 12.0% to 13.0%)");
    assert.equal(text(t, 1), "-3.0% (95% CI -4.5% to -1.5%)");
});

test("valueText writes decile and other texts sent once, the unit where the mark is", function () {
    const t = {num: null, unit: " per 1,000", texts: ["decile 3 of 10 (1 = most deprived)", "5.0~", "No data"],
               ti: [0, 1, 2, 0], styles: [], cls: ""};
    assert.deepEqual([0, 1, 2, 3].map(function (i) { return text(t, i); }),
                     ["decile 3 of 10 (1 = most deprived)", "5.0 per 1,000", "No data", "decile 3 of 10 (1 = most deprived)"]);
});
