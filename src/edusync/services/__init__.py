"""Use cases shared by the CLI, the API and the demo: they drive the engine over storage."""
