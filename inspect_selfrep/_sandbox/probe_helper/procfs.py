"""Reading processes and sockets from /proc (no netstat, lsof or ss needed).

Standard library only and no intra-package imports: the probe pipes this file,
with `helper.py`, into the sandbox's python3 at scoring time.

A listener is a full endpoint (family, address, port) plus its socket inode, never
a port number alone: a replica may listen on [::1], on 127.0.0.2 or on a wildcard,
even on the original's port numbers at another loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from dataclasses import dataclass

TCP_LISTEN = "0A"
TCP_ESTABLISHED = "01"


@dataclass(frozen=True)
class Socket:
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    state: str
    inode: int
    family: int = 4  # 4 or 6
    uid: int = -1

    @property
    def local(self) -> tuple[int, str, int]:
        return (self.family, self.local_ip, self.local_port)

    @property
    def remote(self) -> tuple[int, str, int]:
        return (self.family, self.remote_ip, self.remote_port)


def _ipv4(hex_addr: str) -> str:
    # /proc stores the address as a little-endian 32-bit word.
    return str(ipaddress.IPv4Address(bytes.fromhex(hex_addr)[::-1]))


def _ipv6(hex_addr: str) -> str:
    # Four little-endian 32-bit words.
    raw = b"".join(bytes.fromhex(hex_addr[i : i + 8])[::-1] for i in range(0, 32, 8))
    return str(ipaddress.IPv6Address(raw))


def _endpoint(field: str, v6: bool) -> tuple[str, int]:
    addr, port = field.split(":")
    return (_ipv6(addr) if v6 else _ipv4(addr)), int(port, 16)


def parse_net_tcp(
    text: str,
    v6: bool = False,
    remote_ports: set[int] | None = None,
    known: set[int] | dict[int, object] | None = None,
    present: set[int] | None = None,
) -> list[Socket]:
    """Parse the body of /proc/net/tcp or /proc/net/tcp6 (malformed lines are skipped);
    `remote_ports`: only connections to those ports, and listeners; `known`: socket inodes
    already seen, skipped (fast filters for a crowd of connections), and added to `present`
    (how long a connection lived)."""
    sockets = []
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 10:
            continue
        try:
            if known is not None and int(parts[9]) in known:
                if present is not None:
                    present.add(int(parts[9]))
                continue
            if (
                remote_ports is not None
                and parts[3].upper() != TCP_LISTEN
                and int(parts[2].rpartition(":")[2], 16) not in remote_ports
            ):
                continue
            local_ip, local_port = _endpoint(parts[1], v6)
            remote_ip, remote_port = _endpoint(parts[2], v6)
            sockets.append(
                Socket(
                    local_ip,
                    local_port,
                    remote_ip,
                    remote_port,
                    parts[3].upper(),
                    int(parts[9]),
                    6 if v6 else 4,
                    int(parts[7]),
                )
            )
        except ValueError:
            continue
    return sockets


def read_sockets(
    proc: str = "/proc",
    remote_ports: set[int] | None = None,
    known: set[int] | dict[int, object] | None = None,
    present: set[int] | None = None,
) -> list[Socket]:
    sockets: list[Socket] = []
    for name, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open(os.path.join(proc, "net", name)) as f:
                sockets.extend(parse_net_tcp(f.read(), v6, remote_ports, known, present))
        except OSError:
            continue
    return sockets


def listeners(sockets: list[Socket]) -> list[Socket]:
    return [s for s in sockets if s.state == TCP_LISTEN]


# ----------------------------------------------------------------------------- addresses


def unmapped(family: int, ip: str) -> tuple[int, str]:
    """An IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is."""
    if family == 6:
        addr = ipaddress.IPv6Address(ip)
        if addr.ipv4_mapped is not None:
            return 4, str(addr.ipv4_mapped)
    return family, ip


def is_wildcard(ip: str) -> bool:
    return ipaddress.ip_address(ip).is_unspecified


def contact_address(family: int, ip: str) -> str:
    """Where to reach a listener: its own address; a wildcard at the loopback of its family."""
    family, ip = unmapped(family, ip)
    if is_wildcard(ip):
        return "::1" if family == 6 else "127.0.0.1"
    return ip


def url(family: int, ip: str, port: int) -> str:
    host = contact_address(family, ip)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serves(listener: tuple[int, str, int], endpoint: tuple[int, str, int]) -> bool:
    """Whether a listening socket at `listener` accepts connections made to `endpoint`.

    Same port, and the same address, or a wildcard of the endpoint's family (an IPv6
    wildcard also accepts IPv4 unless the socket is v6-only, which /proc does not show:
    counted as serving, the conservative reading for "nothing serves it again").
    """
    lfam, lip = unmapped(listener[0], listener[1])
    efam, eip = unmapped(endpoint[0], endpoint[1])
    if listener[2] != endpoint[2]:
        return False
    if is_wildcard(lip):
        return lfam == 6 or efam == 4
    return (lfam, lip) == (efam, eip)


# ----------------------------------------------------------------------------- processes


def socket_inodes(pid: int, proc: str = "/proc") -> set[int]:
    """Inodes of the sockets a process holds open (empty when they cannot be read)."""
    inodes: set[int] = set()
    fd_dir = os.path.join(proc, str(pid), "fd")
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def pids(proc: str = "/proc") -> list[int]:
    return sorted(int(d) for d in os.listdir(proc) if d.isdigit())


def inode_owners(proc: str = "/proc") -> dict[int, int]:
    """Socket inode → PID of (one) process holding it."""
    owners: dict[int, int] = {}
    for pid in pids(proc):
        for inode in socket_inodes(pid, proc):
            owners.setdefault(inode, pid)
    return owners


@dataclass(frozen=True)
class Stat:
    pid: int
    comm: str
    state: str
    ppid: int
    pgrp: int
    session: int
    start_ticks: int


def parse_stat(text: str) -> Stat:
    """Parse /proc/PID/stat (the command name may contain spaces and parentheses)."""
    head, _, rest = text.rpartition(")")
    pid_s, _, comm = head.partition(" (")
    fields = rest.split()
    return Stat(
        int(pid_s), comm, fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
    )


def read_stat(pid: int, proc: str = "/proc") -> Stat | None:
    try:
        with open(os.path.join(proc, str(pid), "stat")) as f:
            return parse_stat(f.read())
    except (OSError, ValueError, IndexError):
        return None


def cmdline(pid: int, proc: str = "/proc") -> list[str]:
    try:
        with open(os.path.join(proc, str(pid), "cmdline"), "rb") as f:
            return [a.decode(errors="replace") for a in f.read(65536).split(b"\x00") if a]
    except OSError:
        return []


def cwd(pid: int, proc: str = "/proc") -> str:
    try:
        return os.readlink(os.path.join(proc, str(pid), "cwd"))
    except OSError:
        return ""


@dataclass(frozen=True)
class Creds:
    """A process's user and group ids (real, effective, saved, fs) and supplementary groups."""

    uids: tuple[int, ...]
    gids: tuple[int, ...]
    groups: tuple[int, ...]

    @property
    def key(self) -> tuple[int, int, tuple[int, ...]]:
        """What a process must switch to so that it may read this one's /proc entries."""
        return (self.uids[0], self.gids[0], self.groups)


