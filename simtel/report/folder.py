"""A results folder, as `simtel run --out DIR` writes it (and `simtel.report.data` reads it)."""

from __future__ import annotations

DB_NAME = "simtel.db"
EVENTS_NAME = "events.jsonl"
SUMMARY_NAME = "summary.json"
MEDIA_DIR = "media"
