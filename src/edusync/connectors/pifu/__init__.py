"""The ``pifu-xml`` connector: PIFU-IMS 1.3 (IMS Enterprise 1.1) files for learning platforms such as itslearning."""

from edusync.connectors.pifu.connector import PifuConnector
from edusync.connectors.pifu.settings import PifuSettings

__all__ = ["PifuConnector", "PifuSettings"]
