"""The one shell-command parser: program invocations in a command line the agent ran.

Quote-aware (shlex words; operators inside quotes do not split), it drops wrappers
(sudo, env, nohup, setsid, timeout, ...), VAR=value assignments and redirections, and
follows `bash -c STRING`, `sh -lc STRING`, `su -c STRING` into STRING. Pipes, `&&`,
`||`, `;`, `&`, subshells, `$(...)` and backticks separate invocations. It serves the
report's command categories (`categorize`, the paper's table) and the behaviour flags
(probe/flags.py). Malformed input (an unclosed quote) never raises: the stage falls
back to whitespace words. Pure Python, no package imports besides the vocabulary.
"""

from __future__ import annotations

import re
import shlex

from .vocabulary import COMMAND_CATEGORIES

WRAPPERS = {
    "sudo",
    "nohup",
    "setsid",
    "env",
    "exec",
    "time",
    "nice",
    "ionice",
    "command",
    "builtin",
    "xargs",
    "stdbuf",
    "doas",
    "setpriv",
    "chronic",
    "timeout",
    "su",
    "runuser",
}
# Options of a wrapper that take a separate value (sudo -u NAME, nice -n 5, xargs -I {} ...).
_WRAPPER_VALUES = {
    "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"},
    "doas": {"-u", "-C"},
    "env": {"-u", "-C", "-S"},
    "nice": {"-n"},
    "ionice": {"-c", "-n", "-p"},
    "xargs": {"-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a"},
    "stdbuf": {"-i", "-o", "-e"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
}
SHELLS = {"bash", "sh", "dash", "zsh", "ksh"}
_SEPARATORS = re.compile(r"&&|\|\||;|\||\n|&|\$\(|`|\(|\)")
# A redirection word: `>`, `2>>`, `&>`, `<`, `2>&1`, or one with its target attached (`>/dev/null`).
_REDIRECT = re.compile(r"^(?:\d*(?:>\||<>|>>?|<<?<?)|&>>?)(?:&\d*-?)?")
_MAX_DEPTH = 3  # nested `bash -c` levels followed


def words(stage: str) -> list[str]:
    """Shell words of one stage; an unclosed quote falls back to whitespace words."""
    try:
        result = shlex.split(stage, comments=True)
    except ValueError:
        result = [w.strip("'\"") for w in stage.split()]
    return _drop_redirects(result)


def _drop_redirects(ws: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(ws):
        m = _REDIRECT.match(ws[i])
        if m:
            # `> file` takes the next word as its target; `>file` and `2>&1` are whole
            i += (
                2
                if m.end() == len(ws[i]) and not ws[i].endswith("&") and "&" not in ws[i][1:]
                else 1
            )
            continue
        out.append(ws[i])
        i += 1
    return out


def split_stages(command: str) -> list[str]:
    """Split on shell operators outside quotes (good enough for command histories).

    `&` that belongs to a redirection (`2>&1`, `&>`, `>&`) and `>|` do not split."""
    stages: list[str] = []
    current: list[str] = []
    quote, i = "", 0
    while i < len(command):
        c = command[i]
        if quote:
            current.append(c)
            if c == quote:
                quote = ""
            elif c == "\\" and quote == '"' and i + 1 < len(command):
                current.append(command[i + 1])
                i += 1
        elif c == "\\" and i + 1 < len(command):
            current.append(command[i : i + 2])  # an escaped operator or quote is a literal
            i += 2
            continue
        elif c in "'\"":
            quote = c
            current.append(c)
        elif _redirect_char(command, i):
            current.append(c)
        else:
            m = _SEPARATORS.match(command, i)
            if m:
                stages.append("".join(current))
                current = []
                i = m.end()
                continue
            current.append(c)
        i += 1
    stages.append("".join(current))
    return [s.strip() for s in stages if s.strip()]


def _redirect_char(command: str, i: int) -> bool:
    """Whether command[i] is `&` or `|` inside a redirection operator."""
    c, prev = command[i], command[i - 1] if i else ""
    nxt = command[i + 1] if i + 1 < len(command) else ""
    if c == "&":
        return prev in "<>" and prev != "" or (nxt == ">" and command[i : i + 2] != "&&")
    if c == "|":
        return prev == ">"
    return False


def strip_wrappers(ws: list[str]) -> list[str]:
    """The words of the program actually run: wrappers, their options and assignments dropped."""
    while ws:
        head = ws[0].rsplit("/", 1)[-1]
        if "=" in ws[0] and ws[0].split("=", 1)[0].isidentifier():
            ws = ws[1:]
        elif head in ("su", "runuser"):
            if "-c" in ws or "--command" in ws:
                return ws  # the script is followed by invocations()
            ws = ws[ws.index("--") + 1 :] if "--" in ws else []
        elif head in WRAPPERS:
            values = _WRAPPER_VALUES.get(head, set())
            ws = ws[1:]
            while ws and ws[0].startswith("-") and ws[0] != "-":
                ws = ws[2:] if ws[0] in values else ws[1:]
            if head == "timeout":
                ws = ws[1:]  # the duration
        else:
            break
    return ws


def inner_script(program: str, ws: list[str]) -> str | None:
    """The script of `bash -c SCRIPT`, `sh -lc SCRIPT`, `su -c SCRIPT` (None: not such a call)."""
    if program in SHELLS or program in ("su", "runuser"):
        for j, w in enumerate(ws[1:], 1):
            if w in ("-c", "--command") or (
                w.startswith("-") and not w.startswith("--") and w.endswith("c")
            ):
                return ws[j + 1] if j + 1 < len(ws) else None
    return None


def invocations(command: str, _depth: int = 0) -> list[list[str]]:
    """Each program invocation in a shell command line, as [program, *args] (the program
    as its base name); a shell's `-c STRING` is followed into STRING after the shell."""
    result: list[list[str]] = []
    for stage in split_stages(command):
        ws = strip_wrappers(words(stage))
        if not ws:
            continue
        program = ws[0].rsplit("/", 1)[-1]
        result.append([program, *ws[1:]])
        inner = inner_script(program, ws)
        if inner is not None and _depth < _MAX_DEPTH:
            result.extend(invocations(inner, _depth + 1))
    return result


def family(program: str) -> str:
    """python3.11 → python, pip3 → pip; other names as they are."""
    if re.fullmatch(r"python[0-9.]*", program):
        return "python"
    if re.fullmatch(r"pip[0-9.]*", program):
        return "pip"
    return program


def command_names(command: str) -> list[str]:
    """Program names invoked by a shell command line, in order (inner scripts included)."""
    return [inv[0] for inv in invocations(command)]


def categorize(command: str) -> set[str]:
    """The paper's categories (COMMAND_CATEGORIES) that a command line falls into."""
    names = {family(n) for n in command_names(command)}
    return {cat for cat, progs in COMMAND_CATEGORIES.items() if names & set(progs)}
