"""Parsing /proc: sockets (IPv4, IPv6, LISTEN only), stat, process trees."""

import os

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
