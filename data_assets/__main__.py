import sys

from data_assets.cli import main

sys.exit(main())
