import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import Box  # noqa: E402


@pytest.fixture
def box():
    b = Box()
    b.start()
    yield b
    b.close()


@pytest.fixture
def make_box():
    boxes = []

    def make(**kw):
        b = Box(**kw)
        boxes.append(b)
        return b
    yield make
    for b in boxes:
        b.close()
