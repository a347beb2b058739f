"""The engine: pure computation over plain objects (criteria, flows, precedence, lifecycle, diff, gate)."""
