"""What each peer installs: the pins measured in shared notes (peer-tools.md)."""
from . import venv

RELADIFF = [("reladiff 0.6.0", ["reladiff[postgresql]==0.6.0"], None)]

# data-diff's postgresql extra wants psycopg2, built from source (gcc, libpq-dev).
# psycopg2-binary provides the same module, so try it first: no compiler needed.
# dbt-core 1.7.19: newer ones pull a package that downloads at build time;
# pydantic 2 crashes data-diff 0.11.2.
_DATA_DIFF_PINS = ["data-diff==0.11.2", "dbt-core==1.7.19", "pydantic<2"]
DATA_DIFF = [
    ("data-diff 0.11.2 with psycopg2-binary", [*_DATA_DIFF_PINS, "psycopg2-binary"], None),
    ("data-diff 0.11.2 with psycopg2 from source",
     ["data-diff[postgresql]==0.11.2", *_DATA_DIFF_PINS[1:]], venv.have_build_deps_for_psycopg2),
]

DVT = [("google-pso-data-validator 8.10.1", ["google-pso-data-validator==8.10.1"], None)]
