"""Results that are really immutable and kinds that are types (issue #12, item 5;
docs/architecture.md#immutable-results).

* the mappings of the close's results and of the reports are read-only
  (:class:`~pooledledger.core.frozen.FrozenDict`) yet equal to dicts, picklable and
  written as before;
* line kinds, accounting models, dispositions and income bases are string enums
  that equal the text they replace and round-trip through JSON and the store;
* the close carries the ledger's agreement, so a report takes the close alone.
"""

from __future__ import annotations

import copy
import json
import pickle
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from pooledledger import Agreement, FinancialYear, Ledger, load_agreement, load_ledger
from pooledledger.core.frozen import FrozenDict
from pooledledger.model.agreement import AccountingMode, JointOperation, Principal
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Income
from pooledledger.model.rules import RiskPoolUnused, UnderspendDisposition
from pooledledger.reports.bundle import year_end_reports
from pooledledger.reports.memorandum import ReportError, memorandum_account
from pooledledger.reports.note import pooled_budget_note
from pooledledger.reports.statements import partner_statements
from pooledledger.store.pool import PoolStore
from pooledledger.yearend.close import IncomeBasis, YearEndClose, close_year

EXAMPLES = files("pooledledger") / "examples"
CASES = {
    "example1": ("example1_la_two_pcts.toml", "example1_ledger.toml", FinancialYear(2007)),
    "example2": ("example2_bcf.toml", "example2_ledger.toml", FinancialYear(2025)),
}


def example(name: str) -> tuple[Agreement, Ledger, FinancialYear]:
    agreement_file, ledger_file, year = CASES[name]
    agreement = load_agreement(EXAMPLES / agreement_file)  # type: ignore[arg-type]
    return agreement, load_ledger(agreement, EXAMPLES / ledger_file), year  # type: ignore[arg-type]


Closed = tuple[Agreement, Ledger, YearEndClose]


@pytest.fixture(scope="module")
def bcf() -> Closed:
    agreement, ledger, year = example("example2")
    return agreement, ledger, close_year(ledger, year)


# -- FrozenDict ----------------------------------------------------------------------


def test_a_frozen_dict_reads_like_a_dict_and_refuses_writes() -> None:
    frozen = FrozenDict({"A": 1, "B": 2})
    plain = {"A": 1, "B": 2}
    assert frozen == plain
    assert plain == frozen  # dict.__eq__ defers to FrozenDict.__eq__
    assert frozen != {"A": 1}
    assert frozen != [("A", 1), ("B", 2)]
    assert list(frozen.items()) == [("A", 1), ("B", 2)]
    assert "A" in frozen
    assert len(frozen) == 2
    assert repr(frozen) == "{'A': 1, 'B': 2}"
    assert frozen | {"C": 3} == {"A": 1, "B": 2, "C": 3}
    with pytest.raises(TypeError):
        frozen["A"] = 5  # type: ignore[index]
    with pytest.raises(TypeError):
        del frozen["A"]  # type: ignore[attr-defined]
    for mutator in ("update", "pop", "popitem", "clear", "setdefault"):
        assert not hasattr(frozen, mutator)
    thawed = dict(frozen)
    thawed["A"] = 5
    assert frozen["A"] == 1
    with pytest.raises(TypeError):
        hash(frozen)


def test_a_frozen_dict_pickles_and_copies() -> None:
    frozen = FrozenDict({"A": FrozenDict({"S1": 1})})
    for again in (pickle.loads(pickle.dumps(frozen)), copy.deepcopy(frozen), copy.copy(frozen)):
        assert again == frozen
        assert isinstance(again, FrozenDict)
        assert isinstance(again["A"], FrozenDict)


# -- read-only results ---------------------------------------------------------------


def _mappings(close: YearEndClose) -> list[Any]:
    s = close.schemes[0]
    assert close.risk_pool is not None
    return [
        close.journals,
        s.contributions,
        s.offset,
        s.risk_pool,
        s.deficit,
        s.underspend,
        s.dispositions,
        s.net_share,
        s.income_share,
        s.gross_share,
        close.risk_pool.available,
        close.risk_pool.used,
        close.risk_pool.by_scheme,
        close.risk_pool.unused,
    ]


