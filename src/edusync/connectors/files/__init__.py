"""The ``files`` connector: CSV or JSON files in, JSON Lines out."""

from edusync.connectors.files.connector import FilesConnector
from edusync.connectors.files.settings import FilesSettings

__all__ = ["FilesConnector", "FilesSettings"]
