#!/usr/bin/env python3
"""Check that Terraform gives each Lambda exactly the environment its code reads.

The environment variables every function reads are documented once, in
functions/dmsflow/src/config.rs (ENV_VARS: name, functions, default,
description). terraform/lambda.tf sets them in `local.lambda_environment`, one
literal map per function. For every function this check fails when Terraform:

  * sets a variable that ENV_VARS does not document for that function (a typo,
    a renamed or removed variable, or one meant for another function), or
  * leaves out a required one: `default: None`, except the variables that are
    required only under a condition their description states (CONDITIONAL
    below) and those whose description says "(optional". A one-of group
    (REPORT_BUCKET / REPORT_DIR) needs at least one member.

It also fails when lambda.tf stops feeding `local.lambda_environment` to the
functions' `environment` block, so the check cannot silently check nothing.

Usage: scripts/check-terraform-env.py [--config PATH] [--terraform PATH]
Exit status 0 when in step, 1 on drift (every problem is listed), 2 when a
file cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "functions" / "dmsflow" / "src" / "config.rs"
DEFAULT_TERRAFORM = ROOT / "terraform" / "lambda.tf"

# Variables with `default: None` that are required only under a condition the
# description states; Terraform may set them or not. None = every function.
CONDITIONAL: dict[str, set[str] | None] = {
    "DMS_TASK_ARN": None,  # required when MIGRATION_ENGINE=dms
    "TARGET_SECRET_ARN": {"seed-source"},  # seed-source: only for mode schema
    "SOURCE_SECRET_ARN": {"start-task", "poll-task"},  # native engine, sync-sequences
    "REPORT_BUCKET": None,  # one of REPORT_BUCKET / REPORT_DIR
    "REPORT_DIR": None,
}
# At least one member of each group must be set where the group applies.
ONE_OF = [("REPORT_BUCKET", "REPORT_DIR")]


class ParseError(Exception):
    pass


# ----------------------------------------------------------------- config.rs


def parse_config(text: str) -> dict[str, dict]:
    """ENV_VARS as {name: {functions: set, default: str|None, description: str}}."""
    variants = dict(re.findall(r'Function::(\w+)\s*=>\s*"([a-z-]+)"', text))
    if not variants:
        raise ParseError("no `Function::X => \"name\"` arms found in config.rs")

    def names(list_src: str) -> set[str]:
        out = set()
        for v in re.findall(r"\w+", list_src):
            if v not in variants:
                raise ParseError(f"unknown Function variant {v!r} in config.rs")
            out.add(variants[v])
        return out

    consts = {
        m.group(1): names(m.group(2))
        for m in re.finditer(r"const\s+(\w+)\s*:\s*&\[Function\]\s*=\s*&\[([^\]]*)\]", text)
    }
    string = r'"((?:[^"\\]|\\.)*)"'
    entry = re.compile(
        r"EnvVar\s*\{\s*name:\s*" + string
        + r",\s*functions:\s*(\w+|&\[[^\]]*\]),\s*default:\s*(None|Some\(\s*" + string
        + r"\s*\)),\s*description:\s*" + string,
        re.S,
    )
    env: dict[str, dict] = {}
    for m in entry.finditer(text):
        name, functions_src, default_src, default_val, description = m.groups()
        if functions_src.startswith("&["):
            functions = names(functions_src[2:-1])
        elif functions_src in consts:
            functions = consts[functions_src]
        else:
            raise ParseError(f"{name}: unknown function list {functions_src!r} in config.rs")
        env[name] = {
            "functions": functions,
            "default": None if default_src == "None" else default_val,
            "description": description,
        }
    declared = len(re.findall(r"EnvVar\s*\{\s*name:", text))
    if declared == 0 or declared != len(env):
        raise ParseError(
            f"config.rs declares {declared} EnvVar entries but {len(env)} could be parsed; "
            "update parse_config() in scripts/check-terraform-env.py"
        )
    return env


def required_for(env: dict[str, dict], function: str) -> set[str]:
    req = set()
    for name, var in env.items():
        if function not in var["functions"] or var["default"] is not None:
            continue
        if "(optional" in var["description"].lower():
            continue
        cond = CONDITIONAL.get(name, "absent")
        if cond == "absent":
            req.add(name)
        elif cond is not None and function not in cond:
            req.add(name)
    return req


# ----------------------------------------------------------------- terraform


def skeleton(text: str) -> str:
    """The HCL text with comments and string contents (interpolations included)
    replaced by spaces, newlines kept, so braces and `=` can be matched."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise ParseError("unterminated /* comment")
            out.append(re.sub(r"[^\n]", " ", text[i : j + 2]))
            i = j + 2
        elif c == '"':
            j = _string_end(text, i)
            out.append('"' + re.sub(r"[^\n]", " ", text[i + 1 : j - 1]) + '"')
            i = j
        elif text.startswith("<<", i) and re.match(r"<<-?[A-Za-z_]", text[i:]):
            m = re.match(r"<<-?([A-Za-z_]\w*)[^\n]*\n", text[i:])
            if not m:
                raise ParseError("malformed heredoc")
            end = re.compile(r"^\s*" + re.escape(m.group(1)) + r"\s*$", re.M)
            e = end.search(text, i + m.end())
            if not e:
                raise ParseError(f"unterminated heredoc {m.group(1)}")
            out.append(re.sub(r"[^\n]", " ", text[i : e.end()]))
            i = e.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the string literal opening at text[start] == '"'."""
    i, depth = start + 1, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if depth == 0 and c == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            depth += 1
            i += 2
            continue
        if depth and c == "}":
            depth -= 1
        elif depth and c == '"':
            i = _string_end(text, i)
            continue
        i += 1
    raise ParseError("unterminated string")


def _block_end(skel: str, open_idx: int) -> int:
    depth = 0
    for i in range(open_idx, len(skel)):
        if skel[i] in "{[(":
            depth += 1
        elif skel[i] in "}])":
            depth -= 1
            if depth == 0:
                return i
    raise ParseError("unbalanced braces")


def _entries(text: str, skel: str, start: int, end: int) -> list[tuple[str, int]]:
    """Keys of the object body text[start:end] at its top level, with the
    index of the value that follows each `key =`."""
    out = []
    i = start
    key_re = re.compile(r'\s*("[^"\n]*"|[A-Za-z_][\w-]*)\s*=(?!=)')
    while i < end:
        m = key_re.match(skel, i)
        if not m or m.end() > end:
            i = skel.find("\n", i)
            if i < 0 or i >= end:
                break
            i += 1
            continue
        key = text[m.start(1) : m.end(1)].strip('"')
        vstart = m.end()
        while vstart < end and skel[vstart] in " \t":
            vstart += 1
        out.append((key, vstart))
        # skip the value: to its matching bracket, or to the end of the line
        j = vstart
        while j < end and skel[j] != "\n":
            if skel[j] in "{[(":
                j = _block_end(skel, j) + 1
            else:
                j += 1
        i = j + 1
    return out


def parse_terraform(text: str) -> dict[str, set[str]]:
    skel = skeleton(text)
    if not re.search(r"variables\s*=\s*local\.lambda_environment\[each\.key\]", skel):
        raise ParseError(
            "lambda.tf no longer sets `environment { variables = local.lambda_environment[each.key] }`: "
            "the functions' environment is not what this check reads; update one or the other"
        )
    m = re.search(r"\blambda_environment\s*=\s*\{", skel)
    if not m:
        raise ParseError("no `lambda_environment = {` map in lambda.tf")
    outer_open = m.end() - 1
    outer_close = _block_end(skel, outer_open)
    envs: dict[str, set[str]] = {}
    for fn, vstart in _entries(text, skel, outer_open + 1, outer_close):
        if skel[vstart] != "{":
            raise ParseError(f"lambda_environment[{fn!r}] must be a literal map {{ NAME = value … }}")
        inner_close = _block_end(skel, vstart)
        names = [k for k, _ in _entries(text, skel, vstart + 1, inner_close)]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ParseError(f"lambda_environment[{fn!r}] sets {sorted(dupes)} twice")
        envs[fn] = set(names)
    return envs


# ----------------------------------------------------------------- check


def check(env: dict[str, dict], tf: dict[str, set[str]], tf_path: str, cfg_path: str) -> list[str]:
    problems = []
    functions = sorted({f for v in env.values() for f in v["functions"]})
    for fn in sorted(set(tf) - set(functions)):
        problems.append(f"{tf_path}: lambda_environment has {fn!r}, which is not a function in {cfg_path}")
    for fn in functions:
        if fn not in tf:
            problems.append(f"{tf_path}: lambda_environment has no entry for function {fn!r}")
            continue
        documented = {n for n, v in env.items() if fn in v["functions"]}
        for name in sorted(tf[fn] - documented):
            where = sorted(env[name]["functions"]) if name in env else None
            hint = f"documented only for {', '.join(where)}" if where else "not in ENV_VARS at all"
            problems.append(
                f"{fn}: Terraform sets {name}, which {cfg_path} ENV_VARS does not document for {fn} ({hint})"
            )
        for name in sorted(required_for(env, fn) - tf[fn]):
            problems.append(
                f"{fn}: Terraform does not set {name}, which {cfg_path} ENV_VARS marks required "
                f"(default: None): {env[name]['description']}"
            )
        for group in ONE_OF:
            applies = [g for g in group if g in env and fn in env[g]["functions"]]
            if applies and not (set(applies) & tf[fn]):
                problems.append(f"{fn}: Terraform sets none of {' / '.join(applies)}; one is required")
    return problems


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="config.rs with ENV_VARS")
    ap.add_argument("--terraform", type=Path, default=DEFAULT_TERRAFORM, help="lambda.tf with lambda_environment")
    args = ap.parse_args(argv)

    def rel(p: Path) -> str:
        try:
            return str(p.resolve().relative_to(ROOT))
        except ValueError:
            return str(p)

    try:
        env = parse_config(args.config.read_text())
        tf = parse_terraform(args.terraform.read_text())
    except (OSError, ParseError) as e:
        print(f"check-terraform-env: error: {e}", file=sys.stderr)
        return 2

    problems = check(env, tf, rel(args.terraform), rel(args.config))
    if problems:
        print(f"check-terraform-env: {len(problems)} problem(s): Terraform's Lambda environment and ENV_VARS drifted apart", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    for fn in sorted(tf):
        print(f"check-terraform-env: {fn}: {len(tf[fn])} variables, all documented, required ones present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
