"""The side-by-side table and the targets (printed as met/missed, never asserted)."""
from dataclasses import dataclass, field

PHASES = ("identical", "diffs")


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


@dataclass
class Row:
    label: str
    install: str = ""
    runs: dict = field(default_factory=lambda: {p: [] for p in PHASES})

    def add(self, phase, outcome):
        self.runs[phase].append(outcome)

    def wall(self, phase):
        runs = self.runs[phase]
        return median([o.wall for o in runs]) if runs else None

    def crashed(self, phase):
        return any(o.crash for o in self.runs[phase])

    def rss_mb(self, phase):
        runs = self.runs[phase]
        return median([o.rss_kb for o in runs]) / 1024 if runs else None

    def found(self, phase, expected):
        """Each distinct verdict over the rounds (crashes are not deterministic)."""
        verdicts = []
        for o in self.runs[phase]:
            v = o.found(expected if phase == "diffs" else {})
            if v not in verdicts:
                verdicts.append(v)
        return " / ".join(verdicts) if verdicts else "not run"


def _cell(row, phase, expected):
    wall, rss = row.wall(phase), row.rss_mb(phase)
    if wall is None:
        return f"{'-':>8}  {'-':>9}  {'not run':<24}"
    return f"{wall:6.2f} s  {rss:6.1f} MB  {row.found(phase, expected):<24}"


def _missed(row, expected):
    lines = []
    for o in row.runs["diffs"]:
        missed = [f"{what} ({kind} {key})" for (kind, key), what in expected.items()
                  if (kind, key) not in o.reported]
        wrong = sorted(f"{kind} {key}" for kind, key in o.reported - set(expected))
        text = ""
        if missed:
            text += "missed " + ", ".join(missed)
        if wrong:
            text += ("; " if text else "") + "reported what is not there: " + ", ".join(wrong)
        if o.crash:
            text += ("; " if text else "") + f"crashed: {o.crash}"
        if o.note:
            text += ("; " if text else "") + o.note
        if text and text not in lines:
            lines.append(text)
    for o in row.runs["identical"]:
        if o.reported:
            lines.append(f"on the identical table reported {len(o.reported)} differences")
        if o.crash and f"crashed on the identical table: {o.crash}" not in lines:
            lines.append(f"crashed on the identical table: {o.crash}")
    return lines


def _target(name, value, limit, unit, why_missing="", caveat=""):
    if value is None:
        print(f"  {name}: not measured ({why_missing})")
        return
    verdict = "met" if value <= limit else "missed"
    print(f"  {name}: {value:.3g}{unit} (target <= {limit}{unit}) {verdict}{caveat}")


def _ratio(a, b):
    return a / b if a is not None and b else None


def print_report(rows, size, rounds, dms, peers, raw_times, chunk_100k, expected):
    print()
    print(f"bench-validate: table bench.items, {rows:,} rows, {size} per side, both clusters on "
          f"this machine's cores, medians of {rounds}")
    print(f"  {'tool':<28}{'identical table':<46}{len(expected)} scattered differences")
    print(f"  {'':<28}{'time      peak RSS   found':<46}time      peak RSS   found")
    for row in [dms, *peers]:
        line = f"  {row.label:<28}{_cell(row, 'identical', expected)}{_cell(row, 'diffs', expected)}"
        print(line.rstrip())
    raw = median(raw_times)
    print(f"  {'raw scan, every column':<28}{raw:6.2f} s  (both sides concurrently, no text conversion)")
    print()
    for row in [dms, *peers]:
        details = ([row.install] if row.install else []) + _missed(row, expected)
        for line in details or ["all found, nothing wrong reported"]:
            print(f"  {row.label}: {line}")

    a, d = dms.wall("identical"), dms.wall("diffs")
    reladiff = next((p for p in peers if p.label.startswith("reladiff")), None)
    print()
    print("targets (printed, not asserted):")
    for phase in PHASES:
        peer_wall = reladiff.wall(phase) if reladiff else None
        why = "reladiff not installed or not run" if reladiff else "reladiff not in this run"
        caveat = ("  (reladiff crashed in this phase: its time is for a partial run)"
                  if reladiff and reladiff.crashed(phase) else "")
        _target(f"dmsflow / reladiff time, {phase}", _ratio(dms.wall(phase), peer_wall), 0.2, "x",
                why, caveat)
    _target("dmsflow / raw all-column scan of both sides", _ratio(a, raw), 4, "x")
    _target("validator peak RSS, identical table", dms.rss_mb("identical"), 16, " MB")
    _target("validator peak RSS, localising the differences", dms.rss_mb("diffs"), 16, " MB")
    print()
    print("dmsflow's own figures:")
    print(f"  (a) dmsflow validate (all checks):      {a:6.2f} s")
    print(f"  (c) raw scan, every column, no casts:   {raw:6.2f} s   a/c = {a / raw:.2f}")
    print(f"  (d) with {len(expected)} scattered differences:      {d:6.2f} s   d/a = {d / a:.2f} (target <= 1.3)")
    reported = dms.runs["diffs"][-1].reported
    exact = reported == set(expected)
    print(f"      reported exactly the {len(expected)} keys: {exact}"
          + ("" if exact else f"  missing {sorted(set(expected) - reported)} extra {sorted(reported - set(expected))}"))
    print(f"  peak RSS of the validator: {dms.rss_mb('identical'):.1f} MB identical run, "
          f"{dms.rss_mb('diffs'):.1f} MB localising the differences, "
          f"{chunk_100k.rss_kb / 1024:.1f} MB with 100k-row chunks compared row by row (target <= 64 MB)")
