"""Agreements: the example files, round trips, every validation rule, formats and schema."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

from pooledledger.core.errors import ISSUE_CODES, Issue, IssueError, Severity
from pooledledger.core.money import Rounding, multiply, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.io import (
    agreement_from_data,
    agreement_json_schema,
    dump_agreement_json,
    load_agreement,
    read_agreement,
)
from pooledledger.model.agreement import (
    Agreement,
    ContributionKind,
    LegalBasis,
    Principal,
    UnknownIdError,
)
from pooledledger.model.checks_agreement import AGREEMENT_CHECKS, validate_agreement
from pooledledger.model.rules import CappedShares, OwnRisk, ProRataContributions

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
EXAMPLE1 = EXAMPLES / "example1_la_two_pcts.toml"
EXAMPLE2 = EXAMPLES / "example2_bcf.toml"

Data = dict[str, Any]


def bcf_data() -> Data:
    """Example 2 as plain data, ready to be spoiled by a test."""
    with EXAMPLE2.open("rb") as f:
        return tomllib.load(f)


def found(issues: list[Issue]) -> list[tuple[str, str | None]]:
    return [(i.code, i.location.field) for i in issues]


def problems(spoil: Callable[[Data], None]) -> list[tuple[str, str | None]]:
    """The (code, field) of every issue once ``spoil`` has changed example 2."""
    data = bcf_data()
    spoil(data)
    agreement, issues = agreement_from_data(data)
    if any(i.is_error for i in issues):
        assert agreement is None
    return found(issues)


def contribution(data: Data, cid: str) -> Data:
    matches = [c for c in data["contributions"] if c["id"] == cid]
    assert len(matches) == 1
    result: Data = matches[0]
    return result


# --------------------------------------------------------------------- examples


@pytest.mark.parametrize("path", [EXAMPLE1, EXAMPLE2], ids=["example1", "example2"])
def test_examples_load_with_no_issues(path: Path) -> None:
    agreement, issues = read_agreement(path)
    assert issues == []
    assert isinstance(agreement, Agreement)
    assert load_agreement(path) == agreement


def test_example1_is_the_la_and_two_pcts_of_section_7() -> None:
    a = load_agreement(EXAMPLE1)
    assert a.legal_basis is LegalBasis.S31_HA1999
    assert a.host == "LA"
    assert a.partner_order == ("LA", "PCT1", "PCT2")
    assert a.financial_years == (FinancialYear(2007),)
    assert a.contributed_pence("2007-08") == {
        "LD": {"LA": 60_000_000, "PCT1": 30_000_000, "PCT2": 10_000_000}
    }
    assert a.scheme("LD").risk_share == ProRataContributions()


def test_example2_contributions_match_section_8_1() -> None:
    a = load_agreement(EXAMPLE2)
    grid = a.contributed_pence(FinancialYear(2025))
    assert list(grid) == ["S1", "S2", "S3", "S4", "S5", "RP"]
    assert grid["S2"] == {"COUNCIL": 0, "ICB": 410_000_020}
    assert grid["S3"] == {"COUNCIL": 120_000_000, "ICB": 80_000_000}
    assert grid["RP"] == {"COUNCIL": 15_000_000, "ICB": 15_000_000}
    assert sum(g["COUNCIL"] for g in grid.values()) == 635_000_000
    assert sum(g["ICB"] for g in grid.values()) == 1_105_000_020
    # base x 1.0566, rounded half up once = base + uplift (§12 R6)
    base, uplift, variation = (
        c.pence for c in a.contributions_for("2025-26", scheme="S2", partner="ICB")
    )
    assert base + uplift == multiply(base, "1.0566", Rounding.HALF_UP) == 400_000_020
    assert variation == 10_000_000
    q3 = a.contributions_for("2025-26", scheme="S2")[2]
    assert q3.kind is ContributionKind.VARIATION
    assert q3.effective_date == date(2025, 10, 1)


def test_example2_rules_match_the_table() -> None:
    a = load_agreement(EXAMPLE2)
    s1, s2, s3, s4, s5 = a.schemes
    assert s1.ring_fenced
    assert s1.underspend.disposition == "CARRY_FORWARD"
    assert s1.accounting_model == Principal(partner="COUNCIL")
    assert s2.risk_share == OwnRisk()
    assert s2.lead_commissioner == "ICB"
    assert s3.risk_share == ProRataContributions()
    assert isinstance(s4.risk_share, CappedShares)
    assert [(s.partner, s.share) for s in s4.risk_share.shares] == [
        ("COUNCIL", Fraction(1, 2)),
        ("ICB", Fraction(1, 2)),
    ]
    assert to_pence(s4.risk_share.caps[0].cap) == 1_000_000
    assert s4.risk_share.underwriters == ("COUNCIL",)
    assert s5.underspend.disposition == "REFUND"
    assert a.risk_pool is not None
    assert a.risk_pool.id == "RP"
    assert not a.offsetting.allowed


def test_lookups() -> None:
    a = load_agreement(EXAMPLE2)
    assert a.partner("ICB").dhsc_group
    assert a.host_partner.id == "COUNCIL"
    assert a.scheme("S4").name == "Protecting adult social care"
    assert a.scheme_partners("S4") == ("COUNCIL", "ICB")  # lead commissioner + contributor
    assert a.contributors("S4") == ("ICB",)
    with pytest.raises(UnknownIdError, match="PCT9"):
        a.partner("PCT9")
    with pytest.raises(KeyError):
        a.scheme("S9")
    assert a.term.contains(date(2026, 3, 31))
    assert not a.term.contains(date(2026, 4, 1))


# -------------------------------------------------------------------- round trip


@pytest.mark.parametrize("path", [EXAMPLE1, EXAMPLE2], ids=["example1", "example2"])
def test_json_round_trip_is_exact_and_stable(path: Path, tmp_path: Path) -> None:
    a = load_agreement(path)
    text = dump_agreement_json(a)
    again, issues = read_agreement(text)
    assert issues == []
    assert again == a
    assert again is not None
    assert dump_agreement_json(again) == text
    out = tmp_path / "agreement.json"
    out.write_text(text, encoding="utf-8")
    assert load_agreement(out) == a


def test_dumped_json_writes_money_shares_and_years_as_text() -> None:
    data = json.loads(dump_agreement_json(load_agreement(EXAMPLE2)))
    assert data["contributions"][1]["amount"] == {"amount": "3785728.00", "currency": "GBP"}
    assert data["contributions"][1]["year"] == "2025-26"
    assert data["schemes"][3]["risk_share"]["shares"][0]["share"] == "1/2"
    assert data["term_end"] == "2026-03-31"


# ------------------------------------------------------------------ every rule


def test_host_not_a_partner() -> None:
    def spoil(d: Data) -> None:
        d["host"] = "CITY"

    assert problems(spoil) == [("PL-AGR-003", "host")]


def test_duplicate_ids() -> None:
    def spoil(d: Data) -> None:
        d["partners"].append(copy.deepcopy(d["partners"][1]))
        d["schemes"].append(copy.deepcopy(d["schemes"][4]))
        d["contributions"].append(copy.deepcopy(d["contributions"][0]))

    assert problems(spoil) == [
        ("PL-AGR-004", "partners[2].id"),
        ("PL-AGR-004", "schemes[5].id"),
        ("PL-AGR-004", "contributions[10].id"),
    ]


def test_risk_pool_id_clashing_with_a_scheme() -> None:
    def spoil(d: Data) -> None:
        d["risk_pool"]["id"] = "S1"

    assert ("PL-AGR-004", "risk_pool.id") in problems(spoil)


def test_contribution_to_unknown_scheme() -> None:
    def spoil(d: Data) -> None:
        contribution(d, "ICB-S3-BASE")["scheme"] = "S9"

    assert problems(spoil) == [("PL-AGR-005", "contributions[5].scheme")]


def test_contribution_from_unknown_partner() -> None:
    def spoil(d: Data) -> None:
        contribution(d, "ICB-S3-BASE")["partner"] = "PCT9"

    assert problems(spoil) == [("PL-AGR-006", "contributions[5].partner")]


def test_fixed_shares_must_sum_to_exactly_one() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][3]["risk_share"]["shares"][1]["share"] = "49%"

    assert problems(spoil) == [("PL-AGR-007", "schemes[3].risk_share.shares")]


def test_nested_fixed_shares_must_sum_to_one() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][2]["risk_share"] = {
            "rule": "MALADMINISTRATION",
            "bearer": "COUNCIL",
            "otherwise": {
                "rule": "FIXED_SHARES",
                "shares": [
                    {"partner": "COUNCIL", "share": "1/3"},
                    {"partner": "ICB", "share": "0.6666"},
                ],
            },
        }

    assert problems(spoil) == [("PL-AGR-007", "schemes[2].risk_share.otherwise.shares")]


def test_exact_thirds_sum_to_one() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][2]["risk_share"] = {
            "rule": "FIXED_SHARES",
            "shares": [
                {"partner": "COUNCIL", "share": "2/3"},
                {"partner": "ICB", "share": "1/3"},
            ],
        }

    assert problems(spoil) == []


def test_rule_partner_not_in_the_scheme() -> None:
    def spoil(d: Data) -> None:
        # S2 is the ICB's alone: the council neither pays in nor commissions it.
        d["schemes"][1]["risk_share"] = {
            "rule": "CAPPED_SHARES",
            "caps": [{"partner": "COUNCIL", "cap": "1000.00"}],
            "underwriters": ["ICB"],
        }
        d["schemes"][4]["risk_share"]["owner"] = "ICB"

    assert problems(spoil) == [
        ("PL-AGR-008", "schemes[1].risk_share.caps[0].partner"),
        ("PL-AGR-008", "schemes[4].risk_share.owner"),
    ]


def test_rs6_without_bearer_needs_the_host_in_the_scheme() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][1]["risk_share"] = {"rule": "FIXED_VARIABLE_PROFILE", "fixed": ["ICB"]}

    assert ("PL-AGR-008", "schemes[1].risk_share.bearer") in problems(spoil)


def test_scheme_with_no_contributor() -> None:
    def spoil(d: Data) -> None:
        d["contributions"] = [c for c in d["contributions"] if c["scheme"] != "S5"]

    assert problems(spoil) == [("PL-AGR-009", "schemes[4]")]


def test_legal_basis_against_partner_kinds() -> None:
    def nhs_only(d: Data) -> None:
        d["legal_basis"] = "S65Z5_NHSA2006"

    assert problems(nhs_only) == [("PL-AGR-010", "partners[0].kind")]

    def other_in_s75(d: Data) -> None:
        d["partners"][1]["kind"] = "OTHER"
        d["partners"][1]["vat_regime"] = "NONE"
        d["partners"][1]["dhsc_group"] = False

    assert problems(other_in_s75) == [
        ("PL-AGR-010", "partners[1].kind"),
        ("PL-AGR-010", "legal_basis"),
    ]


def test_s10_allows_police_and_needs_a_local_authority() -> None:
    with EXAMPLE1.open("rb") as f:
        data = tomllib.load(f)
    data["legal_basis"] = "S10_CA2004"
    data["partners"][2] = {"id": "PCT2", "name": "Example Police", "kind": "OTHER"}
    assert agreement_from_data(data)[1] == []
    data["partners"][0]["kind"] = "NHS_BODY"
    data["partners"][0]["vat_regime"] = "NHS_S41_COS"
    assert found(agreement_from_data(data)[1]) == [("PL-AGR-010", "legal_basis")]


def test_dates_outside_the_term() -> None:
    def late(d: Data) -> None:
        contribution(d, "ICB-S2-VAR-Q3")["effective_date"] = date(2026, 4, 1)

    assert problems(late) == [
        ("PL-AGR-011", "contributions[3].effective_date"),
        ("PL-AGR-019", "contributions[3].effective_date"),
    ]

    def reversed_term(d: Data) -> None:
        d["term_end"] = date(2025, 3, 31)

    assert problems(reversed_term) == [("PL-AGR-011", "term_end")]


def test_effective_date_outside_its_own_year() -> None:
    def spoil(d: Data) -> None:
        d["term_end"] = date(2027, 3, 31)
        contribution(d, "ICB-S2-VAR-Q3")["effective_date"] = date(2026, 5, 1)

    assert problems(spoil) == [("PL-AGR-019", "contributions[3].effective_date")]


def test_unknown_lead_commissioner_and_accounting_partner() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][1]["lead_commissioner"] = "NHSE"
        d["schemes"][0]["accounting_model"]["partner"] = "CITY"

    assert problems(spoil) == [
        ("PL-AGR-012", "schemes[0].accounting_model.partner"),
        ("PL-AGR-012", "schemes[1].lead_commissioner"),
    ]


def test_unknown_rule_partner() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][3]["risk_share"]["underwriters"] = ["NOBODY"]

    assert problems(spoil) == [("PL-AGR-012", "schemes[3].risk_share.underwriters[0]")]


def test_offsetting() -> None:
    def order_while_not_allowed(d: Data) -> None:
        d["offsetting"] = {"allowed": False, "order": ["S3"], "agreement_ref": "cl. 9"}

    assert problems(order_while_not_allowed) == [
        ("PL-AGR-013", "offsetting.order"),
        ("PL-AGR-013", "offsetting.agreement_ref"),
    ]

    def allowed_badly(d: Data) -> None:
        d["offsetting"] = {"allowed": True, "order": ["S9", "S1", "S5"]}

    assert problems(allowed_badly) == [
        ("PL-AGR-013", "offsetting.agreement_ref"),
        ("PL-AGR-013", "offsetting.order[0]"),
        ("PL-AGR-013", "offsetting.order[1]"),  # S1 is ring-fenced
    ]

    def allowed_well(d: Data) -> None:
        d["offsetting"] = {"allowed": True, "order": ["S5", "S3"], "agreement_ref": "cl. 9.2"}

    assert problems(allowed_well) == []


def test_contribution_year_outside_the_term() -> None:
    def spoil(d: Data) -> None:
        d["contributions"][0]["year"] = "2026-27"

    assert problems(spoil) == [("PL-AGR-014", "contributions[0].year")]


def test_risk_pool_problems() -> None:
    def no_pool(d: Data) -> None:
        del d["risk_pool"]

    assert problems(no_pool) == [
        ("PL-AGR-015", "contributions[8].kind"),
        ("PL-AGR-015", "contributions[9].kind"),
    ]

    def no_money(d: Data) -> None:
        d["contributions"] = [c for c in d["contributions"] if c["kind"] != "RISK_POOL"]
        d["risk_pool"]["schemes"] = ["S2", "S9"]

    assert problems(no_money) == [
        ("PL-AGR-015", "risk_pool"),
        ("PL-AGR-015", "risk_pool.schemes[1]"),
    ]

    def priority_without_order(d: Data) -> None:
        d["risk_pool"]["spread"] = "PRIORITY"

    assert problems(priority_without_order) == [("PL-AGR-015", "risk_pool.priority")]

    def contingency_without_pool(d: Data) -> None:
        del d["risk_pool"]
        d["contributions"] = [c for c in d["contributions"] if c["kind"] != "RISK_POOL"]
        d["schemes"][2]["underspend"] = {"disposition": "CONTINGENCY"}

    assert problems(contingency_without_pool) == [
        ("PL-AGR-015", "schemes[2].underspend.disposition")
    ]


def test_partner_listed_twice_in_a_rule() -> None:
    def spoil(d: Data) -> None:
        d["schemes"][3]["risk_share"]["shares"][1]["partner"] = "COUNCIL"

    assert problems(spoil) == [("PL-AGR-016", "schemes[3].risk_share.shares[1].partner")]


def test_underspend_redeploy() -> None:
    def unknown_target(d: Data) -> None:
        d["schemes"][2]["underspend"] = {
            "disposition": "REDEPLOY",
            "redeploy_to": "S9",
            "agreement_ref": "Board 2025-06",
        }

    assert problems(unknown_target) == [("PL-AGR-017", "schemes[2].underspend.redeploy_to")]

    def ring_fenced(d: Data) -> None:
        d["schemes"][0]["underspend"] = {"disposition": "REDEPLOY", "redeploy_to": "S3"}

    issues = problems(ring_fenced)
    assert ("PL-AGR-017", "schemes[0].underspend.disposition") in issues
    assert ("PL-AGR-017", "schemes[0].underspend.agreement_ref") in issues  # a warning


def test_negative_contribution() -> None:
    def spoil(d: Data) -> None:
        d["contributions"][0]["amount"] = "(1,000.00)"

    assert problems(spoil) == [
        ("PL-AGR-018", "contributions[0].amount"),
        ("PL-AGR-018", "contributions[0].amount"),
    ]


def test_partner_attribute_warning_does_not_block_loading() -> None:
    data = bcf_data()
    data["partners"][0]["vat_regime"] = "NHS_S41_COS"
    agreement, issues = agreement_from_data(data)
    assert found(issues) == [("PL-AGR-020", "partners[0].vat_regime")]
    assert issues[0].severity is Severity.WARNING
    assert agreement is not None


def test_every_code_used_is_catalogued_and_every_check_is_listed() -> None:
    import pooledledger.model.checks_agreement as checks
    import pooledledger.model.checks_rules as checks_rules

    listed = {c.__name__ for c in AGREEMENT_CHECKS}
    defined = {name for name in checks.__all__ if name.startswith("check_")}
    assert listed == defined
    # the checks of the rules, underspends, the risk pool and offsetting are in a sibling
    source = "".join(
        Path(str(module.__file__)).read_text(encoding="utf-8") for module in (checks, checks_rules)
    )
    for n in range(3, 22):
        code = f"PL-AGR-{n:03d}"
        assert code in ISSUE_CODES
        assert f'"{code}"' in source


def test_many_problems_are_reported_at_once(tmp_path: Path) -> None:
    text = (
        EXAMPLE2.read_text(encoding="utf-8")
        .replace('host = "COUNCIL"', 'host = "CITY"')
        .replace('{ partner = "ICB", share = "1/2" }', '{ partner = "ICB", share = "40%" }')
        .replace('scheme = "S5"', 'scheme = "S9"')
        .replace('underwriters = ["COUNCIL"]', 'underwriters = ["NOBODY"]')
    )
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert found(issues) == [
        ("PL-AGR-003", "host"),
        ("PL-AGR-012", "schemes[3].risk_share.underwriters[0]"),
        ("PL-AGR-005", "contributions[7].scheme"),
        ("PL-AGR-009", "schemes[4]"),
        ("PL-AGR-007", "schemes[3].risk_share.shares"),
    ]
    assert all(i.location.file == str(path) for i in issues)
    with pytest.raises(IssueError) as info:
        load_agreement(path)
    assert len(info.value.issues) == 5


def test_many_structural_problems_are_reported_at_once() -> None:
    data = bcf_data()
    del data["pooled_fund_manager"]
    data["schemes"][3]["risk_share"]["cap"] = "1"
    data["partners"][1]["kind"] = "TRUST"
    data["contributions"][2]["year"] = "2025-27"
    agreement, issues = agreement_from_data(data)
    assert agreement is None
    assert found(issues) == [
        ("PL-AGR-002", "partners[1].kind"),
        ("PL-AGR-002", "pooled_fund_manager"),
        ("PL-AGR-002", "schemes[3].risk_share.cap"),
        ("PL-AGR-002", "contributions[2].year"),
    ]
    assert "unknown field 'cap'" in issues[2].message
    assert "required field 'pooled_fund_manager'" in issues[1].message


def test_validate_agreement_on_a_model_built_in_python() -> None:
    a = load_agreement(EXAMPLE1)
    assert validate_agreement(a) == []
    bad = a.model_copy(update={"host": "PCT9"})
    assert found(validate_agreement(bad)) == [("PL-AGR-003", "host")]


# ----------------------------------------------------------------------- formats


def test_toml_float_amount_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    text = EXAMPLE1.read_text(encoding="utf-8").replace(
        'amount = "600000.00"', "amount = 600000.00"
    )
    path = tmp_path / "float.toml"
    path.write_text(text, encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert found(issues) == [("PL-AGR-002", "contributions[0].amount")]
    assert 'write it in quotes, e.g. amount = "600000.00"' in issues[0].message
    assert issues[0].location.file == str(path)


def test_toml_float_share_is_refused() -> None:
    text = EXAMPLE2.read_text(encoding="utf-8").replace(
        '{ partner = "ICB", share = "1/2" }', '{ partner = "ICB", share = 0.5 }'
    )
    agreement, issues = read_agreement(text)
    assert agreement is None
    assert found(issues) == [("PL-AGR-002", "schemes[3].risk_share.shares[1].share")]
    assert 'share = "0.5"' in issues[0].message


def test_toml_syntax_error_gives_the_line() -> None:
    text = EXAMPLE1.read_text(encoding="utf-8").replace('host = "LA"', "host = = LA")
    agreement, issues = read_agreement(text)
    assert agreement is None
    [issue] = issues
    assert issue.code == "PL-AGR-001"
    line = next(n for n, s in enumerate(text.splitlines(), 1) if s.startswith("host ="))
    assert issue.location.row == line


def test_unreadable_and_unknown_files(tmp_path: Path) -> None:
    assert found(read_agreement(tmp_path / "missing.toml")[1]) == [("PL-AGR-001", None)]
    odd = tmp_path / "agreement.txt"
    odd.write_text("id = 'x'\n", encoding="utf-8")
    assert found(read_agreement(odd)[1]) == [("PL-AGR-001", None)]
    assert found(read_agreement("[1, 2]\n", format="json")[1]) == [("PL-AGR-002", None)]


@pytest.mark.parametrize("suffix", [".yaml", ".yml"])
def test_yaml_loading(tmp_path: Path, suffix: str) -> None:
    a = load_agreement(EXAMPLE2)
    data = a.model_dump(mode="json")
    path = tmp_path / f"bcf{suffix}"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert read_agreement(path) == (a, [])


def test_yaml_native_dates_and_float_refusal() -> None:
    text = yaml.safe_dump(json.loads(dump_agreement_json(load_agreement(EXAMPLE1))))
    text = text.replace("term_start: '2007-04-01'", "term_start: 2007-04-01")
    assert "term_start: 2007-04-01" in text
    agreement, issues = read_agreement(text, format="yaml")
    assert issues == []
    assert agreement is not None
    assert agreement.term_start == date(2007, 4, 1)
    bad = text.replace("amount: '600000.00'", "amount: 600000.00")
    # the float sits inside {amount, currency}; the issue names the money field
    assert found(read_agreement(bad, format="yaml")[1]) == [
        ("PL-AGR-002", "contributions[0].amount")
    ]


def test_yaml_syntax_error_gives_the_line() -> None:
    _, issues = read_agreement("id: x\nname: [unclosed\nhost: LA\n", format="yaml")
    [issue] = issues
    assert issue.code == "PL-AGR-001"
    assert issue.location.row == 3


def test_json_loading_and_syntax_error(tmp_path: Path) -> None:
    a = load_agreement(EXAMPLE1)
    path = tmp_path / "la.json"
    path.write_text(dump_agreement_json(a), encoding="utf-8")
    assert read_agreement(path) == (a, [])
    path.write_text('{\n  "id": "x",\n  "name": \n}\n', encoding="utf-8")
    [issue] = read_agreement(path)[1]
    assert issue.code == "PL-AGR-001"
    assert issue.location.row == 4


# ------------------------------------------------------------------- JSON Schema


def test_json_schema_is_valid_and_accepts_both_examples() -> None:
    schema = agreement_json_schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)
    for path in (EXAMPLE1, EXAMPLE2):
        document = json.loads(dump_agreement_json(load_agreement(path)))
        errors = list(validator.iter_errors(document))
        assert errors == [], [e.message for e in errors]


def test_json_schema_refuses_what_the_model_refuses() -> None:
    validator = jsonschema.Draft202012Validator(agreement_json_schema())
    document = json.loads(dump_agreement_json(load_agreement(EXAMPLE2)))
    bad = copy.deepcopy(document)
    bad["schemes"][3]["risk_share"]["cap"] = "1"
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(document)
    del bad["schemes"][3]["risk_share"]["rule"]
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(document)
    bad["contributions"][0]["amount"] = 1234.56  # a float (JSON Schema counts 1.0 as integer)
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(document)
    bad["schemes"][3]["risk_share"]["shares"][0]["share"] = 0.5
    assert not validator.is_valid(bad)
