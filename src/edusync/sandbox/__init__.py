"""Sandboxes: small servers that speak the real systems' APIs over seeded, synthetic data."""
