"""`quick_init`: the same class as the dataclass makes, built faster."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import InitVar, dataclass, field
from typing import Any

import pytest

from simtel.audio.sources import Voice
from simtel.audio.spurts import TalkSpurts
from simtel.audio.timeline import Segment
from simtel.engine.calls.parties import Party, SpeechPlan
from simtel.quickinit import SOURCE_NAME, quick_init


def shapes(slots: bool) -> tuple[type[Any], type[Any]]:
    """The same frozen dataclass twice, the second with `quick_init`."""

    def make() -> type[Any]:
        @dataclass(frozen=True, slots=slots)
        class Value:
            a: int
            b: tuple[int, ...] = ()
            c: list[int] = field(default_factory=list)
            d: str = field(default="x", kw_only=True)

            def __post_init__(self) -> None:
                if self.a < 0:
                    raise ValueError("a must not be negative")

        return Value

    return make(), quick_init(make())


@pytest.mark.parametrize("slots", [False, True])
def test_a_quick_class_is_the_dataclass_it_was(slots: bool) -> None:
    stock, quick = shapes(slots)
    assert inspect.signature(quick) == inspect.signature(stock)
    for args, kwargs in (((1,), {}), ((2, (3,)), {"d": "y"}), ((), {"a": 4, "c": [5]})):
        made, expected = quick(*args, **kwargs), stock(*args, **kwargs)
        assert dataclasses.asdict(made) == dataclasses.asdict(expected)
        assert repr(made).split(".")[-1] == repr(expected).split(".")[-1]
        assert made == quick(*args, **kwargs) != quick(9)
    assert quick(1).c is not quick(1).c  # a fresh default from the factory each time
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick(1).a = 2
    with pytest.raises(ValueError, match="negative"):
        quick(-1)
    with pytest.raises(TypeError):
        quick(1, (), [], "positional d")
    with pytest.raises(TypeError):
        quick()
    assert ("__dict__" in dir(quick(1))) is not slots


def test_what_it_cannot_build_is_refused() -> None:
    @dataclass(frozen=True)
    class Hidden:
        a: int
        b: int = field(default=0, init=False)

    @dataclass(frozen=True)
    class Scaled:
        a: int
        scale: InitVar[int] = 1

    @dataclass
    class Mutable:
        a: int

    for cls in (Hidden, Scaled, Mutable):
        with pytest.raises(TypeError):
            quick_init(cls)


def test_the_engines_values_are_built_by_it() -> None:
    """The frozen values a call makes several of (see the module doc) use the quick init."""
    for cls in (Party, SpeechPlan, TalkSpurts, Segment, Voice):
        assert cls.__init__.__code__.co_filename == SOURCE_NAME
    party = Party(hangup_after=3.0, pitch_hz=120.0)
    assert dataclasses.replace(party, hangup_after=4.0).hangup_after == 4.0
    assert TalkSpurts((1, 2, 3), 10.0).until(2.0).limit == 2.0
