#!/usr/bin/env python3
"""Check that Terraform gives each Lambda exactly the environment its code reads.

The environment variables every function reads are declared once, in the
contract (contract/dmsflow.contract.json, generated from the Rust contract
module by `make contract`): per variable its functions, the functions that
require it (`required_by`), its typed default and meaning; `env_one_of` lists
the groups of which a function needs at least one (REPORT_BUCKET / REPORT_DIR).

terraform/lambda.tf holds every value in one literal map, `local.lambda_settings`,
and derives each function's map from the contract (`lambda_environment`: the
settings whose contract entry names the function). This check, for every
function, fails when Terraform:

  * sets a variable the contract does not declare at all (a typo, a renamed or
    removed variable),
  * would give a function a variable the contract does not document for it
    (lambda_environment no longer filters by the contract), or
  * leaves out one the contract marks required for that function, or every
    member of a one-of group.

It also fails when lambda.tf stops deriving `local.lambda_environment` from the
contract or stops feeding it to the functions' `environment` block, so the
check cannot silently check nothing.

Usage: scripts/check-terraform-env.py [--contract PATH] [--terraform PATH]
Exit status 0 when in step, 1 on drift (every problem is listed), 2 when a
file cannot be read or parsed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONTRACT = ROOT / "contract" / "dmsflow.contract.json"
DEFAULT_TERRAFORM = ROOT / "terraform" / "lambda.tf"
FUNCTIONS = ["seed-source", "start-task", "poll-task", "validate-tables", "report"]


class ParseError(Exception):
    pass


# ----------------------------------------------------------------- contract


def parse_contract(text: str) -> tuple[dict[str, dict], list[dict]]:
    """The contract's env ({name: {functions, required_by, …}}) and env_one_of."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ParseError(f"the contract is not JSON: {e}") from e
    env = doc.get("env")
    if not isinstance(env, dict) or not env:
        raise ParseError("the contract has no `env` object")
    for name, var in env.items():
        for key in ("functions", "required_by"):
            if not isinstance(var.get(key), list):
                raise ParseError(f"contract env {name}: `{key}` is not a list")
    return env, doc.get("env_one_of", [])


def required_for(env: dict[str, dict], function: str) -> set[str]:
    return {name for name, var in env.items() if function in var["required_by"]}


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


def parse_terraform(text: str, env: dict[str, dict]) -> dict[str, set[str]]:
    """Each function's variable names as lambda.tf derives them: the names of
    `lambda_settings` whose contract entry lists the function (a name the
    contract lacks is kept for every function, so it is reported)."""
    skel = skeleton(text)
    if not re.search(r"variables\s*=\s*local\.lambda_environment\[each\.key\]", skel):
        raise ParseError(
            "lambda.tf no longer sets `environment { variables = local.lambda_environment[each.key] }`: "
            "the functions' environment is not what this check reads; update one or the other"
        )
    derive = re.compile(
        r"\blambda_environment\s*=\s*\{\s*for\s+(\w+)\s+in\s+local\.functions\s*:\s*\1\s*=>\s*\{\s*"
        r"for\s+(\w+)\s*,\s*(\w+)\s+in\s+local\.lambda_settings\s*:\s*\2\s*=>\s*\3\s*"
        r"if\s+contains\(\s*local\.env_spec\[\2\]\.functions\s*,\s*\1\s*\)\s*\}\s*\}"
    )
    if not derive.search(skel):
        raise ParseError(
            "lambda.tf no longer derives lambda_environment from the contract "
            "(`{ for f in local.functions : f => { for name, value in local.lambda_settings : "
            "name => value if contains(local.env_spec[name].functions, f) } }`)"
        )
    if not re.search(r"\benv_spec\s*=\s*local\.contract\.env\b", skel) or "dmsflow.contract.json" not in text:
        raise ParseError("lambda.tf no longer reads env_spec from contract/dmsflow.contract.json")
    m = re.search(r"\blambda_settings\s*=\s*\{", skel)
    if not m:
        raise ParseError("no `lambda_settings = {` map in lambda.tf")
    open_idx = m.end() - 1
    names = [k for k, _ in _entries(text, skel, open_idx + 1, _block_end(skel, open_idx))]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ParseError(f"lambda_settings sets {sorted(dupes)} twice")
    return {
        fn: {n for n in names if n not in env or fn in env[n]["functions"]}
        for fn in FUNCTIONS
    }


# ----------------------------------------------------------------- check


def check(env: dict[str, dict], one_of: list[dict], tf: dict[str, set[str]], tf_path: str, cfg_path: str) -> list[str]:
    problems = []
    functions = sorted({f for v in env.values() for f in v["functions"]})
    if sorted(functions) != sorted(FUNCTIONS):
        problems.append(f"{cfg_path}: the contract's functions {functions} are not the five functions {FUNCTIONS}")
    for fn in FUNCTIONS:
        documented = {n for n, v in env.items() if fn in v["functions"]}
        for name in sorted(tf[fn] - documented):
            hint = "not in the contract at all" if name not in env else f"documented only for {', '.join(sorted(env[name]['functions']))}"
            problems.append(f"{fn}: Terraform sets {name}, which {cfg_path} does not document for {fn} ({hint})")
        for name in sorted(required_for(env, fn) - tf[fn]):
            problems.append(
                f"{fn}: Terraform does not set {name}, which {cfg_path} marks required for {fn}: {env[name]['description']}"
            )
        for group in one_of:
            if group.get("function") == fn and not (set(group["variables"]) & tf[fn]):
                problems.append(f"{fn}: Terraform sets none of {' / '.join(group['variables'])}; one is required")
    return problems


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contract", type=Path, default=DEFAULT_CONTRACT, help="the contract JSON (env, env_one_of)")
    ap.add_argument("--terraform", type=Path, default=DEFAULT_TERRAFORM, help="lambda.tf with lambda_settings")
    args = ap.parse_args(argv)

    def rel(p: Path) -> str:
        try:
            return str(p.resolve().relative_to(ROOT))
        except ValueError:
            return str(p)

    try:
        env, one_of = parse_contract(args.contract.read_text())
        tf = parse_terraform(args.terraform.read_text(), env)
    except (OSError, ParseError) as e:
        print(f"check-terraform-env: error: {e}", file=sys.stderr)
        return 2

    problems = check(env, one_of, tf, rel(args.terraform), rel(args.contract))
    if problems:
        print(f"check-terraform-env: {len(problems)} problem(s): Terraform's Lambda environment and the contract drifted apart", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    for fn in sorted(tf):
        print(f"check-terraform-env: {fn}: {len(tf[fn])} variables, all documented, required ones present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