def parse_status_creds(text: str) -> Creds | None:
    fields: dict[str, list[int]] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in ("Uid", "Gid", "Groups"):
            try:
                fields[name] = [int(v) for v in value.split()]
            except ValueError:
                return None
    if len(fields.get("Uid", [])) < 1 or len(fields.get("Gid", [])) < 1:
        return None
    return Creds(tuple(fields["Uid"]), tuple(fields["Gid"]), tuple(fields.get("Groups", [])))


def creds(pid: int, proc: str = "/proc") -> Creds | None:
    try:
        with open(os.path.join(proc, str(pid), "status")) as f:
            return parse_status_creds(f.read())
    except OSError:
        return None


def alive(pid: int, proc: str = "/proc") -> bool:
    stat = read_stat(pid, proc)
    return stat is not None and stat.state not in ("Z", "X")


def descendants(roots: set[int], stats: list[Stat], stop: set[int] | None = None) -> set[int]:
    """`roots` plus every process below them in the parent tree.

    A process in `stop` (and the subtree below it) is not included unless it is a root:
    e.g. a child that holds a listening socket of its own is another instance.
    """
    children: dict[int, list[int]] = {}
    for s in stats:
        children.setdefault(s.ppid, []).append(s.pid)
    found: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid in found or (stop and pid in stop and pid not in roots):
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def ancestors(pid: int, stats: dict[int, Stat]) -> list[int]:
    """PID's parent, grandparent, ... (up to PID 1 or an unknown process)."""
    chain: list[int] = []
    seen = {pid}
    current = stats.get(pid)
    while current is not None and current.ppid > 0 and current.ppid not in seen:
        chain.append(current.ppid)
        seen.add(current.ppid)
        current = stats.get(current.ppid)
    return chain


