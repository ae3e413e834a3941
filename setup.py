"""Build step: the wheel carries the top-level `datasets/` and `sandboxes/` as package data.

They are copied into ``inspect_selfrep/_data/`` of the build (never of the source tree),
where ``inspect_selfrep.paths`` finds them in an installed wheel. Editable installs
skip the copy and read the checkout's folders. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
DATA_DIRS = ("datasets", "sandboxes")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "wheels", ".*")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable: inspect_selfrep.paths reads the checkout's folders
        target = Path(self.build_lib) / "inspect_selfrep" / "_data"
        shutil.rmtree(target, ignore_errors=True)
        for name in DATA_DIRS:
            source = HERE / name
            if not source.is_dir():  # an sdist without them would make a wheel without data
                raise SystemExit(
                    f"setup.py: {source} is missing: build from a checkout or a full sdist"
                )
            shutil.copytree(source, target / name, ignore=IGNORE)
        untracked = _untracked(DATA_DIRS)
        for (
            rel
        ) in untracked:  # files git does not know (a local scratch file) stay out of the wheel
            (target / rel).unlink(missing_ok=True)


def _untracked(dirs: tuple[str, ...]) -> list[str]:
    """Files under `dirs` that git does not track (none when this is not a git checkout)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--others", "--", *dirs],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line for line in out.splitlines() if line.strip()]


setup(cmdclass={"build_py": BuildPyWithData})
