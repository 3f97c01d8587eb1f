import sys

from xpressoflow.cli import main

sys.exit(main())
