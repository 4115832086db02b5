"""The node's event loop: uvloop by default, asyncio's own when told (or when uvloop is missing)."""

from __future__ import annotations

import asyncio
import importlib.util
import sys

import pytest

from impl.runtime.cluster import ClusterError
from impl.runtime.server import use_event_loop


@pytest.fixture
def policy():
    old = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(old)


def loop_module() -> str:
    loop = asyncio.new_event_loop()
    try:
        return type(loop).__module__.split(".")[0]
    finally:
        loop.close()


def test_uvloop_is_the_default_and_false_keeps_asyncios_loop(policy):
    use_event_loop({"uvloop": False})
    assert loop_module() == "asyncio"
    use_event_loop({})  # (`make setup` installs uvloop; a venv made before it came runs asyncio's loop)
    assert loop_module() == ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")


def test_a_missing_uvloop_falls_back_unless_asked_for(policy, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    use_event_loop({})
    assert loop_module() == "asyncio"
    with pytest.raises(ClusterError, match='"uvloop": true, but uvloop is not installed'):
        use_event_loop({"uvloop": True})