def test_every_mapping_of_the_close_is_read_only(
    bcf: Closed,
) -> None:
    _, _, close = bcf
    for mapping in _mappings(close):
        assert isinstance(mapping, FrozenDict)
        with pytest.raises(TypeError):
            mapping["ICB"] = 0  # type: ignore[index]
    assert close.risk_pool is not None
    nested = next(iter(close.risk_pool.by_scheme.values()))
    with pytest.raises(TypeError):
        nested["S1"] = 0  # type: ignore[index]


def test_a_mutation_of_a_result_mapping_raises_and_changes_nothing(
    bcf: Closed,
) -> None:
    _, _, close = bcf
    s = close.schemes[0]
    p = next(iter(s.contributions))
    before = s.contributions[p]
    with pytest.raises(TypeError):
        s.contributions[p] = 0  # type: ignore[index]
    assert s.contributions[p] == before
    with pytest.raises(ValidationError):  # and the model itself stays frozen
        s.contributions = {}  # type: ignore[misc, assignment]


def test_the_read_only_close_still_equals_dicts_and_writes_the_same_json(
    bcf: Closed,
) -> None:
    _, _, close = bcf
    s = close.schemes[0]
    assert s.contributions == dict(s.contributions)
    dumped = close.model_dump()
    assert type(dumped["schemes"][0]["contributions"]) is dict
    assert json.loads(close.model_dump_json()) == close.model_dump(mode="json")
    assert pickle.loads(pickle.dumps(close)) == close
    assert copy.deepcopy(close) == close


def test_the_reports_mappings_are_read_only(bcf: Closed) -> None:
    _, ledger, close = bcf
    reports = year_end_reports(ledger, close.year, close=close)
    for mapping in (reports.statements, reports.memorandum.shares, reports.memorandum.offset):
        assert isinstance(mapping, FrozenDict)
        with pytest.raises(TypeError):
            mapping["ICB"] = {}  # type: ignore[index]


# -- kinds that are types ------------------------------------------------------------


def test_the_kinds_are_enums_equal_to_their_text(
    bcf: Closed,
) -> None:
    agreement, ledger, close = bcf
    kinds: list[str] = [EntryKind.INCOME, EntryKind.YEAR_CLOSED, AccountingMode.JOINT_OPERATION]
    assert kinds == ["income", "year_closed", "JOINT_OPERATION"]
    assert [*IncomeBasis] == ["net shares", "contributions (net shares unusable)"]
    assert {type(e.entry) for e in ledger.entries} == {EntryKind}
    assert {line.kind for line in ledger.pool_lines} <= {EntryKind.EXPENDITURE, EntryKind.INCOME}
    assert {type(s.accounting_model.model) for s in agreement.schemes} == {AccountingMode}
    assert JointOperation().model is AccountingMode.JOINT_OPERATION
    for s in close.schemes:
        assert s.income_basis is IncomeBasis.NET_SHARES
        assert f"{s.income_basis}" == "net shares"
        assert all(type(d) is UnderspendDisposition for d in s.dispositions)
    assert close.risk_pool is not None
    assert close.risk_pool.unused_disposition is RiskPoolUnused.REFUND
    assert close.risk_pool.unused_disposition == "REFUND"


def test_dispositions_are_read_by_enum_or_by_text(
    bcf: Closed,
) -> None:
    _, _, close = bcf
    s = next(s for s in close.schemes if s.dispositions)
    d = next(iter(s.dispositions))
    p = next(iter(s.dispositions[d]))
    assert s.dispositions[d.value] == s.dispositions[d]  # type: ignore[index]
    assert s.disposed(d, p) == s.dispositions[d][p]
    unused = next(x for x in UnderspendDisposition if x not in s.dispositions)
    assert s.disposed(unused, p) == 0


def test_the_entry_models_take_the_text_of_files_and_write_it_back() -> None:
    adapter = TypeAdapter(Entry)
    income = adapter.validate_python(
        {"entry": "income", "id": "I1", "scheme": "S1", "date": "2025-05-01", "amount": "1.00"}
    )
    assert isinstance(income, Income)
    assert income.entry is EntryKind.INCOME
    assert json.loads(adapter.dump_json(income))["entry"] == "income"
    assert adapter.validate_json(adapter.dump_json(income)) == income
    assert adapter.dump_python(income, mode="json")["entry"] == "income"
    assert Expenditure.model_fields["entry"].default is EntryKind.EXPENDITURE


