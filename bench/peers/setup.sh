#!/usr/bin/env bash
# The peers councils use today, in their own venv (they pin pandas<2 and numpy<2), for
# side-by-side benchmarks and development checks only: nothing in the package imports them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .peers-venv/bin/python ]; then
  python3 -m venv .peers-venv
fi
.peers-venv/bin/python -m pip install --quiet 'pandas<2' 'numpy<2' \
  csc-validator-be-903==0.1.17 cs-demand-model==0.5.1
.peers-venv/bin/python -c "import lac_validator, cs_demand_model; print('peers ready')"
