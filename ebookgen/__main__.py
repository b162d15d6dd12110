"""Allow ``python -m ebookgen``."""

import sys

from ebookgen.cli import main

sys.exit(main())
