"""`python -m fraudwatch ...` is the `fraudwatch` command."""
from fraudwatch.cli import main

main()
