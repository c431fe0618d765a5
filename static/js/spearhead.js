// The Spearhead map's script (layers/spearhead.py inlines it; see layers/js.py for the markers).
// node loads this file in tests/js.

// LabelsFromZoom: hide the area labels below a zoom (a CSS class on the map's container).
// MAP: the map; ZOOM: the first zoom that shows them.
function labelsFromZoom(MAP, ZOOM) {
    // @inline begin labelsFromZoom
    (function () {
        var m = MAP;
        function toggle() { m.getContainer().classList.toggle('hga-labels-off', m.getZoom() < ZOOM); }
        m.on('zoomend', toggle);
        toggle();
    })();
    // @inline end labelsFromZoom
}

if (typeof module !== "undefined") { module.exports = {labelsFromZoom: labelsFromZoom}; }
