"""Stage 4: put formatted regions somewhere: a header under generated/, or a kernel tree."""
