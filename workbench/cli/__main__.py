"""`python -m workbench.cli` runs the command (used by subprocess tests)."""

from workbench.cli import main

main()
