"""``python -m implsupport.cli``."""

import sys

from . import main

sys.exit(main())
