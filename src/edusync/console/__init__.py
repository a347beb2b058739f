"""The operations console: a REST API (``/api/v1``) and a server-rendered web UI over edusync's database.

:mod:`edusync.console.app` builds the ASGI app ``edusync serve`` runs; storage is read only
through :mod:`edusync.services`.
"""
