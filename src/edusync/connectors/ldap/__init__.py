"""The ``ldap`` target connector: the Feide catalogue (eduPerson, norEdu*) in an LDAP server."""

from edusync.connectors.ldap.connector import Drift, LdapConnector
from edusync.connectors.ldap.settings import LdapSettings

__all__ = ["Drift", "LdapConnector", "LdapSettings"]
