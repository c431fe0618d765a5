"""``python -m cli <command>``: the same as ``python -m geo <command>``; only the entry point."""

from __future__ import annotations

from cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
