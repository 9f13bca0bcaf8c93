"""`agent-desktop server` (being built; the owning helper replaces this file)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this group's subcommands to the parser."""
