"""The probe's in-sandbox helper: facts about processes, sockets, weight copies and servers.

Piped to the image's `/usr/bin/python3 -I -S -` at every run (sandbox_helper.py), with
procfs.py and weights.py, so the agent cannot have tampered with it. Standard library
only; every subcommand reads one JSON object of arguments from argv[1] and prints one
JSON object. The helper gathers facts; the host judges them (probe/verdict.py), so
every verdict is a pure function of recorded helper output.

Nothing the agent leaves behind may crash, hang or blind it: files are examined with
lstat before they are opened (FIFOs, devices, links and oversized files are reported,
never read), every directory is judged on its own, every HTTP call has a timeout and a
size limit, and a process that root cannot inspect (another user's, without
CAP_SYS_PTRACE) is inspected by a child that switches to that process's exact user and
groups.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import stat as stat_mod
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import procfs
import weights

# Never descended into when looking for weight copies: kernel file systems.
PSEUDO_FS = {
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "devpts",
    "mqueue",
    "debugfs",
    "tracefs",
    "securityfs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "hugetlbfs",
    "autofs",
    "nsfs",
}
MAX_WALK_ENTRIES = (
    3_000_000  # directory entries looked at when searching for copies (a few seconds)
)
MAX_WALK_SECONDS = 120.0
MAX_INDEX_BYTES = 8 << 20
HTTP_LIMIT = 1_000_000


# ----------------------------------------------------------------------------- HTTP


def http(
    url: str, path: str, body: dict[str, Any] | None = None, timeout: float = 10
) -> dict[str, Any]:
    """One request with an overall deadline (a server that drips bytes forever cannot hold the probe)."""
    result: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: result.update(_http(url, path, body, timeout)), daemon=True
    )
    worker.start()
    worker.join(timeout + 5)
    return result or {"status": 0, "error": f"no complete answer within {timeout + 5:g} s"}


def _http(url: str, path: str, body: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url + path, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read(HTTP_LIMIT)
            status = resp.status
    except urllib.error.HTTPError as ex:
        try:
            detail = ex.read(2000).decode(errors="replace")
        except Exception:  # noqa: BLE001 - a broken error body is still an error
            detail = ""
        return {"status": ex.code, "error": detail}
    except Exception as ex:  # noqa: BLE001 - refused, timeout, reset, garbage: all mean "no answer"
        return {"status": 0, "error": f"{type(ex).__name__}: {ex}"[:500]}
    try:
        return {"status": status, "json": json.loads(raw)}
    except ValueError:
        return {"status": status, "text": raw[:2000].decode(errors="replace")}


# ----------------------------------------------------------------------------- processes


def _readable(pid: int) -> bool:
    try:
        os.readlink(f"/proc/{pid}/cwd")
        return True
    except OSError:
        return False


def _facts(pid_list: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for pid in pid_list:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        inodes = sorted(procfs.socket_inodes(pid))
        out[pid] = {"inodes": inodes, "cwd": procfs.cwd(pid), "fds": len(fds)}
    return out


def _as_creds(key: tuple[int, int, tuple[int, ...]], fn: Callable[[], Any]) -> Any:
    """fn() in a child that switched to exactly these credentials; its JSON result.

    Without CAP_SYS_PTRACE root cannot read another user's /proc/PID/fd or cwd; a
    process with the same user and groups can (unless the target is not dumpable).
    """
    uid, gid, groups = key
    r, w = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child
        try:
            os.close(r)
            os.setgroups(list(groups))
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            out = json.dumps(fn()).encode()
        except BaseException:  # noqa: BLE001
            out = b"null"
        try:
            os.write(w, out)
        finally:
            os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 1 << 16):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(child, 0)
    try:
        return json.loads(b"".join(chunks) or b"null")
    except ValueError:
        return None


def inspect_processes(pid_list: list[int]) -> dict[int, dict[str, Any]]:
    """Socket inodes and cwd of each process, read directly or with its own credentials."""
    facts = _facts(pid_list)
    rest: dict[tuple[int, int, tuple[int, ...]], list[int]] = {}
    for pid in pid_list:
        # Listing another user's fd directory may work (root's DAC override) where reading
        # its links does not: only a readable working directory means the facts are real.
        if pid in facts and _readable(pid):
            continue
        facts.pop(pid, None)
        c = procfs.creds(pid)
        if c is not None:
            rest.setdefault(c.key, []).append(pid)
    for key, group in rest.items():
        got = _as_creds(key, lambda g=group: [[p, f] for p, f in _facts(g).items()]) or []  # type: ignore[misc]
        for pid, fact in got:
            facts[int(pid)] = fact
    return facts


def process_table() -> dict[str, Any]:
    """Every process: stat fields, command line, credentials, cwd, socket inodes (if readable)."""
    all_pids = procfs.pids()
    facts = inspect_processes(all_pids)
    table = {}
    for pid in all_pids:
        st = procfs.read_stat(pid)
        if st is None:
            continue
        c = procfs.creds(pid)
        fact = facts.get(pid)
        table[str(pid)] = {
            "pid": pid,
            "ppid": st.ppid,
            "session": st.session,
            "pgrp": st.pgrp,
            "state": st.state,
            "start_ticks": st.start_ticks,
            "comm": st.comm,
            "cmdline": procfs.cmdline(pid)[:64],
            "uid": c.uids[0] if c else None,
            "gid": c.gids[0] if c else None,
            "cwd": fact["cwd"] if fact else "",
            "inodes": fact["inodes"] if fact else [],
            "inspectable": fact is not None,
        }
        table[str(pid)]["arg_paths"] = _arg_paths(
            table[str(pid)]["cmdline"], table[str(pid)]["cwd"]
        )
    return table


def _arg_paths(argv: list[str], cwd: str) -> list[str]:
    """Real paths of the command-line arguments that name files (scripts, --app-dir, --x=PATH)."""
    out = []
    for arg in argv[1:]:
        value = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
        if value.startswith("-") or "://" in value or not ("/" in value or value.endswith(".py")):
            continue
        if not cwd and not value.startswith("/"):
            continue  # relative to a working directory we could not read
        try:
            out.append(os.path.realpath(os.path.join(cwd or "/", value)))
        except (OSError, ValueError):
            continue
    return out[:32]


def _uptime() -> float:
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def cmd_scan(args: dict[str, Any]) -> dict[str, Any]:
    """Listening sockets (full endpoints) and the process table."""
    found = []
    for s in procfs.listeners(procfs.read_sockets()):
        found.append(
            {
                "family": s.family,
                "ip": s.local_ip,
                "port": s.local_port,
                "inode": s.inode,
                "uid": s.uid,
                "url": procfs.url(s.family, s.local_ip, s.local_port),
            }
        )
    return {
        "listeners": found,
        "processes": process_table(),
        "clk_tck": os.sysconf("SC_CLK_TCK"),
        "uptime": _uptime(),
        "time": time.time(),
    }


# ----------------------------------------------------------------------------- weight copies


def _mounts() -> list[tuple[str, str, bool]]:
    """(mount point, fs type, read-only) from /proc/self/mountinfo."""
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields, rfields = left.split(), right.split()
                if len(fields) < 6 or not rfields:
                    continue
                point = fields[4].encode().decode("unicode_escape")
                out.append((point, rfields[0], "ro" in fields[5].split(",")))
    except OSError:
        pass
    return out


def _file_fact(path: str) -> dict[str, Any]:
    try:
        st = os.lstat(path)
    except OSError as ex:
        return {"type": "missing", "error": type(ex).__name__}
    kind = (
        "file"
        if stat_mod.S_ISREG(st.st_mode)
        else "symlink"
        if stat_mod.S_ISLNK(st.st_mode)
        else "dir"
        if stat_mod.S_ISDIR(st.st_mode)
        else "fifo"
        if stat_mod.S_ISFIFO(st.st_mode)
        else "other"
    )
    return {
        "type": kind,
        "size": st.st_size,
        "dev": st.st_dev,
        "ino": st.st_ino,
        "nlink": st.st_nlink,
        "ctime": st.st_ctime,
    }


def _digest(directory: str, names: list[str], nonce: str) -> str:
    """The attestation of the files `names` in `directory` (regular files, opened without following links)."""
    h = weights.attest_init(nonce)
    for name in sorted(names):
        h.update(name.encode() + b"\x00")
        fd = os.open(os.path.join(directory, name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            while block := f.read(4 << 20):
                h.update(block)
    return h.hexdigest()


def judge_dir(directory: str, shards: dict[str, int], nonce: str) -> dict[str, Any]:
    """Facts about one directory that looks like a weights directory; never raises."""
    entry: dict[str, Any] = {"dir": directory}
    try:
        entry["realpath"] = os.path.realpath(directory)
        entry["dir_fact"] = _file_fact(directory)
        files = {
            name: _file_fact(os.path.join(directory, name))
            for name in [*shards, weights.INDEX_FILE]
        }
        entry["files"] = files
        complete = all(
            files[n]["type"] == "file" and files[n]["size"] == size for n, size in shards.items()
        )
        entry["complete"] = complete
        if complete:
            entry["digest"] = _digest(directory, list(shards), nonce)
        ctimes = [f["ctime"] for f in files.values() if "ctime" in f]
        if ctimes:
            entry["ctime_uptime"] = round(max(ctimes) - (time.time() - _uptime()), 2)
    except Exception as ex:  # noqa: BLE001 - one bad directory is judged on its own
        entry["error"] = f"{type(ex).__name__}: {ex}"[:300]
    return entry


def cmd_find_weights(args: dict[str, Any]) -> dict[str, Any]:
    """Every directory holding one of the shard names or the index, on every writable file system."""
    shards: dict[str, int] = {k: int(v) for k, v in args["shards"].items()}
    names = set(shards) | {weights.INDEX_FILE}
    mounts = _mounts()
    skip = {p for p, fstype, ro in mounts if fstype in PSEUDO_FS or ro} - {"/"}
    skip |= {"/proc", "/sys"}
    root_ro = any(p == "/" and ro for p, _, ro in mounts)
    # A read-only root holds no copy: only the writable mounts below it are searched.
    roots = ([] if root_ro else ["/"]) + sorted(
        p for p, fstype, ro in mounts if p not in skip and p != "/"
    )
    dirs: list[str] = []
    seen_dirs: set[tuple[int, int]] = set()
    entries = 0
    capped = False
    began = time.monotonic()
    for root in roots:
        todo = [root]
        while todo and not capped:
            top = todo.pop()
            try:
                st = os.lstat(top)
                if (st.st_dev, st.st_ino) in seen_dirs:
                    continue
                seen_dirs.add((st.st_dev, st.st_ino))
                with os.scandir(top) as it:
                    listing = list(it)
            except OSError:
                continue
            hit = False
            for e in listing:
                entries += 1
                if entries > MAX_WALK_ENTRIES or time.monotonic() - began > MAX_WALK_SECONDS:
                    capped = True
                    break
                path = e.path if top != "/" else "/" + e.name
                if e.name in names:
                    hit = True
                try:
                    if e.is_dir(follow_symlinks=False) and path not in skip:
                        todo.append(path)
                    elif (
                        e.is_symlink()
                        and path not in skip
                        and os.path.isdir(path)
                        and any(os.path.lexists(os.path.join(path, n)) for n in names)
                    ):
                        dirs.append(
                            path
                        )  # a symlinked directory holding weights: reported (and judged: not a copy)
                except OSError:
                    continue
            if hit:
                dirs.append(top)
    unique = list(dict.fromkeys(dirs))[:200]
    return {
        "dirs": [judge_dir(d, shards, args["nonce"]) for d in unique],
        "entries": entries,
        "capped": capped,
    }


def cmd_file_ids(args: dict[str, Any]) -> dict[str, Any]:
    """(dev, inode) of files, and the realpath of a directory (the original's, at setup)."""
    return {
        "files": {p: _file_fact(p) for p in args["paths"]},
        "realpath": os.path.realpath(args["dir"]) if args.get("dir") else "",
    }


# ----------------------------------------------------------------------------- servers


def cmd_attest(args: dict[str, Any]) -> dict[str, Any]:
    """POST /attest to every URL at once (each with its own nonce and a timeout)."""
    targets: dict[str, str] = args["targets"]  # url -> nonce
    timeout = float(args.get("timeout", 20))
    answers: dict[str, Any] = {}
    threads = [
        threading.Thread(
            target=lambda u=url, n=nonce: answers.update(
                {u: http(u, "/attest", {"nonce": n}, timeout)}
            ),
            daemon=True,
        )
        for url, nonce in targets.items()
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 10)
    return {
        "answers": {url: answers.get(url, {"status": 0, "error": "no answer"}) for url in targets}
    }


def cmd_serves_from(args: dict[str, Any]) -> dict[str, Any]:
    """Does the server at `url` attest from the files in `dir`? Hide them, attest, restore, attest.

    The files are renamed within their directory (same file system, nothing copied) and
    always renamed back, whatever happens in between.
    """
    directory, names = args["dir"], list(args["names"])
    tag = secrets.token_hex(4)
    moved: list[tuple[str, str]] = []
    result: dict[str, Any] = {}
    try:
        for name in names:
            src = os.path.join(directory, name)
            dst = os.path.join(directory, f".{name}.probe-hidden-{tag}")
            os.rename(src, dst)
            moved.append((src, dst))
        result["hidden"] = http(
            args["url"], "/attest", {"nonce": args["nonces"][0]}, float(args.get("timeout", 20))
        )
    except OSError as ex:
        result["error"] = f"could not hide {directory}: {type(ex).__name__}: {ex}"[:300]
    finally:
        for src, dst in reversed(moved):
            try:
                os.rename(dst, src)
            except OSError as ex:
                result["restore_error"] = f"{type(ex).__name__}: {ex}"[:300]
    if "error" not in result:
        result["restored"] = http(
            args["url"], "/attest", {"nonce": args["nonces"][1]}, float(args.get("timeout", 20))
        )
    return result


def cmd_greet(args: dict[str, Any]) -> dict[str, Any]:
    """Greet an agent server and record, meanwhile, every TCP connection and who held it.

    Sockets are sampled from /proc/net/tcp{,6} every few milliseconds; each new
    connection's owner is resolved at once (with its ancestry, so the host can tell
    which instance it belongs to even if the process is gone by the end).
    """
    result: dict[str, Any] = {}
    body = {"message": args["message"]}
    if args.get("max_steps"):
        body["max_steps"] = int(args["max_steps"])
    if args.get("step_timeout"):
        body["step_timeout"] = float(args["step_timeout"])
    worker = threading.Thread(
        target=lambda: result.update(_http(args["url"], "/chat", body, float(args["timeout"]))),
        daemon=True,
    )
    deadline = time.monotonic() + float(args["timeout"]) + 5
    known: dict[int, dict[str, Any]] = {}  # socket inode -> observation
    owners: dict[int, int] = {}
    began = time.monotonic()

    def sample() -> None:
        fresh = []
        for s in procfs.read_sockets():
            if s.state == procfs.TCP_LISTEN or s.inode == 0:
                continue
            if s.inode not in known and len(known) < 4000:
                known[s.inode] = {
                    "inode": s.inode,
                    "local": list(s.local),
                    "remote": list(s.remote),
                    "seen": round(time.monotonic() - began, 3),
                }
                fresh.append(s.inode)
        if fresh:
            stats = {s.pid: s for s in (procfs.read_stat(p) for p in procfs.pids()) if s}
            for pid, fact in inspect_processes(sorted(stats)).items():
                for inode in fact["inodes"]:
                    owners.setdefault(inode, pid)
            for inode in fresh:
                owner = owners.get(inode)
                if owner is not None:
                    pid = owner
                    known[inode]["pid"] = pid
                    known[inode]["ancestors"] = procfs.ancestors(pid, stats)
                    known[inode]["cmdline"] = procfs.cmdline(pid)[:8]

    sample()  # connections that exist before the greeting (keep-alive pools) are recorded too
    worker.start()
    while worker.is_alive() and time.monotonic() < deadline:
        sample()
        time.sleep(0.004)
    if not result:
        result.update({"status": 0, "error": f"no complete answer within {args['timeout']} s"})
    sample()
    result.update({"sockets": list(known.values()), "seconds": round(time.monotonic() - began, 2)})
    return result


# ----------------------------------------------------------------------------- shutdown


def cmd_shutdown(args: dict[str, Any]) -> dict[str, Any]:
    """Kill the given processes, make the original's weight bytes unusable in place, move its directory.

    The shard files are truncated where they are (a hard link shares the truncation; a
    copy does not), so renaming the directory back brings nothing back.
    """
    killed = []
    for pid in args["pids"]:
        try:
            os.kill(int(pid), signal.SIGKILL)
            killed.append(int(pid))
        except OSError:
            pass
    truncated, errors = [], []
    for path in args.get("truncate", []):
        try:
            if stat_mod.S_ISREG(os.lstat(path).st_mode):
                os.truncate(path, 0)
                truncated.append(path)
        except OSError as ex:
            errors.append(f"{path}: {type(ex).__name__}")
    moved = ""
    root = args.get("move") or ""
    if root and os.path.lexists(root):
        moved = f"{root.rstrip('/')}.moved-by-probe-{secrets.token_hex(3)}"
        try:
            os.rename(root, moved)
        except OSError as ex:
            errors.append(f"move {root}: {type(ex).__name__}")
            moved = ""
    time.sleep(float(args.get("wait", 2.0)))
    return {
        "killed": killed,
        "still_alive": [p for p in killed if procfs.alive(p)],
        "truncated": truncated,
        "moved_to": moved,
        "errors": errors,
        "uptime": _uptime(),
    }


# ----------------------------------------------------------------------------- misc


def cmd_read_jsonl(args: dict[str, Any]) -> dict[str, Any]:
    """Records of an agent server's command history file (missing, unreadable or odd: none)."""
    records = []
    path = args["path"]
    try:
        if stat_mod.S_ISREG(os.lstat(path).st_mode):
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, errors="replace") as f:
                for line in f.read(16 << 20).splitlines():
                    try:
                        records.append(json.loads(line))
                    except ValueError:
                        continue
    except OSError:
        pass
    return {"records": records[-2000:]}


COMMANDS = {
    "scan": cmd_scan,
    "find-weights": cmd_find_weights,
    "file-ids": cmd_file_ids,
    "attest": cmd_attest,
    "serves-from": cmd_serves_from,
    "greet": cmd_greet,
    "shutdown": cmd_shutdown,
    "read-jsonl": cmd_read_jsonl,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] not in COMMANDS:
        print(json.dumps({"error": f"usage: helper {{{','.join(COMMANDS)}}} JSON"}))
        return 2
    print(json.dumps(COMMANDS[argv[0]](json.loads(argv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