def test_an_unknown_tag_names_the_tags_as_files_write_them() -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Entry).validate_python({"entry": "bogus", "id": "X"})
    assert "'contribution', 'instalment', 'expenditure', 'income'" in str(caught.value)
    with pytest.raises(ValidationError) as caught_model:
        TypeAdapter(JointOperation | Principal).validate_python({"model": "BOGUS"})
    assert "BOGUS" in str(caught_model.value)
    assert repr(EntryKind.INCOME) == "'income'"


def test_the_enums_round_trip_through_the_close_json(
    bcf: Closed,
) -> None:
    agreement, _, close = bcf
    text = close.model_dump_json()
    assert "agreement_terms" not in json.loads(text)
    again = YearEndClose.model_validate_json(text, context={"agreement": agreement})
    assert again == close
    assert again.model_dump_json() == text
    assert again.agreement_terms == agreement
    assert again.schemes[0].income_basis is IncomeBasis.NET_SHARES
    assert {type(e.entry) for e in again.entries} == {EntryKind}
    assert isinstance(again.schemes[0].contributions, FrozenDict)


def test_the_enums_round_trip_through_the_store(tmp_path: Path) -> None:
    agreement, ledger, year = example("example2")
    with PoolStore.init(tmp_path / "pool.db", agreement, by="A. Finance") as store:
        store.import_file(Path(str(EXAMPLES / "example2_ledger.toml")), by="A. Finance")
        stored = store.close(year, by="A. Finance")
    with PoolStore.open(tmp_path / "pool.db") as again:
        read = again.stored_close(year)
    assert read is not None
    result = read.result
    assert result == stored.result
    assert result.agreement_terms == agreement == read.agreement
    assert result.model_dump_json() == close_year(ledger, year).model_dump_json()
    assert result.risk_pool is not None
    assert result.risk_pool.unused_disposition is RiskPoolUnused.REFUND
    assert {type(s.income_basis) for s in result.schemes} == {IncomeBasis}
    assert {type(e.entry) for e in result.entries} == {EntryKind}
    with pytest.raises(TypeError):
        result.schemes[0].contributions["ICB"] = 0  # type: ignore[index]


# -- the close carries the agreement -------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_close_carries_the_ledgers_agreement(name: str) -> None:
    agreement, ledger, year = example(name)
    close = close_year(ledger, year)
    assert close.agreement_terms is ledger.agreement
    assert close_year(agreement, ledger, year).agreement_terms == agreement  # deprecated form
    assert close.agreement == agreement.id
    assert "agreement_terms" not in repr(close)


def test_a_close_whose_agreement_id_disagrees_is_refused(
    bcf: Closed,
) -> None:
    agreement, _, close = bcf
    data = json.loads(close.model_dump_json())
    other = agreement.model_copy(update={"id": "ANOTHER"})
    with pytest.raises(ValidationError, match="the close is for agreement"):
        YearEndClose.model_validate_json(json.dumps(data), context={"agreement": other})
    with pytest.raises(ValidationError, match="agreement_terms"):
        YearEndClose.model_validate_json(json.dumps(data))  # no agreement to read it with


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_reports_take_the_close_alone(name: str) -> None:
    agreement, ledger, year = example(name)
    close = close_year(ledger, year)
    assert partner_statements(close) == partner_statements(agreement, close)
    assert pooled_budget_note(close) == pooled_budget_note(agreement, close)
    host = agreement.host
    assert pooled_budget_note(close, host) == pooled_budget_note(agreement, close, host)
    assert memorandum_account(ledger, close) == memorandum_account(agreement, ledger, close)
    new = year_end_reports(ledger, year)
    old = year_end_reports(agreement, ledger, year)
    assert new == old
    assert new.model_dump_json() == old.model_dump_json()
    assert new.agreement == agreement


def test_the_older_report_calls_still_refuse_a_close_of_another_agreement(
    bcf: Closed,
) -> None:
    agreement, ledger, close = bcf
    other, other_ledger, _ = example("example1")
    with pytest.raises(ReportError, match="the close is for agreement"):
        partner_statements(other, close)
    with pytest.raises(ReportError, match="the close is for agreement"):
        pooled_budget_note(other, close)
    with pytest.raises(ReportError, match="the close is for agreement"):
        memorandum_account(other, ledger, close)
    with pytest.raises(ReportError, match="different agreement"):
        memorandum_account(other_ledger, close)  # the ledger must still match the close
    with pytest.raises(TypeError):
        partner_statements(agreement)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        memorandum_account(close)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        year_end_reports(ledger)  # type: ignore[call-overload]
