import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netlab import Lab  # noqa: E402


@pytest.fixture(scope="module")
def lab():
    """A box and a phone namespace joined by a veth pair, per test module."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    lab = Lab()
    try:
        lab.setup()
        yield lab
    finally:
        lab.close()
