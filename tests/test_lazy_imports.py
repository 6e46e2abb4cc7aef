"""Fast start: ``import pooledledger`` and ``pooledledger --help`` load no heavy library.

Each check runs in a fresh interpreter, so what other tests imported does not count.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import pooledledger
from pooledledger.cli import NOTE_POLICIES
from pooledledger.io import pipeline
from pooledledger.io.formats import FORMATS
from pooledledger.reports.note import NotePolicy

HEAVY = ("openpyxl", "polars", "pandas", "holidays", "xlsxwriter", "numpy", "pyarrow")


def _loaded_after(code: str) -> list[str]:
    loaded = f"','.join(m for m in {HEAVY!r} if m in sys.modules)"
    probe = f"{code}\nimport sys\nprint('\\nloaded:' + {loaded})"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    last = out.splitlines()[-1]  # after anything the code printed
    assert last.startswith("loaded:")
    return [m for m in last.removeprefix("loaded:").split(",") if m]


@pytest.mark.parametrize(
    "code",
    [
        "import pooledledger",
        "import pooledledger.cli",
        "import pooledledger.io",
        "from pooledledger import Ledger, close_year, read_ledger_csv",
    ],
)
def test_importing_loads_no_heavy_library(code: str) -> None:
    assert _loaded_after(code) == []


def test_help_loads_no_heavy_library() -> None:
    code = (
        "import sys\nfrom pooledledger.cli import main\n"
        "sys.argv = ['pooledledger', 'close', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_every_public_name_imports_from_the_package() -> None:
    for name in pooledledger.__all__:
        value = getattr(pooledledger, name)
        module = pooledledger._EXPORTS.get(name)
        if module is not None:
            assert value is getattr(sys.modules[module], name)
    assert set(pooledledger._EXPORTS) | {"__version__"} == set(pooledledger.__all__)
    assert set(pooledledger.__all__) <= set(dir(pooledledger))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = pooledledger.no_such_name
    with pytest.raises(ImportError):
        exec("from pooledledger import no_such_name")


def test_the_command_line_lists_what_the_library_accepts() -> None:
    assert tuple(p.value for p in NotePolicy) == NOTE_POLICIES
    assert pipeline.FORMATS is FORMATS


def test_a_function_named_like_its_module_stays_the_function() -> None:
    code = (
        "import pooledledger.yearend.close\nimport pooledledger, pooledledger.books.apportion\n"
        "from pooledledger import apportion\n"
        "assert callable(apportion) and callable(pooledledger.apportion), apportion\n"
        "assert apportion.__module__ == 'pooledledger.books.apportion'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
