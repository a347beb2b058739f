"""A sandbox of itslearning's IMS Enterprise Services (SOAP): persons, groups, memberships, trash."""

from edusync.sandbox.imses.app import create_app
from edusync.sandbox.imses.spec.actions import COMBINED

__all__ = ["COMBINED", "create_app"]
