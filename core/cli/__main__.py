"""`python -m core.cli`: the `concerto` command without its installed script."""

import sys

from core.cli import main

sys.exit(main())
