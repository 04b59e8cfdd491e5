"""Bounded waits, the only ones the tests and benches use: no test sleeps to wait for
something, it waits for that thing, bounded, and says what it waited for when it fails.

- ``wait_until``: a condition's first true value within a timeout (polled); its asyncio
  twin ``wait_until_async`` for a test whose server runs in the same event loop;
- ``holds_for``: a condition true at every look over a measured window (no failback, nothing
  moved...);
- ``window``: the looks of such a window, for a caller that records what it sees (a fault's
  witnesses) rather than asserting.

A sleep that *is* a fault's duration (a node frozen 1.5 s, qnetd down 10 s) is not a wait:
``fault_lasts`` says so where it is used.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
SHOWN = 400  # characters of the last value an error shows


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = 0.25,
               what: str = "the condition", *, diagnose: Callable[[], str] | None = None,
               fail: bool = True) -> T | None:
    """``predicate``'s first true value within ``timeout`` s, looked at every ``interval`` s
    (an exception it raises - a node restarting, a file not written yet - is "not yet").
    On timeout: an AssertionError naming ``what``, the last value seen (or exception) and
    what ``diagnose()`` says; or None when ``fail`` is false (a caller recording the outcome
    as a fact, a fault's bench)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            last = repr(value)
        except Exception as error:  # noqa: BLE001 - not yet; shown if it lasts
            value, last = None, f"{type(error).__name__}: {error}"
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    if not fail:
        return None
    raise timed_out(timeout, what, last, diagnose() if diagnose else "")


async def wait_until_async(look: Callable[[], Awaitable[T]], timeout: float,
                           interval: float = 0.05, what: str = "the condition", *,
                           accept: Callable[[T], object] = bool) -> T:
    """``wait_until`` for a test whose server runs in the caller's event loop (a blocking
    wait would stop it): ``await look()`` until ``accept`` takes its value, which is
    returned; on timeout an AssertionError naming ``what`` and the last value seen."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await look()
        if accept(value):
            return value
        if asyncio.get_running_loop().time() >= deadline:
            raise timed_out(timeout, what, repr(value))
        await asyncio.sleep(interval)


def timed_out(timeout: float, what: str, last: str, said: str = "") -> AssertionError:
    shown = last if len(last) <= SHOWN else last[:SHOWN] + "..."
    return AssertionError(f"timed out after {timeout}s waiting for {what} (last seen: {shown})"
                          + (f"\n{said}" if said else ""))


def window(seconds: float, interval: float = 0.5) -> Iterator[float]:
    """The looks of a measured window of ``seconds``: yields the seconds left, ``interval``
    apart, first at once and last at the window's end."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        yield max(0.0, left)
        if left <= 0:
            return
        time.sleep(min(interval, left))


def holds_for(predicate: Callable[[], object], seconds: float, interval: float = 0.5,
              what: str = "the condition") -> None:
    """``predicate`` true at every look for ``seconds`` (a measured window, not a sleep: an
    AssertionError naming ``what`` at the first look that says otherwise)."""
    for left in window(seconds, interval):
        value = predicate()
        assert value, (f"{what} stopped holding {seconds - left:.1f}s into its {seconds}s "
                       f"window (last seen: {value!r})")


def fault_lasts(seconds: float) -> None:
    """The fault lasts this long (a node frozen, a device down): the fault's own duration,
    not a wait for a condition."""
    time.sleep(max(0.0, seconds))
