#!/usr/bin/env bash
# Regenerate the README configuration table (and the other files generated from
# the contract module: contract/dmsflow.contract.json, docs/contracts.md shapes).
# Same as `make contract`; a test fails when any of them is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q -p dmsflow --example contract
