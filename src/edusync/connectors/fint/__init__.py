"""The FINT connector (county SIS through FINT's HAL JSON API)."""

from edusync.connectors.fint.connector import FintConnector

__all__ = ["FintConnector"]
