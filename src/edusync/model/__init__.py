"""Pure data: identifiers, national ids, staged and joined objects, changes."""
