"""``python -m gdflow ...``: the same as the ``gdflow`` command."""

import sys

from gdflow.cli import main

sys.exit(main())
