"""Types every command module shares (kept apart so no command imports ``cli.main``)."""

from __future__ import annotations

import argparse
from typing import TypeAlias

#: What ``ArgumentParser.add_subparsers()`` returns; each command adds its sub-parser to it.
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
