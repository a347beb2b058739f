"""A real SCIM 2.0 service for the tests, the demo and the benchmark: scim2-server, a third-party library.

It is not a sandbox the project wrote: scim2-server implements RFC 7643/7644 on its own (users,
groups, the enterprise extension, filters, paging, PATCH, Bulk, ETags, uniqueness), and edusync
only serves it on a loopback port (:class:`ScimServer`, with uvicorn, as the other sandboxes are
served) and wraps it so that every exchange is recorded and checked (``app.state.system`` is
``scim``; the checker is :class:`edusync.sandbox.scim.spec.ScimChecker`). :class:`Controls`
let a test make the service misbehave the way real ones do: stop answering after a write it
carried out (then restart it with the same storage), or lose a resource just before a write.
"""

from edusync.sandbox.scim.server import Controls, ScimServer, create_app, provider

__all__ = ["Controls", "ScimServer", "create_app", "provider"]
