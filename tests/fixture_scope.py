"""The scope of a fixture that closes a year once for many tests.

Module scope normally: the close is worked out once and read by many tests.  Under
mutation testing (``HYPOTHESIS_PROFILE=mutation``, docs/reliability.md#mutation-testing)
function scope: mutmut runs against each mutant only the tests it saw call the
mutated function, so a close cached by the first test would hide the function from
every later test that reads the result, and their checks would never run.
"""

from __future__ import annotations

import os
from typing import Literal

import pytest

__all__ = ["shared_scope"]


def shared_scope(fixture_name: str, config: pytest.Config) -> Literal["function", "module"]:
    """``"module"``, or ``"function"`` under the mutation profile."""
    return "function" if os.environ.get("HYPOTHESIS_PROFILE") == "mutation" else "module"
