"""`python -m sufficiency`: the command line (how `serve` starts its worker processes)."""

from sufficiency.cli import main

main()
