"""`python -m reliability`: see reliability/run.py."""

import sys

from reliability.run import main

sys.exit(main())
