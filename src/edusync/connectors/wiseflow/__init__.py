"""The ``wiseflow`` connector: exam flows in WISEflow (UNIwise), and their grades read back."""

from edusync.connectors.wiseflow.connector import AllocationOutcome, WiseflowConnector
from edusync.connectors.wiseflow.grades import Mark
from edusync.connectors.wiseflow.settings import WiseflowSettings

__all__ = ["AllocationOutcome", "Mark", "WiseflowConnector", "WiseflowSettings"]
