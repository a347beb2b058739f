"""What the edges (the CLI, the APIs, the demo) call: runs, objects, exams. Each drives the pipeline over storage."""
