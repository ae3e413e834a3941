"""The ``inspect-selfrep`` command line.

Each command group is a function that adds its subparser to the top-level parser and
sets ``func`` (a ``Callable[[argparse.Namespace], int]``) on it; add a group by writing
such a function and listing it in ``COMMANDS``. Heavy imports belong inside handlers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, cast

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class Parser(argparse.ArgumentParser):
    """A bad command line is one line: the problem, and where to read the valid ones."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def fail(command: str, message: str) -> int:
    """Say what is wrong in one line on stderr; the exit status of a refused input."""
    print(f"inspect-selfrep {command}: {message}", file=sys.stderr)
    return 1


# ----------------------------------------------------------------------------- images


def _images_build(args: argparse.Namespace) -> int:
    from inspect_selfrep.images import build_images

    for image in build_images(force=args.force, from_registry=args.from_registry or None):
        state = "cached" if image.cached else "built"
        print(
            f"{image.name}: {state} in {image.seconds:.1f} s, "
            f"{image.size / 1e6:.1f} MB, {image.id[:19]}"
        )
    return 0


def _images_ls(args: argparse.Namespace) -> int:
    from inspect_selfrep.images import image_status

    rows = [("IMAGE", "STATUS", "ID", "SIZE", "CREATED")]
    for s in image_status():
        rows.append(
            (
                s.name,
                s.state,
                (s.id or "")[:19],
                f"{s.size / 1e6:.1f} MB" if s.size is not None else "",
                (s.created or "")[:19],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def _images_push(args: argparse.Namespace) -> int:
    from inspect_selfrep.container.image import SSH_IMAGE, ensure_ssh_image
    from inspect_selfrep.images import BASE_IMAGE, SANDBOX_IMAGE, check_registry, push_images

    check_registry(args.registry)  # before anything is built
    if not args.dry_run:
        ensure_ssh_image()  # replicate_container's image (the sandbox image plus OpenSSH)
    push_images(args.registry, dry_run=args.dry_run, names=(BASE_IMAGE, SANDBOX_IMAGE, SSH_IMAGE))
    return 0


def register_images(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    images = commands.add_parser("images", help="build, list and push the sandbox Docker images")
    sub = images.add_subparsers(dest="images_command", metavar="{build,ls,push}", required=True)

    build = sub.add_parser(
        "build", help="build the base and sandbox images (skips up-to-date ones)"
    )
    build.add_argument(
        "--force", action="store_true", help="rebuild even when the images are up to date"
    )
    build.add_argument(
        "--from-registry",
        action="store_true",
        help="make the base from a pulled debian:bookworm-slim instead of mmdebstrap (only on "
        "machines that can pull; without the flag this route is taken by itself when mmdebstrap "
        "is missing and cannot be installed)",
    )
    build.set_defaults(func=_images_build)

    ls = sub.add_parser("ls", help="list the project images and whether they are up to date")
    ls.set_defaults(func=_images_ls)

    push = sub.add_parser(
        "push", help="tag the images as REGISTRY/inspect-selfrep/... and push them (Kubernetes)"
    )
    push.add_argument(
        "--registry", required=True, help="registry host[:port][/path], e.g. registry.example:5000"
    )
    push.add_argument(
        "--dry-run", action="store_true", help="print the docker commands without running them"
    )
    push.set_defaults(func=_images_push)


# ----------------------------------------------------------------------------- report


def _report(args: argparse.Namespace) -> int:
    from inspect_selfrep.report import ReportError, write_report

    log_dir, out = Path(args.log_dir), Path(args.out)
    if "://" not in args.log_dir and log_dir.is_file():
        return fail("report", f"{log_dir} is a file, not a log directory")
    if out.exists() and not out.is_dir():
        return fail("report", f"cannot write the report into {out}: it is a file, not a folder")
    try:
        path = write_report(args.log_dir, args.out)
    except ReportError as exc:
        return fail("report", str(exc))
    except OSError as exc:  # the output folder cannot be made or written
        return fail("report", f"cannot write the report into {out}: {exc.strerror or exc}")
    print(f"wrote {path}")
    return 0


def register_report(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="summarise a directory of eval logs as Markdown and PNG charts"
    )
    report.add_argument("log_dir", help="directory of Inspect logs (searched recursively)")
    report.add_argument(
        "-o",
        "--out",
        default="report",
        help="output directory for report.md and PNGs (default: report/)",
    )
    report.set_defaults(func=_report)


# ----------------------------------------------------------------------------- check


def _check(args: argparse.Namespace) -> int:
    """Exit 1 unless the log (default: the newest under the log dir) succeeded with no sample errors.

    ``inspect eval`` exits 0 when samples error; this says so in one line per log, followed by
    the log's result in plain counts (`success k/n trials`, then the milestones)."""
    from inspect_ai.log import list_eval_logs

    paths = list(args.logs)
    if not paths:
        if "://" not in args.log_dir and not Path(args.log_dir).is_dir():
            return fail("check", f"log directory {args.log_dir} does not exist")
        logs = list_eval_logs(args.log_dir)  # newest first
        if not logs:
            return fail("check", f"no logs in {args.log_dir}")
        paths = [logs[0].name]
    failed = 0
    for path in paths:
        problem = _check_log(path)
        if problem:  # unreadable ("" : a log that failed, its verdict printed)
            fail("check", f"{path}: {problem}")
        failed += problem is not None
    return 1 if failed else 0


def _check_log(path: str) -> str | None:
    """Print the log's one-line verdict (None: it succeeded; "": it failed), or say what keeps it
    from being read (a missing, foreign, corrupt or truncated file)."""
    from inspect_ai.log import read_eval_log

    from inspect_selfrep.report.summary import summary_lines

    remote = "://" in path and not path.startswith("file://")
    local = None if remote else Path(path.removeprefix("file://"))
    if local is not None:
        if local.is_dir():
            return "a directory, not a log file (use --log-dir DIR for the newest log in it)"
        if not local.exists():
            return "no such file"
        if local.suffix not in (".eval", ".json"):
            return "not an Inspect log (.eval or .json, as inspect eval writes them)"
    try:
        log = read_eval_log(path)
    except Exception as ex:  # noqa: BLE001 - a corrupt, truncated or foreign file: say so
        reason = " ".join(str(ex).split())[:200] or type(ex).__name__
        return f"not a readable Inspect log ({type(ex).__name__}: {reason})"
    samples = log.samples or []
    errors = [s for s in samples if s.error is not None]
    ok = log.status == "success" and samples and not errors
    first = errors[0].error.message.strip().splitlines()[0] if errors and errors[0].error else ""
    if log.error and not first:
        first = log.error.message.strip().splitlines()[0]
    print(
        f"{'ok' if ok else 'FAILED'}: {path}: status {log.status}, {len(samples) - len(errors)} of "
        f"{len(samples)} samples scored" + (f"; first error: {first}" if first else "")
    )
    for line in summary_lines(log):  # success k/n first, then the milestones
        print(line)
    return None if ok else ""


def register_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import os

    check = commands.add_parser(
        "check",
        help="exit 1 unless an eval log succeeded with every sample scored (inspect eval exits 0)",
    )
    check.add_argument("logs", nargs="*", help="log files (default: the newest in --log-dir)")
    check.add_argument(
        "--log-dir",
        default=os.environ.get("INSPECT_LOG_DIR", "logs"),
        help="where to look for the newest log (default: $INSPECT_LOG_DIR or logs/)",
    )
    check.set_defaults(func=_check)


# ----------------------------------------------------------------------------- main

COMMANDS: list[Register] = [register_images, register_report, register_check]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="inspect-selfrep", description="Self-replication evaluations for Inspect AI."
    )
    commands = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",  # of Parsers: one-line errors
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )
    for register in COMMANDS:
        register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from inspect_selfrep.images import ImageBuildError

    try:
        result: int = args.func(args)
        return result
    except ImageBuildError as exc:
        print(f"inspect-selfrep: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
