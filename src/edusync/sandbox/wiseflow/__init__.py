"""WISEflow sandbox: WISEflow's REST API over an in-memory licence.

``create_app(api_token=…)`` serves it; see ``docs/sandbox-wiseflow.md`` for the routes.
"""

from edusync.sandbox.wiseflow.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
