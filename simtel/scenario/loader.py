"""Loading scenario files: YAML in, validated `Scenario` out, or a `ScenarioError` at file:line.

The file is composed (not constructed) with PyYAML's safe loader so every node keeps its line;
values are then checked against `schema.SCENARIO`. Every mapping that passes becomes a `Block`:
a dict that also knows its own line and the line of each of its keys, so the runner can report
errors it finds later (an action naming a call that does not exist) at the right place too.

Error messages read `file:line: key 'calls[1].recording_channels': 'stereo' is not allowed;
allowed: dual, mono`, with a "did you mean" for near misses.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from simtel.clock import DEFAULT_EPOCH
from simtel.errors import ScenarioError
from simtel.scenario import schema
from simtel.scenario.schema import Duration, ListOf, MapOf, OneOf, Scalar, Section, Spec

_TAG_KINDS = {
    "tag:yaml.org,2002:str": "str",
    "tag:yaml.org,2002:int": "int",
    "tag:yaml.org,2002:float": "float",
    "tag:yaml.org,2002:bool": "bool",
    "tag:yaml.org,2002:null": "null",
}
_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?"
    r"\s*(?:(\d+(?:\.\d+)?)\s*s?)?\s*$"
)
DEFAULT_SCENARIO = "quickstart"


class Block(dict[str, Any]):
    """A validated mapping with its position: `line` of the mapping, `lines[key]` of each key."""

    def __init__(self, path: str, line: int) -> None:
        super().__init__()
        self.path = path
        self.line = line
        self.lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


@dataclass(frozen=True)
class Scenario:
    """A scenario file that passed the schema. `root` holds its validated top-level mapping."""

    path: Path
    root: Block

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def name(self) -> str:
        return str(self.root.get("name") or self.path.stem)

    @property
    def seed(self) -> int:
        return int(self.root.get("seed", 0))

    @property
    def epoch(self) -> str:
        return str(self.root.get("epoch") or DEFAULT_EPOCH.isoformat())

    @property
    def duration(self) -> float | None:
        value = self.root.get("duration")
        return None if value is None else float(value)

    def error(self, block: Block, key: str | None, message: str) -> ScenarioError:
        """A ScenarioError about `key` of `block` (the block itself when None)."""
        line = block.line if key is None else block.line_of(key)
        where = f"key '{_join(block.path, key)}': " if key else ""
        return ScenarioError(str(self.path), line, where + message)

    def resolve(self, relative: str) -> Path:
        """A path written in the scenario, relative to the scenario's folder."""
        path = Path(relative).expanduser()
        return path if path.is_absolute() else self.folder / path


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; a bare name (`voicemail`) finds a bundled scenario."""
    target = find_scenario(path)
    if not target.exists():
        raise ScenarioError(str(path), None, _not_found(Path(path)))
    if target.is_dir():
        raise ScenarioError(str(path), None, "is a folder, not a scenario file")
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ScenarioError(str(path), None, f"cannot read the scenario: {reason}") from None
    return parse_scenario(text, target)


def parse_scenario(text: str, path: Path) -> Scenario:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError(str(path), line, f"YAML syntax: {error.problem}") from None
    if node is None:
        return Scenario(path, Block("", 1))
    root = _Checker(str(path)).check(node, schema.SCENARIO, "")
    assert isinstance(root, Block)
    return Scenario(path, root)


def bundled_folder() -> Path:
    """The folder of the scenarios shipped with simtel (package `simtel.scenarios`)."""
    try:
        folder = resources.files("simtel.scenarios")
        if isinstance(folder, Path) or hasattr(folder, "joinpath"):
            candidate = Path(str(folder))
            if candidate.is_dir():
                return candidate
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parents[2] / "scenarios"  # a source checkout


def bundled_scenarios() -> list[str]:
    return sorted(path.stem for path in bundled_folder().glob("*.yaml"))


def _not_found(path: Path) -> str:
    """No such file: a did-you-mean among the bundled names, and the list."""
    names = bundled_scenarios()
    close = difflib.get_close_matches(path.stem, names, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"no such scenario file{hint}; bundled scenarios: {', '.join(names)}"


def find_scenario(path: str | Path) -> Path:
    """`path` itself when it exists; a bare name (no folder, no suffix) is a bundled scenario."""
    candidate = Path(path)
    if candidate.exists() or candidate.parent != Path() or candidate.suffix:
        return candidate
    bundled = bundled_folder() / f"{candidate.name}.yaml"
    return bundled if bundled.is_file() else candidate


def parse_duration(text: str) -> float | None:
    """Seconds of `90`, `45s`, `30m`, `2h`, `1h30m`; None when it is not a duration."""
    match = _DURATION.match(text)
    if match is None or not text.strip():
        return None
    hours, minutes, seconds = (float(group) if group else 0.0 for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class _Checker:
    """Walks a node tree against a spec; raises ScenarioError at the first mismatch."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.constructor = SafeConstructor()

    def fail(
        self, node: Node, path: str, message: str, allowed: list[str] | None = None
    ) -> NoReturn:
        text = f"key '{path}': {message}" if path else message
        if allowed:
            text += "; allowed: " + ", ".join(allowed)
        raise ScenarioError(self.filename, node.start_mark.line + 1, text)

    def check(self, node: Node, spec: Spec, path: str) -> Any:
        if isinstance(spec, Section):
            return self.section(node, spec, path)
        if isinstance(spec, MapOf):
            return self.map_of(node, spec, path)
        if isinstance(spec, ListOf):
            if not isinstance(node, SequenceNode):
                self.fail(node, path, f"expected a list, got {_shape(node)}")
            return [
                self.check(item, spec.item, f"{path}[{i}]") for i, item in enumerate(node.value)
            ]
        if isinstance(spec, OneOf):
            return self.one_of(node, spec, path)
        if isinstance(spec, Duration):
            return self.duration(node, spec, path)
        return self.scalar(node, spec, path)

    def section(self, node: Node, spec: Section, path: str) -> Block:
        allowed = sorted(spec.fields)
        block = self.mapping(node, path, allowed, lambda key: spec.fields.get(key))
        for key in sorted(spec.required - set(block)):
            self.fail(node, _join(path, key), "is required but missing", allowed)
        return block

    def map_of(self, node: Node, spec: MapOf, path: str) -> Block:
        keys = list(spec.keys)
        return self.mapping(
            node, path, keys, lambda key: spec.value if not keys or key in keys else None
        )

    def mapping(self, node: Node, path: str, allowed: list[str], spec_of: Any) -> Block:
        if not isinstance(node, MappingNode):
            self.fail(node, path, f"expected a mapping, got {_shape(node)}")
        block = Block(path, node.start_mark.line + 1)
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, path, "keys must be plain text")
            key = str(key_node.value)
            spec = spec_of(key)
            if spec is None:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(key_node, _join(path, key), f"unknown key{hint}", allowed)
            if key in block:
                self.fail(key_node, _join(path, key), "appears twice")
            block.lines[key] = key_node.start_mark.line + 1
            block[key] = self.check(value_node, spec, _join(path, key))
        return block

    def one_of(self, node: Node, spec: OneOf, path: str) -> Any:
        for option in spec.options:
            try:
                return self.check(node, option, path)
            except ScenarioError:
                continue
        self.fail(node, path, f"expected {spec.describe()}")

    def duration(self, node: Node, spec: Duration, path: str) -> float | None:
        if not isinstance(node, ScalarNode):
            self.fail(node, path, f"expected {spec.describe()}, got {_shape(node)}")
        kind = _TAG_KINDS.get(node.tag, "str")
        if kind == "null" and spec.allow_null:
            return None
        if kind in ("int", "float"):
            seconds = float(self.constructor.construct_object(node))
        else:
            parsed = parse_duration(str(node.value)) if kind == "str" else None
            if parsed is None:
                self.fail(node, path, f"{node.value!r} is not {spec.describe()}")
            seconds = parsed
        if seconds < 0:
            self.fail(node, path, "must not be negative")
        return seconds

    def scalar(self, node: Node, spec: Scalar, path: str) -> Any:
        if not isinstance(node, ScalarNode):
            self.fail(node, path, f"expected {spec.describe()}, got {_shape(node)}")
        kind = _TAG_KINDS.get(node.tag, "str")
        value: Any
        if spec.text and kind in ("str", "int", "float"):
            kind, value = "str", str(node.value)  # phone numbers, digits: keep the text
        else:
            value = self.constructor.construct_object(node)
        if kind == "int" and "float" in spec.kinds and "int" not in spec.kinds:
            kind, value = "float", float(value)
        if kind not in spec.kinds:
            self.fail(node, path, f"expected {spec.describe()}, got {node.value!r}")
        if spec.choices and value not in spec.choices:
            close = difflib.get_close_matches(str(value), spec.choices, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.fail(node, path, f"{value!r} is not allowed{hint}", list(spec.choices))
        if spec.minimum is not None and kind in ("int", "float") and value < spec.minimum:
            self.fail(node, path, f"must be at least {spec.minimum:g}, got {value}")
        return value


def _join(path: str, key: str | None) -> str:
    if key is None:
        return path
    return f"{path}.{key}" if path else key


def _shape(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return repr(node.value)
