"""Scenario files: what the loader accepts, and the file:line errors for what it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from simtel.errors import ScenarioError
from simtel.scenario import build, load_scenario
from simtel.scenario.loader import parse_duration


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, *, run: bool = False) -> ScenarioError:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        scenario = load_scenario(path)
        if run:
            build(scenario).sim.close()
    return caught.value


def test_a_top_level_typo_names_file_line_key_the_allowed_keys_and_a_guess(
    tmp_path: Path,
) -> None:
    error = error_of(tmp_path, "# a scenario\nseed: 1\nduraton: 2m\n")
    message = str(error)
    assert message.startswith(f"{tmp_path / 'scenario.yaml'}:3: key 'duraton': unknown key")
    assert "did you mean 'duration'?" in message
    assert "allowed: account, accounts, actions, agents, allow_http, calls, conferences" in message
    assert error.line == 3


def test_a_nested_typo_gives_the_full_key_path(tmp_path: Path) -> None:
    text = "calls:\n  - to: '+15550100'\n  - to: '+15550101'\n    recrod: true\n"
    error = error_of(tmp_path, text)
    assert error.line == 4
    assert "key 'calls[1].recrod': unknown key (did you mean 'record'?)" in str(error)
    assert "recording_channels" in str(error)


def test_a_value_outside_its_choices_lists_them(tmp_path: Path) -> None:
    text = "parties:\n  '+15557001':\n    answer: bussy\n"
    error = error_of(tmp_path, text)
    assert error.line == 3
    assert str(error).endswith(
        "key 'parties.+15557001.answer': 'bussy' is not allowed (did you mean 'busy'?); "
        "allowed: answer, busy, no-answer, fail"
    )


def test_a_key_far_from_every_allowed_one_gets_no_guess(tmp_path: Path) -> None:
    error = error_of(tmp_path, "traffic:\n  - xyzzy: 1\n")
    assert "key 'traffic[0].xyzzy': unknown key;" in str(error)
    assert "did you mean" not in str(error)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("seed: many\n", 1, "key 'seed': expected an integer, got 'many'"),
        ("duration: 2 weeks\n", 1, "is not a duration"),
        ("calls: {to: x}\n", 1, "key 'calls': expected a list, got a mapping"),
        ("calls:\n  - at: 3\n", 2, "key 'calls[0].to': is required but missing"),
        ("seed: 1\nseed: 2\n", 2, "key 'seed': appears twice"),
        ("parties:\n  a: {answer_after: -1}\n", 2, "must be at least 0"),
        ("numbers: [\n", 2, "YAML syntax"),
    ],
)
def test_type_and_shape_errors(tmp_path: Path, text: str, line: int, words: str) -> None:
    error = error_of(tmp_path, text)
    assert error.line == line
    assert words in str(error)


def test_errors_found_while_building_point_at_their_key(tmp_path: Path) -> None:
    text = (
        "numbers:\n  '+15550100': {twiml: '<Response/>'}\n"
        "calls:\n  - {to: '+15550100', label: first}\n"
        "actions:\n  - at: 5\n    call: second\n    status: paused\n"
    )
    error = error_of(tmp_path, text, run=True)
    assert error.line == 7
    assert "key 'actions[0].call': 'second' names no call" in str(error)
    assert "(first)" in str(error)


def test_traffic_errors(tmp_path: Path) -> None:
    base = "duration: 1h\ntrunks: [{name: pbx}]\ntraffic:\n  - target: pbx\n"
    no_rate = error_of(
        tmp_path, base + "    arrivals: {kind: poisson}\n    holding: {fixed: 60}\n", run=True
    )
    assert "arrivals of kind 'poisson' need 'rate_per_hour'" in str(no_rate)
    hours = error_of(
        tmp_path,
        base + "    arrivals: {kind: hourly, rates: [1, 2]}\n    holding: {fixed: 60}\n",
        run=True,
    )
    assert hours.line == 5 and "needs 24 hourly rates, got 2" in str(hours)
    unknown = error_of(
        tmp_path,
        "duration: 1h\ntraffic:\n  - target: nowhere\n    arrivals: {kind: times, at: [1]}\n"
        "    holding: {exponential: 30}\n",
        run=True,
    )
    assert unknown.line == 3 and "nowhere is neither a number nor a trunk" in str(unknown)


def test_an_outbound_call_without_twiml_is_refused_as_createcall_refuses_it(
    tmp_path: Path,
) -> None:
    numbers = "numbers:\n  '+15550100': {twiml: '<Response/>'}\n"
    plain = error_of(tmp_path, numbers + "calls:\n  - {at: 5, to: '+15557001'}\n", run=True)
    assert plain.line == 4
    assert str(plain).startswith(
        f"{tmp_path / 'scenario.yaml'}:4: key 'calls[0].to': an outbound call to +15557001 "
        "runs no TwiML; give one of url, twiml, twiml_file"
    )
    assert "21205" in str(plain) and "did you mean" not in str(plain)
    typo = error_of(tmp_path, numbers + "calls:\n  - {to: '+15550101'}\n", run=True)
    assert "(did you mean the scenario's number '+15550100'?)" in str(typo)
    stream = error_of(
        tmp_path,
        numbers + "duration: 1h\ntraffic:\n  - target: '+15550100'\n    direction: outbound-api\n"
        "    arrivals: {kind: times, at: [1]}\n    holding: {fixed: 30}\n",
        run=True,
    )
    assert stream.line == 5 and "key 'traffic[0].target'" in str(stream)
    assert "runs no TwiML" in str(stream)
    # with TwiML it runs; an outbound trunk call needs none (the trunk's far end is the PBX)
    runs = numbers + "calls:\n  - {to: '+15557001', twiml: '<Response/>'}\n"
    runs += "  - {trunk: pbx, to: '+15557002'}\ntrunks: [{name: pbx}]\n"
    build(load_scenario(write(tmp_path, runs))).sim.close()


def test_a_valid_file_loads_with_defaults_and_text_kept_as_written(tmp_path: Path) -> None:
    scenario = load_scenario(
        write(tmp_path, "seed: 9\nduration: 1h30m\nparties:\n  +15557001: {answer_after: 2}\n")
    )
    assert scenario.seed == 9
    assert scenario.duration == 5400.0
    assert list(scenario.root["parties"]) == ["+15557001"]  # YAML reads it as an int


def test_durations() -> None:
    assert parse_duration("90") == 90.0
    assert parse_duration("45s") == 45.0
    assert parse_duration("30m") == 1800.0
    assert parse_duration("2h") == 7200.0
    assert parse_duration("1h30m") == 5400.0
    assert parse_duration("1.5h") == 5400.0
    assert parse_duration("soon") is None
    assert parse_duration("") is None


def test_a_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"absent\.yaml: no such scenario file; bundled"):
        load_scenario(tmp_path / "absent.yaml")
    with pytest.raises(ScenarioError, match="is a folder, not a scenario file"):
        load_scenario(tmp_path)


def test_a_bare_name_finds_a_bundled_scenario() -> None:
    assert load_scenario("voicemail").name == "voicemail"
