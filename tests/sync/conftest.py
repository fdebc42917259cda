import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from uplink_fixtures import boxes, hub, khub, pg, tmpdir_hub  # noqa: E402,F401
