"""Allow ``python -m exitkg``."""

import sys

from exitkg.cli import main

if __name__ == "__main__":
    sys.exit(main())
