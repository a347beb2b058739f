"""A sandbox of itslearning's IMS Enterprise Services (SOAP): persons, groups, memberships, trash."""

from edusync.sandbox.imses.app import COMBINED, create_app

__all__ = ["COMBINED", "create_app"]
