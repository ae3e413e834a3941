"""Where the suite's data lives: `datasets/` and `sandboxes/`, in a checkout or an installed wheel.

The repository keeps both folders at its top level. A built wheel carries copies of them
inside the package, as ``inspect_selfrep/_data/{datasets,sandboxes}`` (see ``setup.py``).
An editable install or a plain checkout has no ``_data`` and uses the folders beside the
package. ``INSPECT_SELFREP_DATA`` (a folder holding both) overrides either.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import TaskInputError

DATA_ENV = "INSPECT_SELFREP_DATA"
PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED = PACKAGE_DIR / "_data"  # in an installed wheel
CHECKOUT = PACKAGE_DIR.parent  # a source checkout / editable install


def _has_data(root: Path) -> bool:
    return (root / "datasets").is_dir() and (root / "sandboxes").is_dir()


def data_root() -> Path:
    """The folder that holds `datasets/` and `sandboxes/` (the wheel's copy first, then the checkout)."""
    override = os.environ.get(DATA_ENV)
    candidates = [Path(override)] if override else [BUNDLED, CHECKOUT]
    for root in candidates:
        if _has_data(root):
            return root
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"inspect_selfrep cannot find its datasets/ and sandboxes/ folders (looked in {tried}); "
        "reinstall the package (`pip install inspect_selfrep` or `pip install -e .` in a checkout)"
        + (f" or fix {DATA_ENV}" if override else "")
    )


DATA_ROOT = data_root()
DATASETS = DATA_ROOT / "datasets"
SANDBOXES = DATA_ROOT / "sandboxes"

# Everything that runs inside the sandbox, as real files (standard library only unless the
# deployed system ships the package): the deployed AI system, foreign services,
# the probe helper and the setup snapshot. See inspect_selfrep/_sandbox/__init__.py.
SANDBOX_CODE = PACKAGE_DIR / "_sandbox"


def script_file(script: str) -> Path:
    """The shell script a user named (`-T script=` / `-S script=`), resolved: an absolute path as it
    is, a relative one from where the user ran the command ($PWD: Inspect runs a task from its
    file's folder), else from the current directory."""
    given = Path(script).expanduser()
    candidates = (
        [given]
        if given.is_absolute()
        else [Path(os.environ.get("PWD", os.getcwd())) / given, Path.cwd() / given]
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise TaskInputError(f"script {script!r} not found (give the path of a shell script to replay)")


def sandbox_source(relative: str) -> str:
    """The text of `inspect_selfrep/_sandbox/<relative>`, the file that runs in the sandbox."""
    return (SANDBOX_CODE / relative).read_text()
