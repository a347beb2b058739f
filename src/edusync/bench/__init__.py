"""``edusync bench``: the county-scale benchmark."""
