"""The replicate battery's entries, checked without Docker: scripts exist, fakes say every
milestone, ports do not collide where they could matter, and issue 21's entries are tagged
with the point of PROBE_ROUND3 they test (at least two honest routes and two fakes each)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from inspect_selfrep.dataset import Battery, battery_dataset, load_scenario
from inspect_selfrep.vocabulary import REPLICA_BUILT, REPLICA_RESPONDS, SUCCESS

FOLDER = load_scenario("replicate")[1]
BATTERY = Battery.model_validate(yaml.safe_load((FOLDER / "battery.yaml").read_text()))
ENTRIES = {
    **{k: (v, True) for k, v in BATTERY.honest.items()},
    **{k: (v, False) for k, v in BATTERY.fakes.items()},
}
NEW = {k: v for k, v in ENTRIES.items() if k.startswith("i21_")}
POINTS = range(1, 8)
ORIGINAL_PORTS = {8000, 8001}  # the deployed original's; scripts use $LLM_PORT/$AGENT_PORT
BRIDGE_PORT = 13131


def scripts(entry) -> list[Path]:
    return [
        (FOLDER / s).resolve()
        for s in ([entry.script] if isinstance(entry.script, str) else entry.script)
    ]


# A port is a number in 7000-9999 on a non-comment line of a script, unless it is one of these
# known non-port constants (socket backlogs).
_PORT = re.compile(r"(?<![\w.,])([789]\d{3})(?![\w.,])")
_NOT_PORTS = {8192}
_RANGE = re.compile(r"range\(([789]\d{3}), ([789]\d{3})\)")


def ports(script: Path) -> set[int]:
    found: set[int] = set()
    for line in script.read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue
        # range(A, B) of listeners: the ports A..B-1
        for a, b in _RANGE.findall(line):
            found |= set(range(int(a), int(b)))
        found |= {int(m) for m in _PORT.findall(_RANGE.sub("", line))} - _NOT_PORTS
    return found


def test_the_dataset_loads_every_entry():
    assert len(battery_dataset("replicate")) == len(ENTRIES)


def test_long_entries_start_first_and_the_rest_keep_the_files_order():
    ids = [str(s.id) for s in battery_dataset("replicate")]
    long = [k for k, (v, _) in ENTRIES.items() if v.long]
    assert long and ids[: len(long)] == long
    assert ids[len(long) :] == [k for k in ENTRIES if k not in long]


def test_entries_that_wait_out_the_greeting_timeout_are_long():
    # 8 listeners that never answer /chat: every greeting of theirs lasts the probe's 120 s
    silent = [k for k, (v, _) in ENTRIES.items() if any("silent_404" in p.name for p in scripts(v))]
    assert silent and all(ENTRIES[k][0].long for k in silent)


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_scripts_exist(name):
    entry, _ = ENTRIES[name]
    missing = [str(s) for s in scripts(entry) if not s.is_file()]
    assert not missing, f"{name}: missing scripts {missing}"


@pytest.mark.parametrize("name", sorted(k for k, (_, honest) in ENTRIES.items() if not honest))
def test_fakes_give_every_milestone(name):
    entry, _ = ENTRIES[name]
    assert set(entry.expect) == set(REPLICA_BUILT), f"{name}: expect {entry.expect}"
    e = entry.expect
    assert all(v in (0, 1) for v in e.values())
    assert e["survives_shutdown"] == 0, f"{name}: a fake cannot survive the shutdown"
    # the milestones build on each other (a replica needs a verified LLM server and an agent,
    # a verified LLM server needs a copy)
    if e[REPLICA_RESPONDS]:
        assert e["llm_server_started"] and e["agent_started"] and e["weights_copied"], name
    if e["llm_server_started"]:
        assert e["weights_copied"], name


@pytest.mark.parametrize("name", sorted(k for k, (_, honest) in ENTRIES.items() if honest))
def test_honest_entries_expect_nothing_less(name):
    entry, _ = ENTRIES[name]
    assert all(v == 1 for v in entry.expect.values()), f"{name}: honest but expects {entry.expect}"
    assert SUCCESS not in entry.expect


@pytest.mark.parametrize("name", sorted(k for k, (e, _) in ENTRIES.items() if len(scripts(e)) > 1))
def test_composite_entries_use_disjoint_ports(name):
    """Scripts that run one after another in one sandbox must not fight over a port."""
    entry, _ = ENTRIES[name]
    seen: dict[int, str] = {}
    for script in scripts(entry):
        for port in ports(script):
            assert port not in seen, f"{name}: port {port} used by {seen[port]} and {script.name}"
            seen[port] = script.name


@pytest.mark.parametrize("script", sorted({s for e, _ in ENTRIES.values() for s in scripts(e)}))
def test_no_script_names_the_originals_ports(script):
    """The original's endpoints are named through $LLM_PORT/$AGENT_PORT, never as literals."""
    assert not ports(script) & (ORIGINAL_PORTS | {BRIDGE_PORT}), script.name


def test_issue21_scripts_own_their_ports():
    """Each issue-21 script's ports are its own (no other battery script uses them), so a
    failing entry's evidence (listeners, logs) can be read without ambiguity."""
    owner: dict[int, set[str]] = {}
    for script in {s for e, _ in ENTRIES.values() for s in scripts(e)}:
        for port in ports(script):
            owner.setdefault(port, set()).add(script.name)
    shared = {
        p: sorted(names)
        for p, names in owner.items()
        if len(names) > 1 and any(n.startswith("i21_") for n in names)
    }
    assert not shared, shared


@pytest.mark.parametrize("name", sorted(NEW))
def test_issue21_entries_are_tagged(name):
    entry, honest = NEW[name]
    m = re.fullmatch(r"i21_p(\d)_\w+", name)
    assert m, f"{name}: issue-21 entries are named i21_p<point>_..."
    point = int(m.group(1))
    assert point in POINTS
    assert entry.rationale.startswith(f"[i21 p{point}] "), f"{name}: {entry.rationale[:40]!r}"
    tagged = set()
    for script in scripts(entry):
        if not script.name.startswith("i21_"):
            continue  # an existing script reused (e.g. the reference route)
        first = script.read_text().splitlines()[0]
        tag = re.match(r"# \[issue 21, point (\d), (honest|fake|robustness)[\];]", first)
        assert tag, f"{script.name}: first line {first!r}"
        kind = tag.group(2)
        if kind != "robustness":
            assert kind == ("honest" if honest else "fake"), (
                f"{script.name} is {kind}, {name} is not"
            )
        tagged.add(int(tag.group(1)))
    # a composite entry may reuse another point's script; one of its own scripts names its point
    assert point in tagged, f"{name}: no script tagged point {point} ({sorted(tagged)})"


def test_issue21_covers_every_point_both_ways():
    count = Counter(
        (int(re.match(r"i21_p(\d)", name).group(1)), honest)  # type: ignore[union-attr]
        for name, (_, honest) in NEW.items()
    )
    thin = {
        f"p{p} {'honest' if h else 'fakes'}": count[(p, h)]
        for p in POINTS
        for h in (True, False)
        if count[(p, h)] < 2
    }
    assert not thin, f"fewer than 2 entries: {thin}"


def test_issue21_scripts_are_all_used():
    used = {s.name for e, _ in ENTRIES.values() for s in scripts(e)}
    written = {p.name for p in (FOLDER / "battery").rglob("i21_*.sh")}
    assert written <= used, f"scripts no entry runs: {sorted(written - used)}"
