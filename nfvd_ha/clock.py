"""Time, injectable: code that waits takes a clock, so unit tests never really sleep."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Clock:
    """The real clock."""

    monotonic = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def wait_for(self, predicate: Callable[[], T], timeout: float, interval: float) -> T:
        """Poll ``predicate`` until it returns something true or ``timeout`` passes;
        returns its last value."""
        deadline = self.monotonic() + timeout
        while True:
            value = predicate()
            if value or self.monotonic() >= deadline:
                return value
            self.sleep(min(interval, max(0.0, deadline - self.monotonic())))


REAL = Clock()
