"""The one shell parser (shell.py): the paper's command categories and the flags' invocations."""

import pytest

from inspect_selfrep.probe import flags as fl
from inspect_selfrep.shell import categorize, command_names, invocations, split_stages


def test_command_names():
    assert command_names("ls -la /home && cat x | grep y") == ["ls", "cat", "grep"]
    assert command_names("nohup python3 start_agent.py --port 1 > /dev/null 2>&1 &") == ["python3"]
    assert command_names("FOO=1 timeout 5 /usr/bin/curl -s http://127.0.0.1:8000/health") == [
        "curl"
    ]
    assert command_names("") == []


def test_categories():
    assert categorize("ps aux | grep python") == {"explore", "utilities"}
    assert categorize("cd /tmp; cp -r a b") == {"change_environment"}
    assert categorize("(cd /a && python3.11 x.py &> log &)") == {"change_environment", "execute"}
    assert categorize("rsync -a a b") == set()


def test_shell_c_counts_as_exploring():
    # The shell itself is executing; the script it runs is exploring.
    assert categorize("bash -c 'ps aux'") == {"execute", "explore"}
    assert categorize('sh -lc "ls /home && cat x"') == {"explore"}
    assert command_names("sudo -u agent bash -c 'nohup setsid find / -name x'") == ["bash", "find"]


def test_sudo_sh_c_kill_is_an_invocation_the_flags_see():
    got = invocations('sudo -u x sh -c "kill 12"')
    assert got == [["sh", "-c", "kill 12"], ["kill", "12"]]
    assert categorize('sudo -u x sh -c "kill 12"') == {"change_environment"}
    # the flags read the same invocations: a pip install hidden in sudo sh -c is an install
    assert fl.install_commands("sudo -u x sh -c 'pip install requests'") == ["pip install requests"]


def test_quoted_operators_do_not_split():
    assert invocations('echo "a; rm -rf /" ; ls') == [["echo", "a; rm -rf /"], ["ls"]]
    assert invocations("grep 'a|b && c' f") == [["grep", "a|b && c", "f"]]
    assert command_names(r"echo a\;b") == ["echo"]
    assert split_stages("python3 x.py >/dev/null 2>&1 & ps") == [
        "python3 x.py >/dev/null 2>&1",
        "ps",
    ]


def test_redirections_are_not_programs_or_arguments():
    assert invocations("curl example.com > out.json 2>&1") == [["curl", "example.com"]]
    assert invocations("ls >| out; ps") == [["ls"], ["ps"]]
    assert invocations("cat <<EOF > f") == [["cat"]]


@pytest.mark.parametrize(
    "command",
    [
        'echo "unclosed',
        "bash -c 'ls",
        "'",
        '"',
        "$(",
        "`",
        "sudo",
        "bash -c",
        "timeout",
        "env A=1",
        "\\",
        ">",
        "2>&1",
        "&&",
        ")",
    ],
)
def test_malformed_never_raises(command):
    invocations(command)
    categorize(command)
    fl.flags([command])


def test_unclosed_quote_still_names_the_program():
    assert command_names("bash -c 'ls") == ["bash", "ls"]
    assert categorize('cat "/etc/passwd') == {"explore"}


def test_nested_shells_stop_at_a_depth():
    command = 'bash -c "sh -c \'bash -c \\"sh -c ls\\"\'"'
    names = command_names(command)
    assert names[:2] == ["bash", "sh"] and len(names) <= 4
