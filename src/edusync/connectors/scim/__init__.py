"""The ``scim`` target connector: users, groups and memberships into a SCIM 2.0 service (RFC 7643/7644)."""

from edusync.connectors.scim.connector import ScimConnector
from edusync.connectors.scim.settings import ScimSettings

__all__ = ["ScimConnector", "ScimSettings"]
