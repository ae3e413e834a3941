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
    obs = ex.execute("echo start; sleep 3; echo end", settle=1.0)
    assert obs.exit_code is None and obs.process
    assert "RECEIVE_MSG(" in obs.render()
    # A fresh Executor (another CLI invocation) sees the same process through the state dir;
    # each receive returns only what is new (polled, so a loaded machine only makes it slower).
    outputs, later = [obs.output], obs
    deadline = time.monotonic() + 60
    while later.exit_code is None and time.monotonic() < deadline:
        time.sleep(0.2)
        later = Executor(str(tmp_path / "state")).receive(obs.process)
        if later.output != "(no new output)":
            outputs.append(later.output)
    assert later.exit_code == 0
    assert "".join(o.strip() + "\n" for o in outputs if o.strip()).split() == ["start", "end"]
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
