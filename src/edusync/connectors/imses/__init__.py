"""The ``imses`` target: itslearning over IMS Enterprise Services (SOAP); see docs/imses.md."""

from edusync.connectors.imses.connector import ImsesConnector
from edusync.connectors.imses.settings import ImsesSettings

__all__ = ["ImsesConnector", "ImsesSettings"]
