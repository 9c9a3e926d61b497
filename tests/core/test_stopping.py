"""A request to stop stops the build it names, whether it comes before or during it, and no other."""

import pytest

from core import stopping


@pytest.fixture(autouse=True)
def _nothing_running():
    yield
    stopping.allow(None)


def test_a_build_asked_to_stop_while_it_runs_stops_at_the_next_check():
    stopping.allow(1)
    stopping.check()
    stopping.ask(1)
    with pytest.raises(stopping.BuildStopped):
        stopping.check()
    stopping.check()  # the request is used up


def test_a_request_that_comes_before_its_build_starts_stops_it_at_once():
    stopping.ask(2)
    stopping.allow(2)
    with pytest.raises(stopping.BuildStopped):
        stopping.check()


def test_a_request_that_comes_after_its_build_ended_stops_no_later_build():
    stopping.allow(3)
    stopping.allow(None)  # build 3 ended before the request came
    stopping.ask(3)
    stopping.check()
    stopping.allow(4)
    stopping.check()


def test_a_build_that_may_not_be_stopped_goes_on():
    stopping.allow(None)
    stopping.ask(5)
    stopping.check()
