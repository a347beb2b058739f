"""The Feide-compatible groups API: Feide group objects served from the metaverse (docs/groups-api.md).

``settings`` (the ``groups_api:`` config block), ``ids`` and ``mapping`` (pure:
metaverse objects → Feide JSON), ``catalogue`` (what the metaverse holds, kept
in memory), ``service`` (the answers), ``tokens`` (bearer tokens), ``app`` (HTTP).
This package imports nothing heavy on its own, so the config can name its model.
"""
