"""Streamlit pages: one module per page (``map``, ``about``) and shared ``widgets``.

Pages only wire widgets, state and layout; data and statistics come from ``geo``,
map layers and documents from ``layers``.
"""
