// How the national small-area map writes its values in the browser (layers/national.py inlines these
// scripts as FORMAT_JS and TEXT_JS; see layers/js.py for the markers). node loads this file in tests/js.

// Writes an integer from layers.national.value_table's ``num`` as geo.classify.NumberFormat.number does:
// ``n`` is the value times 10**``dec``, so 12345 with 1 decimal is "1,234.5" (with ``pct``, "1,234.5%").
function format() {
    return (
        // @inline begin format
        function (n, dec, pct) {
            var s = String(Math.abs(n)), whole = s, frac = "";
            if (dec > 0) {
                while (s.length <= dec) { s = "0" + s; }
                whole = s.slice(0, s.length - dec); frac = "." + s.slice(s.length - dec);
            }
            return (n < 0 ? "-" : "") + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + frac + (pct ? "%" : "");
        }
        // @inline end format
    );
}

// The value text of area ``i`` of a table from layers.national.value_table, as layers.choropleth writes
// it for the other levels (numbers parsed on first use). NUMBER: the script ``format`` above;
// UNIT_MARK: where the unit goes in a table's texts (layers.national.UNIT_MARK, as a JS string).
function valueText(NUMBER, UNIT_MARK) {
    return (
        // @inline begin valueText
        function (t, i) {
            var number = NUMBER, n = t.num, parse = function (s) {
                return s ? s.split(",").map(function (x) { return x === "" ? null : +x; }) : null;
            };
            if (!n) { return t.texts[t.ti[i]].replace(UNIT_MARK, t.unit); }
            if (!n.values) { n.values = parse(n.v); n.lows = parse(n.lo); n.highs = parse(n.hi); }
            var v = n.values[i];
            if (v === null) { return t.styles[t.cls.charCodeAt(i) - 35].status === "suppressed" ? n.suppressed : n.missing; }
            var text = number(v, n.dec, false) + t.unit;
            if (n.lows && n.lows[i] !== null && n.highs[i] !== null) {
                text += " (95% CI " + number(n.lows[i], n.dec, n.pct) + " to " + number(n.highs[i], n.dec, n.pct) + ")";
            }
            return text;
        }
        // @inline end valueText
    );
}

if (typeof module !== "undefined") { module.exports = {format: format, valueText: valueText}; }
