"""``python -m gdflow.checks.grade SPEC.toml [ANSWERS.csv] ...``: the ``gdflow grade`` command."""

import sys

from .cli import main

sys.exit(main())
