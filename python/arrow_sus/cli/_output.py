"""Shared output helpers for CLI commands."""

from __future__ import annotations

import json
from typing import Any

from arrow_sus.cli._app import console


def print_json(value: Any) -> None:
    """Prints one JSON document on stdout (what every command prints under --json)."""
    console.print_json(json.dumps(value, default=str, ensure_ascii=False))
