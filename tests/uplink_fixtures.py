"""pytest fixtures shared by tests/hub and tests/sync: one throwaway
PostgreSQL per test session, a fresh pb-hub database per test, boxes."""
import os
import tempfile

import pytest

from pbhub import Hub, Postgres
from pbtest import Box


@pytest.fixture(scope="session")
def pg():
    p = Postgres().start()
    yield p
    p.stop()


@pytest.fixture
def tmpdir_hub():
    with tempfile.TemporaryDirectory(prefix=f"pbhubt-{os.getpid()}-") as d:
        yield d


@pytest.fixture
def hub(pg, tmpdir_hub):
    h = Hub(pg, tmpdir_hub).start()
    yield h
    h.stop()


@pytest.fixture
def boxes():
    made = []

    def make(**kw):
        b = Box(**kw)
        made.append(b)
        return b
    yield make
    for b in made:
        b.close()


@pytest.fixture
def khub(pg, tmpdir_hub):
    """pb-hub serving with its signing key (-k): it signs the
    acknowledgements it writes to a USB stick."""
    key = os.path.join(tmpdir_hub, "hub.key")
    h = Hub(pg, tmpdir_hub, args=["-k", key]).start()
    h.key = key
    yield h
    h.stop()
