"""``edusync forecast``: a run on a later day, evaluated in a transaction that is rolled back."""
