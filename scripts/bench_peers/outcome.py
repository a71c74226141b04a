"""What one tool run found, judged against the differences really there."""
from dataclasses import dataclass, field


@dataclass
class Outcome:
    wall: float
    rss_kb: int
    reported: set = field(default_factory=set)  # {(kind, key as text)}
    crash: str = ""  # non-empty: the tool crashed (whatever its exit code), this is why
    code: int = 0  # the tool's exit code
    note: str = ""

    def found(self, expected):
        """Short verdict, e.g. '10 of 10', '5 of 10, CRASHED, exit 0', '0 differences'."""
        hits = len(self.reported & set(expected))
        wrong = len(self.reported - set(expected))
        text = f"{hits} of {len(expected)}" if expected else f"{len(self.reported)} differences"
        if wrong and expected:
            text += f" +{wrong} wrong"
        if self.crash:
            text += f", CRASHED, exit {self.code}"
        return text


def keys_from_signs(signed_keys):
    """reladiff/data-diff print '-' rows (source side) and '+' rows (target side);
    a key on both sides is a changed row, on one side a missing or extra row."""
    minus = {k for s, k in signed_keys if s == "-"}
    plus = {k for s, k in signed_keys if s == "+"}
    return ({("changed", k) for k in minus & plus} | {("missing", k) for k in minus - plus}
            | {("extra", k) for k in plus - minus})