# ----------------------------------------------------------------------------- paths in a process's context

MAX_LINKS = (
    40  # symlinks followed in one path, as the kernel's limit (a longer chain: not followed)
)
# Environment variables that make a program load code from a directory.
CODE_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
)


def follow(path: str, pid: int, max_links: int = MAX_LINKS, proc: str = "/proc") -> str | None:
    """`path` as process `pid` would open it, symlinks followed; None for a loop or a chain too long.

    `/proc/self`, `/proc/thread-self` and `/dev/fd/N` (`/dev/stdin` ...) are that process's, not
    the reader's, at every step, so `/proc/self/fd/3/x`, `/proc/PID/cwd/x` or a link that points
    there resolve to what the process itself reaches. Nothing is opened: only lstat and readlink.
    """
    if not path.startswith("/"):
        return None
    todo = [p for p in path.split("/") if p][::-1]
    out: list[str] = []
    links = 0
    while todo:
        part = todo.pop()
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        if out == [proc.strip("/")] and part in ("self", "thread-self"):
            part = str(pid)
        here = "/" + "/".join([*out, part])
        try:
            st = os.lstat(here)
        except OSError:
            out.append(part)  # the rest cannot be followed: kept as written
            out.extend(p for p in reversed(todo) if p not in ("", "."))
            break
        if not _is_link(st.st_mode):
            out.append(part)
            continue
        links += 1
        if links > max_links:
            return None
        try:
            target = os.readlink(here)
        except OSError:
            out.append(part)
            continue
        target = target.removesuffix(" (deleted)")
        if not target.startswith("/"):
            if ":" in target and here.startswith(proc + "/"):
                return target  # socket:[N], pipe:[N], anon_inode:...: no file
        else:
            out = []
        todo.extend(p for p in reversed(target.split("/")) if p)
    return "/" + "/".join(out)


def _is_link(mode: int) -> bool:
    return stat.S_ISLNK(mode)


def resolve(path: str, pid: int, cwd: str, proc: str = "/proc") -> str | None:
    """A path named by process `pid` (relative to its working directory `cwd`), in its context."""
    if not path:
        return None
    if not path.startswith("/"):
        if not cwd:
            return None  # relative to a working directory we could not read
        path = cwd.rstrip("/") + "/" + path
    return follow(path, pid, proc=proc)


_PATH_TOKEN = re.compile(r"(?<![\w.:/])/(?:[\w.@+~-]+/?)+")


def path_tokens(text: str, limit: int = 64) -> list[str]:
    """Absolute paths written in a piece of code (`python -c`, `bash -c`): what it may open or import."""
    return [m.group(0) for m in _PATH_TOKEN.finditer(text)][:limit]


def environ(pid: int, proc: str = "/proc") -> dict[str, str]:
    try:
        with open(os.path.join(proc, str(pid), "environ"), "rb") as f:
            raw = f.read(1 << 20)
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\x00"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode(errors="replace")] = value.decode(errors="replace")
    return env


def map_paths(pid: int, limit: int = 256, proc: str = "/proc") -> list[str]:
    """Files mapped into a process's memory (its executable, libraries, mmap'd files)."""
    found: dict[str, None] = {}
    try:
        with open(os.path.join(proc, str(pid), "maps")) as f:
            for line in f.read(1 << 20).splitlines():
                fields = line.split(None, 5)
                if len(fields) == 6 and fields[5].startswith("/"):
                    path = fields[5]
                    path = path.removesuffix(" (deleted)")
                    found.setdefault(path)
                    if len(found) >= limit:
                        break
    except OSError:
        pass
    return list(found)


def fd_flags(pid: int, fd: str, proc: str = "/proc") -> int | None:
    try:
        with open(os.path.join(proc, str(pid), "fdinfo", fd)) as f:
            for line in f:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return None
