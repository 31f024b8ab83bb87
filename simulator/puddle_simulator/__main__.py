import sys

from puddle_simulator.cli import main

sys.exit(main())
