"""The web console of `simtel serve`: see and drive a live simulation in a browser.

Server-rendered pages (Jinja2 templates, one stylesheet, one small script: no CDN, no build
step) at `/_simtel/console` (and `/`, which redirects there), behind the account's credentials
(`simtel.console.auth`). Pages read the store with paged queries; actions go through simtel's
own REST and control APIs in process (`simtel.console.client`); live regions follow the
simulation over server-sent events (`simtel.console.live`). `routes(sim)` is a route factory for
`simtel.api.app.create_app(sim, extra=...)`, which `simtel.server` uses.
"""

from __future__ import annotations

from simtel.console.routes import routes
from simtel.console.site import PREFIX

__all__ = ["PREFIX", "routes"]
