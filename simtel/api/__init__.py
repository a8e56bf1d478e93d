"""Twilio's REST API (2010-04-01) and simtel's control API, served over one simulation."""

from __future__ import annotations

from simtel.api.app import create_app

__all__ = ["create_app"]
