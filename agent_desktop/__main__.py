import sys

from agent_desktop.cli import main

sys.exit(main())
