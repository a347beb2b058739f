"""The ``files`` connector: CSV or JSON files in, JSON Lines out."""

from edusync.connectors.files.connector import FilesConnector, FilesSettings

__all__ = ["FilesConnector", "FilesSettings"]
