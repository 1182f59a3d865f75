"""`python -m reportqa` is the `reportqa` command."""
import sys

from reportqa.cli import main

sys.exit(main(sys.argv[1:]))
