"""The CLI tests' helpers are the shared ones (``tests/cli_process.py``)."""

from __future__ import annotations

from cli_process import assert_one_line_error, cuecard, json_events

__all__ = ["assert_one_line_error", "cuecard", "json_events"]
