#!/usr/bin/env bash
# The peers councils use today, each in its own venv (they pin pandas<2 and numpy<2, and
# their pins conflict with each other), for side-by-side benchmarks and development checks
# only: nothing in the package imports them.
set -euo pipefail
cd "$(dirname "$0")/.."
make_venv() {  # folder, packages...
  local dir=$1; shift
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet "$@"
}
make_venv .peers-venv 'pandas<2' 'numpy<2' csc-validator-be-903==0.1.17
make_venv .demand-venv 'pandas<2' 'numpy<2' cs-demand-model==0.5.1
.peers-venv/bin/python -c "import lac_validator; print('csc-validator-be-903 ready')"
.demand-venv/bin/python -c "import cs_demand_model; print('cs-demand-model ready')"
