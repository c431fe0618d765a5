"""Tests for the maps' own JavaScript (static/js) and layers.js, which inlines it into the pages.

node parses every file (``node --check``) and runs the node tests in tests/js (``node --test``):
number formatting, the national map's hit test and keyboard, the tooltips.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import folium
import pytest

from layers import js
from layers.interaction import PromptClick, SteadyFocus

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(js.JS_DIR.glob("*.js"))
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def test_the_scripts_are_there() -> None:
    assert {p.name for p in SCRIPTS} >= {"choropleth.js", "format.js", "interaction.js", "national.js", "spearhead.js"}


@needs_node
@pytest.mark.parametrize("path", SCRIPTS, ids=[p.name for p in SCRIPTS])
def test_node_parses_each_script(path: Path) -> None:
    out = subprocess.run([str(NODE), "--check", str(path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


@needs_node
def test_the_node_tests_pass() -> None:
    out = subprocess.run([str(NODE), "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", out.stdout, flags=re.MULTILINE))
    assert int(counts["tests"]) >= 15 and counts["pass"] == counts["tests"] and counts["fail"] == "0", out.stdout[-2000:]


def test_every_marked_script_is_one_function_whose_parameters_python_fills_in() -> None:
    for path in SCRIPTS:
        text = path.read_text(encoding="utf-8")
        names = re.findall(r"^\s*// @inline begin (\w+)$", text, flags=re.MULTILINE)
        assert names, path.name
        for name in names:
            params = re.search(rf"^function {name}\(([^)]*)\)", text, flags=re.MULTILINE)
            assert params is not None, f"{path.name}: {name}"
            # inline() refuses values that are not exactly the parameters; any text will do here.
            js.inline(path.name, name, **{p.strip(): "x" for p in params.group(1).split(",") if p.strip()})


def test_the_page_gets_the_lines_between_the_markers_with_the_values(tmp_path, monkeypatch) -> None:
    (tmp_path / "s.js").write_text(
        "function s(MAP, ZOOM) {\n    // @inline begin s\n    MAP.on('zoomend', function () {\n"
        "        MAP_ZOOM(ZOOM);\n    });\n    // @inline end s\n}\n", encoding="utf-8")
    monkeypatch.setattr(js, "JS_DIR", tmp_path)
    js._source.cache_clear()
    try:
        assert js.inline("s.js", "s", MAP="{{ m }}", ZOOM="7") == "{{ m }}.on('zoomend', function () {\n    MAP_ZOOM(7);\n});"
        assert js.inline("s.js", "s", indent=4, MAP="m", ZOOM="7").split("\n")[1] == "        MAP_ZOOM(7);"
        with pytest.raises(ValueError, match="Expected values for"):
            js.inline("s.js", "s", MAP="m")
        with pytest.raises(ValueError, match="@inline begin t"):
            js.inline("s.js", "t")
        (tmp_path / "j.js").write_text("function j() {\n// @inline begin j\nvar a = {{ b }};\n// @inline end j\n}\n")
        with pytest.raises(ValueError, match="jinja"):
            js.inline("j.js", "j")
    finally:
        js._source.cache_clear()


def test_the_rendered_page_carries_the_script_from_its_file() -> None:
    m = folium.Map(location=(52.8, -1.6), zoom_start=6, tiles=None)
    SteadyFocus().add_to(m)
    PromptClick().add_to(m)
    html = m.get_root().render()
    for name in ("steadyFocus", "promptClick"):
        assert js.inline("interaction.js", name, indent=8, MAP=m.get_name()) in html
