"""Stage 5: compare what the spec produces with what is on disk, and say what drifted."""
