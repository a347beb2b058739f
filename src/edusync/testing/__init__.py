"""Contract test suites that every connector and every storage backend must pass.

Subclass :class:`~edusync.testing.connector_contract.ConnectorContract` or
:class:`~edusync.testing.storage_contract.StorageContract` in your tests and
provide the fixtures their docstrings name. Needs pytest (a dev dependency).
"""
