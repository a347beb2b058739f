"""The ``sds-csv`` connector: Microsoft School Data Sync v2.1 CSV packages out."""

from edusync.connectors.oneroster.settings import SdsSettings
from edusync.connectors.sds.connector import SdsConnector

__all__ = ["SdsConnector", "SdsSettings"]
