"""The ``pack`` command: the one-page community-meeting pack for an area, as PDF, HTML and PNG.

The content is :func:`geo.pack.build`; the files are :mod:`documents.pack`, as on the
meeting-pack page.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from documents.pack import map_png, pack_html, pack_pdf
from geo.pack import build

if TYPE_CHECKING:
    from cli._types import SubParsers

__all__ = ["add_pack"]


def add_pack(sub: SubParsers) -> None:
    """``python -m geo pack CODE [--pdf FILE] [--html FILE] [--png FILE]``."""
    p = sub.add_parser("pack", help="make the one-page community-meeting pack for an area",
                       description="Make the one-page pack for a local authority, upper-tier authority or PCT.")
    p.add_argument("code", help="an area code of any vintage, e.g. E08000012")
    p.add_argument("--pdf", default=None, help="write the one-page A4 PDF here")
    p.add_argument("--html", default=None, help="write the self-contained HTML page here")
    p.add_argument("--png", default=None, help="write the map as PNG here")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    pack = build(args.code)
    if not (args.pdf or args.html or args.png):
        print("Nothing to write: give --pdf, --html and/or --png.", file=sys.stderr)
        return 2
    image = map_png(pack) if (args.png or args.pdf) else b""
    if args.png:
        Path(args.png).write_bytes(image)
    if args.pdf:
        Path(args.pdf).write_bytes(pack_pdf(pack, map_image=image))
    if args.html:
        Path(args.html).write_text(pack_html(pack), encoding="utf-8")
    print(pack.title)
    for sentence in (*pack.sentences, *pack.lag):
        print(f"- {sentence}")
    print(pack.spearhead)
    print(f"Made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
