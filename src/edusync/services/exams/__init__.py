"""The exam cycle as the edges call it: ``exams sync`` (FS → WISEflow) and the grade export back to FS."""
