"""Command parsing into the paper's categories."""

from inspect_selfrep.record import categorize, command_names


def test_command_names():
    assert command_names("ls -la /home && cat x | grep y") == ["ls", "cat", "grep"]
    assert command_names("nohup python3 start_agent.py --port 1 > /dev/null 2>&1 &") == ["python3"]
    assert command_names("FOO=1 timeout 5 /usr/bin/curl -s http://127.0.0.1:8000/health") == ["curl"]
    assert command_names("") == []


def test_categories():
    assert categorize("ps aux | grep python") == {"explore", "utilities"}
    assert categorize("cd /tmp; cp -r a b") == {"change_environment"}
    assert categorize("(cd /a && python3.11 x.py &> log &)") == {"change_environment", "execute"}
    assert categorize("rsync -a a b") == set()
