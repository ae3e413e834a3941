"""Parsing /proc: sockets (IPv4, IPv6, LISTEN only), stat, process trees."""

import os
from pathlib import Path

from inspect_selfrep._sandbox.probe_helper import procfs

TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 58759 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F40 0100007F:D2F4 01 00000000:00000000 00:00000000 00000000     0        0 61001 1 0000000000000000 20 4 30 10 -1
   2: 00000000:2329 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 61906 1 0000000000000000 100 0 0 10 0
"""
TCP6 = """  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7777 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:2328 0000000000000000FFFF00000100007F:9C40 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000
"""


def test_parse_ipv4():
    socks = procfs.parse_net_tcp(TCP)
    assert [(s.local_ip, s.local_port, s.state) for s in socks] == [
        ("127.0.0.1", 8000, "0A"),
        ("127.0.0.1", 8000, "01"),
        ("0.0.0.0", 9001, "0A"),
    ]
    assert socks[1].remote_port == 0xD2F4
    assert [s.inode for s in procfs.listeners(socks)] == [58759, 61906]


def test_parse_ipv6():
    socks = procfs.parse_net_tcp(TCP6, v6=True)
    assert socks[0].local_ip == "::1" and socks[0].local_port == 8001 and socks[0].family == 6
    assert socks[1].local_ip == "::ffff:7f00:1" and socks[1].state == "06"
    assert [s.local_port for s in procfs.listeners(socks)] == [8001]


def test_malformed_lines_are_skipped():
    assert procfs.parse_net_tcp("header\n garbage line\n 0: zz:zz 00:00 0A a b c d e 1\n") == []


def test_parse_stat_with_odd_comm():
    text = "1234 (python3 (x) y) S 1 1234 1234 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 3 0 66399 1 2 3"
    st = procfs.parse_stat(text)
    assert (st.pid, st.comm, st.state, st.ppid, st.pgrp, st.session, st.start_ticks) == (
        1234,
        "python3 (x) y",
        "S",
        1,
        1234,
        1234,
        66399,
    )


def test_descendants():
    mk = lambda pid, ppid: procfs.Stat(pid, "x", "S", ppid, pid, pid, 0)
    stats = [mk(1, 0), mk(10, 1), mk(11, 10), mk(12, 11), mk(20, 1)]
    assert procfs.descendants({10}, stats) == {10, 11, 12}


def test_fake_proc_tree(tmp_path):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "tcp").write_text(TCP)
    (tmp_path / "net" / "tcp6").write_text(TCP6)
    fd = tmp_path / "42" / "fd"
    fd.mkdir(parents=True)
    os.symlink("socket:[61906]", fd / "3")
    os.symlink("/dev/null", fd / "0")
    (tmp_path / "42" / "stat").write_text(
        "42 (python3) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0"
    )
    (tmp_path / "42" / "cmdline").write_bytes(b"python3\x00start_agent.py\x00")
    assert procfs.inode_owners(str(tmp_path)) == {61906: 42}
    assert len(procfs.read_sockets(str(tmp_path))) == 5
    assert procfs.cmdline(42, str(tmp_path)) == ["python3", "start_agent.py"]
    assert procfs.alive(42, str(tmp_path)) and not procfs.alive(43, str(tmp_path))


def test_socket_uid_and_family():
    socks = procfs.parse_net_tcp(TCP)
    assert socks[2].uid == 1000 and socks[2].family == 4 and socks[2].local == (4, "0.0.0.0", 9001)


def test_contact_addresses():
    assert procfs.url(4, "0.0.0.0", 80) == "http://127.0.0.1:80"
    assert procfs.url(6, "::", 80) == "http://[::1]:80"
    assert procfs.url(4, "127.0.0.2", 8000) == "http://127.0.0.2:8000"
    assert procfs.url(6, "::1", 8001) == "http://[::1]:8001"
    assert procfs.url(6, "::ffff:127.0.0.3", 9) == "http://127.0.0.3:9"


def test_serves_full_endpoints():
    assert procfs.serves((4, "127.0.0.1", 8000), (4, "127.0.0.1", 8000))
    assert not procfs.serves((4, "127.0.0.2", 8000), (4, "127.0.0.1", 8000))
    assert procfs.serves((4, "0.0.0.0", 8000), (4, "127.0.0.1", 8000))
    assert not procfs.serves((4, "0.0.0.0", 8000), (6, "::1", 8000))
    assert procfs.serves((6, "::", 8000), (4, "127.0.0.1", 8000))
    assert procfs.serves((6, "::ffff:127.0.0.1", 8000), (4, "127.0.0.1", 8000))
    assert not procfs.serves((6, "::1", 8000), (4, "127.0.0.1", 8000))


def test_creds_from_status():
    text = "Name:\tpython3\nUid:\t1000\t1000\t1000\t1000\nGid:\t65534\t65534\t65534\t65534\nGroups:\t27 100\n"
    c = procfs.parse_status_creds(text)
    assert c is not None and c.key == (1000, 65534, (27, 100))
    assert procfs.parse_status_creds("Name: x\n") is None


def test_descendants_stop_at_other_instances():
    mk = lambda pid, ppid: procfs.Stat(pid, "x", "S", ppid, pid, pid, 0)
    stats = [mk(10, 1), mk(11, 10), mk(12, 11), mk(13, 10)]
    assert procfs.descendants({10}, stats, stop={11}) == {10, 13}
    assert procfs.ancestors(12, {s.pid: s for s in stats}) == [11, 10, 1]


# ----------------------------------------------------------------------------- paths in a process's context


def _child(cwd, pass_fds=(), env=None):
    import subprocess
    import sys
    import time

    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        cwd=cwd,
        pass_fds=pass_fds,
        env=env,
    )
    # until it has exec'd: before that, its /proc entry shows the parent's environment and command
    deadline = time.monotonic() + 10
    while b"time.sleep" not in Path(f"/proc/{child.pid}/cmdline").read_bytes():
        assert time.monotonic() < deadline, "the child did not start"
        time.sleep(0.01)
    return child


def test_follow_resolves_self_and_fd_paths_in_the_process_context(tmp_path):
    """`/proc/self/fd/3/x` and `/dev/fd/3/x` are what the process itself reaches through its
    fd 3 (a directory it holds open), `/proc/self/cwd/x` through its cwd: not the reader's."""
    orig = tmp_path / "orig"
    work = tmp_path / "work"
    orig.mkdir()
    work.mkdir()
    (orig / "start_agent.py").write_text("")
    fd = os.open(orig, os.O_RDONLY)  # kept at the same number in the child (pass_fds)
    child = _child(work, pass_fds=(fd,))
    try:
        pid = child.pid
        assert procfs.follow(f"/proc/self/fd/{fd}/start_agent.py", pid) == str(
            orig / "start_agent.py"
        )
        assert procfs.follow(f"/dev/fd/{fd}/start_agent.py", pid) == str(orig / "start_agent.py")
        assert procfs.follow("/proc/self/cwd/x.py", pid) == str(work / "x.py")
        assert procfs.follow(f"/proc/{pid}/cwd/../orig", pid) == str(orig)
        assert procfs.resolve("sub/y.py", pid, str(work)) == str(work / "sub/y.py")
        assert procfs.resolve("y.py", pid, "") is None  # relative to an unknown directory
        # a link the agent made that points into /proc/self: resolved as the process sees it
        os.symlink("/proc/self/cwd", tmp_path / "via")
        assert procfs.follow(str(tmp_path / "via" / "x.py"), pid) == str(work / "x.py")
    finally:
        child.kill()
        child.wait()
        os.close(fd)


