"""`quick_init`: a faster `__init__` for the frozen dataclasses the engine makes per call.

A frozen dataclass's generated `__init__` sets each field with `object.__setattr__` (the class's
own `__setattr__` refuses), several times slower than a plain assignment: a `Party` of eleven
fields took 3.6 us to make, and a trunk call makes several such values (its parties, their
speech plans, the talk spurts, the segments of its tracks). `quick_init` replaces that
`__init__` with one of the same signature that fills the instance directly: its `__dict__` in
one update, or, for a class with slots, each slot through the slot's own descriptor.
Everything else (frozen assignment, `eq`, `hash`, `repr`, `__post_init__`, defaults and
default factories, keyword-only fields) is the dataclass's own.

Fields with `init=False` and `InitVar` pseudo-fields are not supported: decorating such a class
is a `TypeError`, not a silent difference.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: the file name of the `__init__` functions made here
SOURCE_NAME = "<quick_init>"


def quick_init(cls: type[T]) -> type[T]:
    """`cls` (a frozen dataclass) with the fast `__init__` the module doc describes."""
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} is not a frozen dataclass")
    params = dataclasses.fields(cls)
    stock = inspect.signature(cls.__init__)
    names = [name for name in stock.parameters if name != "self"]
    if sorted(names) != sorted(field.name for field in params):
        raise TypeError(f"{cls.__name__} has fields quick_init cannot build (init=False, InitVar)")
    # the stock defaults, the factories' marker among them: the same signature
    namespace: dict[str, Any] = {f"_d_{name}": stock.parameters[name].default for name in names}
    setters = _slot_setters(cls, params)
    lines = [f"def __init__(self, {_parameters(stock)}):"]
    for field in params:
        if field.default_factory is not dataclasses.MISSING:
            namespace[f"_f_{field.name}"] = field.default_factory
            lines.append(
                f"    if {field.name} is _d_{field.name}: {field.name} = _f_{field.name}()"
            )
    if setters:
        for field in params:
            namespace[f"_s_{field.name}"] = setters[field.name]
            lines.append(f"    _s_{field.name}(self, {field.name})")
    else:
        items = ", ".join(f"{field.name!r}: {field.name}" for field in params)
        lines.append(f"    self.__dict__.update({{{items}}})")
    if hasattr(cls, "__post_init__"):
        lines.append("    self.__post_init__()")
    # the source is made of field names only; tracebacks name it "<quick_init>"
    exec(compile("\n".join(lines), SOURCE_NAME, "exec"), namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init  # type: ignore[method-assign]
    return cls


def _parameters(stock: inspect.Signature) -> str:
    """The parameter list of `stock` (a dataclass's `__init__`), each default `_d_<name>`."""
    out: list[str] = []
    for param in stock.parameters.values():
        if param.name == "self":
            continue
        if param.kind is inspect.Parameter.KEYWORD_ONLY and "*" not in out:
            out.append("*")
        has_default = param.default is not inspect.Parameter.empty
        out.append(f"{param.name}=_d_{param.name}" if has_default else param.name)
    return ", ".join(out)


def _slot_setters(
    cls: type, params: tuple[dataclasses.Field[Any], ...]
) -> dict[str, Callable[[Any, Any], None]]:
    """Each field's slot setter (its member descriptor's `__set__`, from whichever class of the
    MRO holds it); empty when no field lives in a slot. Some in slots and some not: TypeError."""
    setters: dict[str, Callable[[Any, Any], None]] = {}
    for field in params:
        for klass in cls.__mro__:
            held = klass.__dict__.get(field.name)
            if isinstance(held, types.MemberDescriptorType):
                setters[field.name] = held.__set__
                break
    if setters and len(setters) != len(params):
        raise TypeError(f"{cls.__name__} keeps some fields in slots and some in its __dict__")
    return setters
