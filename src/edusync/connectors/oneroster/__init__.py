"""The ``oneroster-csv`` connector: OneRoster 1.1/1.2 CSV packages in, OneRoster 1.2 packages out."""

from edusync.connectors.oneroster.connector import OneRosterConnector
from edusync.connectors.oneroster.settings import OneRosterSettings

__all__ = ["OneRosterConnector", "OneRosterSettings"]
