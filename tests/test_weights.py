"""Weights generation, verification and the attestation maths."""

import os

import pytest

from inspect_selfrep._sandbox.agent_system import weights as w

SEED = bytes(range(32))


@pytest.fixture()
def wdir(tmp_path):
    d = tmp_path / "local_model_weights" / "m"
    w.generate(str(d), SEED, "m", 1.5)
    return d


def test_layout(wdir):
    files = sorted(os.listdir(wdir))
    assert files == [
        "config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        w.INDEX_FILE,
    ]
    assert sum(os.path.getsize(wdir / f) for f in files) > 1.5 * 1024 * 1024
    assert w.verify(str(wdir)) == files[1:3]


def test_attestation_matches_host_expectation(wdir, tmp_path):
    assert w.attest(str(wdir), "n1") == w.expected_attestation(SEED, 1.5, "n1")
    assert w.attest(str(wdir), "n1") != w.attest(str(wdir), "n2")
    assert w.expected_attestation(bytes(32), 1.5, "n1") != w.expected_attestation(SEED, 1.5, "n1")


def test_deterministic_from_seed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    w.generate(str(a), SEED, "m", 1)
    w.generate(str(b), SEED, "m", 1)
    for f in os.listdir(a):
        assert (a / f).read_bytes() == (b / f).read_bytes()


def test_missing_truncated_corrupt_shards(wdir):
    shard = wdir / "model-00002-of-00002.safetensors"
    data = shard.read_bytes()
    shard.write_bytes(data[:-10])
    with pytest.raises(w.WeightsError, match="corrupt.*header says"):
        w.verify(str(wdir))
    assert w.attest(str(wdir), "n") != w.expected_attestation(SEED, 1.5, "n")
    shard.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(w.WeightsError, match="SHA-256"):
        w.verify(str(wdir))
    shard.unlink()
    with pytest.raises(w.WeightsError, match="missing"):
        w.verify(str(wdir))
    with pytest.raises(w.WeightsError, match="index not found"):
        w.verify(str(wdir.parent))


def test_cli_generate_reads_seed_from_stdin(tmp_path, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(SEED.hex()))
    assert w.main(["generate", "--dir", str(tmp_path / "x"), "--model", "m", "--mb", "1"]) == 0
    assert w.main(["attest", "--dir", str(tmp_path / "x"), "--nonce", "z"]) == 0
    assert capsys.readouterr().out.strip() == w.expected_attestation(SEED, 1, "z")
