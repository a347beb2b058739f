"""Sample data and the guided demo."""
