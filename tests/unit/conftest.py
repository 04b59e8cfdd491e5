"""Fixtures of the unit tier: the one fake runner and a fake clock (tests/helpers/fakes)."""

import pytest

from helpers.fakes import FakeClock, FakeRunner


@pytest.fixture
def runner():
    fake = FakeRunner()
    yield fake
    assert not fake.unused(), f"scripted commands never run: {fake.unused()}"


@pytest.fixture
def clock():
    return FakeClock()
