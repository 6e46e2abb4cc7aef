"""The close as a pipeline of named steps (docs/year-end.md#where-each-step-lives), and
``close_year(ledger, year)``, the form that takes the agreement from the ledger."""

from __future__ import annotations

import ast
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest

from pooledledger import Agreement, FinancialYear, Ledger, load_agreement, load_ledger
from pooledledger.yearend import close as close_module
from pooledledger.yearend.close import CloseError, close_year

EXAMPLES = files("pooledledger") / "examples"
STEPS = Path(close_module.__file__).parent / "steps"
CASES = {
    "example1": ("example1_la_two_pcts.toml", "example1_ledger.toml", FinancialYear(2007)),
    "example2": ("example2_bcf.toml", "example2_ledger.toml", FinancialYear(2025)),
}


def example(name: str) -> tuple[Agreement, Ledger, FinancialYear]:
    agreement_file, ledger_file, year = CASES[name]
    agreement = load_agreement(EXAMPLES / agreement_file)  # type: ignore[arg-type]
    return agreement, load_ledger(agreement, EXAMPLES / ledger_file), year  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_new_form_gives_the_old_forms_result(name: str) -> None:
    agreement, ledger, year = example(name)
    old = close_year(agreement, ledger, year)
    new = close_year(ledger, year)
    assert new == old
    assert new.model_dump_json() == old.model_dump_json()


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_result_carries_the_ledgers_agreement(name: str) -> None:
    agreement, ledger, year = example(name)
    result = close_year(ledger, year)
    assert result.agreement == ledger.agreement.id == agreement.id


def test_the_new_form_takes_the_keywords() -> None:
    agreement, ledger, year = example("example2")
    kwargs = {"settle_within_working_days": 10, "terminate_on": date(2025, 12, 31)}
    new = close_year(ledger, year, **kwargs)  # type: ignore[call-overload]
    assert new == close_year(agreement, ledger, year, **kwargs)  # type: ignore[call-overload]
    assert new.terminated_on == date(2025, 12, 31)


def test_the_old_form_refuses_a_ledger_of_another_agreement() -> None:
    agreement, ledger, year = example("example1")
    other = agreement.model_copy(update={"id": "ANOTHER"})
    with pytest.raises(CloseError, match="different agreement"):
        close_year(other, ledger, year)


def test_a_call_of_neither_form_is_a_type_error() -> None:
    agreement, ledger, year = example("example1")
    with pytest.raises(TypeError):
        close_year(ledger, year, year)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        close_year(agreement, ledger)  # type: ignore[call-overload]


def _functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (f"{path.name}:{node.name}", node.end_lineno - node.lineno + 1)  # type: ignore[operator]
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    ]


def test_each_step_is_a_short_function_in_a_short_module() -> None:
    modules = [Path(close_module.__file__), *sorted(STEPS.glob("*.py"))]
    assert len(modules) >= 10
    assert [p.name for p in modules if len(p.read_text(encoding="utf-8").splitlines()) > 600] == []
    long = [(f, n) for p in modules for f, n in _functions(p) if n > 60]
    assert long == []


def test_each_step_cites_its_docs_page() -> None:
    for path in sorted(STEPS.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "docs/" in text.split('"""')[1], path.name
        assert "domain.md" not in text
