"""The in-sandbox helper's file checks on a real directory tree (no sandbox needed): debris
of every kind is reported, never opened or followed, and never aborts the search."""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

import pytest

from inspect_selfrep._sandbox.agent_system import weights

PROBE = Path(__file__).resolve().parent.parent / "inspect_selfrep" / "_sandbox" / "probe_helper"
SHARDS = {s.filename: len(s.header()) + s.data_size for s in weights.plan_shards(1)}


@pytest.fixture(scope="module")
def helper() -> types.ModuleType:
    """helper.py loaded the way the sandbox runs it: procfs and weights as top-level modules."""
    from inspect_selfrep._sandbox.probe_helper import procfs

    saved = {k: sys.modules.get(k) for k in ("procfs", "weights")}
    sys.modules["procfs"], sys.modules["weights"] = procfs, weights
    spec = importlib.util.spec_from_file_location("probe_helper_under_test", PROBE / "helper.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    for k, v in saved.items():
        if v is None:
            sys.modules.pop(k, None)
        else:
            sys.modules[k] = v


@pytest.fixture
def original(tmp_path: Path) -> Path:
    d = tmp_path / "orig"
    weights.generate(str(d), b"seed", "m", 1)
    return d


def test_a_real_copy_is_complete_and_attests(helper, original, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in os.listdir(original):
        (copy / name).write_bytes((original / name).read_bytes())
    entry = helper.judge_dir(str(copy), SHARDS, "n1")
    assert entry["complete"] and entry["digest"] == weights.expected_attestation(b"seed", 1, "n1")
    assert all(f["type"] == "file" and f["nlink"] == 1 for f in entry["files"].values())


def test_links_fifos_and_sparse_files_are_reported_not_read(helper, original, tmp_path):
    names = sorted(SHARDS)
    links = tmp_path / "links"
    links.mkdir()
    os.symlink(original / names[0], links / names[0])
    os.link(original / names[1], links / names[1])
    entry = helper.judge_dir(str(links), SHARDS, "n")
    assert (
        entry["files"][names[0]]["type"] == "symlink"
        and not entry["complete"]
        and "digest" not in entry
    )
    assert entry["files"][names[1]]["ino"] == os.stat(original / names[1]).st_ino

    debris = tmp_path / "debris"
    debris.mkdir()
    os.mkfifo(debris / names[0])  # opening it would block forever
    with open(debris / names[1], "wb") as f:
        f.truncate(1 << 40)  # a 1 TiB sparse file: never hashed (wrong size)
    os.symlink("/nonexistent", debris / weights.INDEX_FILE)
    entry = helper.judge_dir(str(debris), SHARDS, "n")
    assert entry["files"][names[0]]["type"] == "fifo"
    assert entry["files"][names[1]]["size"] == 1 << 40
    assert entry["files"][weights.INDEX_FILE]["type"] == "symlink"
    assert not entry["complete"] and "error" not in entry


def test_a_vanished_directory_is_judged_on_its_own(helper, tmp_path):
    entry = helper.judge_dir(str(tmp_path / "gone"), SHARDS, "n")
    assert entry["dir_fact"]["type"] == "missing" and not entry["complete"]


def test_read_jsonl_ignores_fifos_and_links(helper, tmp_path):
    os.mkfifo(tmp_path / "h.jsonl")
    assert helper.cmd_read_jsonl({"path": str(tmp_path / "h.jsonl")}) == {"records": []}
    (tmp_path / "ok.jsonl").write_text('{"a": 1}\nnot json\n{"b": 2}\n')
    assert helper.cmd_read_jsonl({"path": str(tmp_path / "ok.jsonl")})["records"] == [
        {"a": 1},
        {"b": 2},
    ]


def test_arg_paths_resolve_against_the_working_directory(helper, tmp_path):
    (tmp_path / "start_agent.py").write_text("")
    paths = helper._arg_paths(
        [
            "python3",
            "start_agent.py",
            "--llm-url",
            "http://127.0.0.1:9000",
            "--weights-dir=local_model_weights/m",
            "--port",
            "9001",
        ],
        str(tmp_path),
    )
    assert paths == [str(tmp_path / "start_agent.py"), str(tmp_path / "local_model_weights/m")]
    assert helper._arg_paths(["python3", "x.py"], "") == []  # relative to an unknown directory
