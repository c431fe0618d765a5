// How the map behaves under a person's mouse inside the Streamlit page (layers/interaction.py inlines
// these scripts; see layers/js.py for the markers). MAP: the map. node loads this file in tests/js.

// SteadyFocus: keep the page still when the map takes keyboard focus (focus({preventScroll: true})).
function steadyFocus(MAP) {
    // @inline begin steadyFocus
    (function () {
        var container = MAP.getContainer();
        var focus = container.focus;
        container.focus = function () { return focus.call(container, {preventScroll: true}); };
    })();
    // @inline end steadyFocus
}

// PromptClick: send a click on an area to the server at once, not after streamlit-folium's 250 ms
// pause, as the value the component would send (and record it as sent, so it is not sent twice).
function promptClick(MAP) {
    // @inline begin promptClick
    MAP.on("click", function () {
        var data = window.__GLOBAL_DATA__, lib = window.Streamlit;
        if (!data || !lib || !data.last_active_drawing || !data.returned_objects) { return; }
        var all = {last_object_clicked: data.last_object_clicked, last_active_drawing: data.last_active_drawing};
        var value = {};
        Object.keys(all).forEach(function (k) { if (data.returned_objects.indexOf(k) >= 0) { value[k] = all[k]; } });
        if (JSON.stringify(value) === JSON.stringify(data.previous_data)) { return; }
        data.previous_data = value;
        lib.setComponentValue(value);
    });
    // @inline end promptClick
}

if (typeof module !== "undefined") { module.exports = {steadyFocus: steadyFocus, promptClick: promptClick}; }