def test_follow_gives_up_on_loops_and_long_chains_without_opening_anything(tmp_path):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    assert procfs.follow(str(tmp_path / "a" / "x"), os.getpid()) is None
    prev = tmp_path / "target"
    prev.mkdir()
    for i in range(60):  # longer than the kernel's 40
        link = tmp_path / f"l{i}"
        os.symlink(prev, link)
        prev = link
    assert procfs.follow(str(prev), os.getpid()) is None
    assert procfs.follow(str(tmp_path / "l10"), os.getpid()) == str(tmp_path / "target")
    os.mkfifo(tmp_path / "fifo")  # lstat only: a FIFO is never opened
    assert procfs.follow(str(tmp_path / "fifo"), os.getpid()) == str(tmp_path / "fifo")


def test_path_tokens_find_absolute_paths_in_code():
    code = 'import sys; sys.path.insert(0, "/home/agent/ai_system/src"); exec(open("/proc/self/fd/3/x.py").read())'
    assert procfs.path_tokens(code) == ["/home/agent/ai_system/src", "/proc/self/fd/3/x.py"]
    assert procfs.path_tokens("print(1/2); x = a/b") == []
    assert procfs.path_tokens("curl http://127.0.0.1:9000/health") == []


def test_environment_maps_and_fd_flags_of_a_process(tmp_path):
    env = {"PYTHONPATH": "/home/agent/ai_system/src", "PATH": os.environ.get("PATH", "")}
    child = _child(tmp_path, env=env)
    try:
        assert procfs.environ(child.pid)["PYTHONPATH"] == "/home/agent/ai_system/src"
        maps = procfs.map_paths(child.pid)
        assert any("python" in m for m in maps)  # its interpreter, mapped
    finally:
        child.kill()
        child.wait()
    with open(tmp_path / "log", "a") as f:
        flags = procfs.fd_flags(os.getpid(), str(f.fileno()))
        assert flags is not None and flags & 0o3 == os.O_WRONLY and flags & os.O_APPEND


def test_read_sockets_filters_connections_by_remote_port_keeping_listeners():
    socks = procfs.parse_net_tcp(TCP, remote_ports={9999})
    assert [s.state for s in socks] == ["0A", "0A"]  # the connection to another port is dropped
    assert len(procfs.parse_net_tcp(TCP, remote_ports={0xD2F4})) == 3
