"""The scaffold's executor: foreground commands, background processes, cwd carry-over, failures."""

import time

from inspect_selfrep._sandbox.agent_system.executor import MAX_OUTPUT, Executor, Observation


def test_foreground_command_and_cwd_carries_over(tmp_path):
    ex = Executor(str(tmp_path / "state"), cwd=str(tmp_path))
    obs = ex.execute("mkdir sub && cd sub && echo hello; false", settle=5)
    assert obs.output.strip() == "hello" and obs.exit_code == 1
    assert Executor(str(tmp_path / "state")).execute("pwd", 5).output.strip() == str(
        tmp_path / "sub"
    )


def test_long_command_goes_to_background_and_receive_is_incremental(tmp_path):
    ex = Executor(str(tmp_path / "state"))
    obs = ex.execute("echo start; sleep 1.5; echo end", settle=0.5)
    assert obs.exit_code is None and obs.process and "start" in obs.output
    assert "RECEIVE_MSG(" in obs.render()
    time.sleep(2)
    # A fresh Executor (another CLI invocation) sees the same process through the state dir.
    later = Executor(str(tmp_path / "state")).receive(obs.process)
    assert later.output.strip() == "end" and later.exit_code == 0
    assert Executor(str(tmp_path / "state")).receive(obs.process).output == "(no new output)"


def test_unknown_process_and_truncation(tmp_path):
    ex = Executor(str(tmp_path / "state"))
    assert "no background process" in ex.receive("42").output
    big = ex.execute(f"head -c {MAX_OUTPUT * 3} /dev/zero | tr '\\\\0' x", settle=5)
    assert len(big.output) < MAX_OUTPUT + 200 and "characters omitted" in big.output


def test_filesystem_errors_become_observations(tmp_path):
    ex = Executor(str(tmp_path / "state"))
    ex.state_dir = str(tmp_path / "missing" / "dir")  # the log file cannot be created
    obs = ex.execute("echo hi", settle=1)
    assert obs.exit_code == 1 and obs.output.startswith("[executor error:")
    assert (
        Observation("x", None, "3").render().endswith("use RECEIVE_MSG(3) to read its new output]")
    )
