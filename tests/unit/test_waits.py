"""The tests' one bounded wait (tests/helpers/waits.py): it returns the first true value,
gives up in time naming what it waited for and what it last saw, and a window holds or says
when it stopped holding."""

import time

import pytest

from helpers.waits import holds_for, wait_until, wait_until_async, window


def test_the_first_true_value_is_returned():
    values = iter([0, None, "", "there"])
    assert wait_until(lambda: next(values), 5, 0.01, "a value") == "there"


def test_a_timeout_names_what_was_awaited_and_the_last_value_seen():
    started = time.monotonic()
    with pytest.raises(AssertionError) as error:
        wait_until(lambda: sorted({"ff-node1"} - {"ff-node1"}), 0.3, 0.05, "HPSA on a node")
    assert time.monotonic() - started < 2
    assert str(error.value) == "timed out after 0.3s waiting for HPSA on a node (last seen: [])"


def test_an_exception_is_not_yet_and_is_shown_when_it_lasts():
    def broken():
        raise OSError("connection refused")
    with pytest.raises(AssertionError, match=r"\(last seen: OSError: connection refused\)"):
        wait_until(broken, 0.1, 0.02, "the node")
    assert wait_until(broken, 0.1, 0.02, "the node", fail=False) is None


def test_a_window_holds_or_says_when_it_stopped():
    holds_for(lambda: True, 0.2, 0.05, "always")
    ends = time.monotonic() + 0.15
    with pytest.raises(AssertionError,
                       match=r"no failback stopped holding 0\.[1-3]s into its 1\.0s window"):
        holds_for(lambda: time.monotonic() < ends, 1.0, 0.05, "no failback")
    started = time.monotonic()
    looks = list(window(0.3, 0.1))
    assert 0.3 <= time.monotonic() - started < 1 and 3 <= len(looks) <= 5 and looks[-1] == 0


def test_the_asyncio_twin_waits_without_blocking_its_loop():
    import asyncio

    async def scenario():
        answers = iter(["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 503 Unavailable"])

        async def ask():
            return next(answers, "HTTP/1.1 503 Unavailable")
        got = await wait_until_async(ask, 2, 0.01, "503", accept=lambda a: a.endswith("able"))
        with pytest.raises(AssertionError, match=r"waiting for 200 \(last seen: 'HTTP/1.1 503"):
            await wait_until_async(ask, 0.1, 0.01, "200", accept=lambda a: "200" in a)
        return got
    assert asyncio.run(scenario()) == "HTTP/1.1 503 Unavailable"
