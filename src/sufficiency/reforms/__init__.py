"""The Independent Review's reforms, costed against the placements a council can supply.

    reform = load_reform("family-help")            # a shipped example, or a YAML file
    cmp = compare("la.duckdb", {"Family Help": [reform]}, years=5, runs=1000)
    cmp.summary()

kinds.py: every kind of change, its schema and what it does, registered in KINDS; schema.py:
a reform read strictly from YAML; plans.py: what reforms do month by month (Plan);
scenario.py: reforms into a Plan, and the reform's own copy of the parameters; supply.py:
in-house places filled first, children who must live alone, the sufficiency gap;
workforce.py: social workers; measure.py: every measure of one scenario; compare.py:
scenarios side by side; command.py: `sufficiency compare`.
"""

from .compare import Comparison, compare
from .kinds import KINDS, Kind
from .schema import Reform, example_names, load_reform, parse_reform

__all__ = ["Reform", "load_reform", "parse_reform", "example_names", "compare", "Comparison", "KINDS", "Kind"]
