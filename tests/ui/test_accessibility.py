"""The accessibility statement page (AppTest): GOV.UK's model headings in order, each known problem, operator text."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import accessibility

SCRIPT = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
    "from ui.accessibility import accessibility_page\naccessibility_page()"
)
#: GOV.UK's model accessibility statement, its headings in their order.
MODEL_HEADINGS = [
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "Compliance status",
    "Non-accessible content",
    "Non-compliance with the accessibility regulations",
    "Disproportionate burden",
    "Content that's not within the scope of the accessibility regulations",
    "What we're doing to improve accessibility",
    "Preparation of this accessibility statement",
    "How we tested this website",
]


def _page() -> AppTest:
    return AppTest.from_string(SCRIPT, default_timeout=30).run()


def _walk(node: object) -> list[object]:
    """Every element under ``node``, in the page's order."""
    found = [node]
    for child in getattr(node, "children", {}).values():
        found += _walk(child)
    return found


def _text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [str(h.proto.body) for h in at.get("html")])


def test_the_model_headings_in_order_and_each_known_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(accessibility.OPERATOR_NAME_ENV, raising=False)
    monkeypatch.delenv(accessibility.ACCESSIBILITY_CONTACT_ENV, raising=False)
    at = _page()
    assert not at.exception
    assert [t.value for t in at.title] == [accessibility.TITLE]
    headings = [e.value for e in _walk(at.main) if getattr(e, "type", "") in ("header", "subheader")]
    assert headings == MODEL_HEADINGS
    text = _text(at)
    assert "partially compliant with the [Web Content Accessibility Guidelines version 2.2]" in text
    for problem in accessibility.PROBLEMS:
        assert problem.criterion in text and problem.what in text
    assert "Equality Advisory and Support Service" in text
    assert f"prepared on {accessibility.PREPARED.day} {accessibility.PREPARED:%B %Y}" in text
    assert "the organisation that publishes this copy of the atlas" in text  # no operator named: said so


@pytest.mark.parametrize(
    ("name", "contact", "shown"),
    [
        ("Liverpool City Council", "accessibility@liverpool.example", "accessibility@liverpool.example"),
        ("<script>alert(1)</script> Council", "**bold** [x](javascript:alert(1))", "**bold** [x](javascript:alert(1))"),
    ],
    ids=["plain", "hostile"],
)
def test_the_operator_and_contact_are_shown_as_text(monkeypatch: pytest.MonkeyPatch, name: str, contact: str,
                                                    shown: str) -> None:
    monkeypatch.setenv(accessibility.OPERATOR_NAME_ENV, name)
    monkeypatch.setenv(accessibility.ACCESSIBILITY_CONTACT_ENV, contact)
    at = _page()
    html_text = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert f"This website is run by {name.replace('<', '&lt;').replace('>', '&gt;')}." in html_text
    assert "<script>" not in html_text
    assert f"<strong>{shown}</strong>" in html_text
    assert all(contact not in m.value for m in at.markdown)  # never through markdown


def test_dragging_is_no_longer_a_known_problem_and_how_it_was_tested_is_said() -> None:
    """The maps' pan buttons meet 2.5.7 (tests/browser/test_pan_buttons.py): not listed as failing, listed as tested."""
    assert all(not p.criterion.startswith("2.5.7") for p in accessibility.PROBLEMS)
    text = _text(_page())
    assert "2.5.7" not in text
    assert "- **Dragging**: the browser tests move the map of districts and the national small-area map" in text
