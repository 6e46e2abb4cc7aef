"""Stateful test: the ledger, apportionment and journals against a plain exact model.

A Hypothesis state machine contributes, varies contributions, pays instalments,
spends, receives income, reverses lines and queries to a date.  After every step
the library's results are compared with :class:`ExactModel`, written here with
nothing but ``int`` pence and ``Fraction`` weights (and the spec's reference
largest-remainder allocator, §12), and the invariants are checked:

* totals: pool cost per line is net + VAT - recoverable VAT (I-13); the ledger's
  totals per scheme and year to date equal the model's sums exactly;
* I-3: shares sum to the totals per line, per scheme and for the pool
  (expenditure, income, net);
* I-4: every journal balances; the host's clearing accounts are zero;
* I-6: the host's balance with *j* plus *j*'s balance with the host is zero, and
  both equal the model's figure (instalments paid - net share - VAT recharged);
* I-10 style: each partner's journal net cost is its apportioned net share;
* I-13: recoverable VAT goes to payables and the recovering body, never to pool
  cost or any share.

What exactly holds for a partner's year-to-date share of a scheme's expenditure
(or income), with weights w and running total T?  After **every** line of that
(scheme, kind) stream, ordinary or reversal, the share **is** the model's own
largest-remainder allocation ``hamilton(T, w)``, so within 1p of exact ``T·w``:

* an ordinary line's shares are the change in ``hamilton(T, w)``;
* a reversal copies and negates the original line's shares (it never
  re-allocates); when the copies leave the running shares off ``hamilton(T, w)``
  the library follows the reversal with a zero-amount *true-up* line
  (``<reversal id>:true-up``) whose shares sum to zero and are exactly
  ``hamilton(T, w)`` minus the running shares after the copy;
  :func:`test_true_up_restores_exactness_after_a_reversal` works one out by hand.

Those statements are checked line by line on the library's own lines; on top of
them every line's shares (true-ups included) are compared with the model's replay
of the method, exactly.

:func:`test_broken_allocator_is_caught` patches two broken allocators into the
library and checks that this machine fails on each, so the checks are live.
"""

from __future__ import annotations

import math
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from moneyed import Money

from pooledledger.books.apportion import Apportionment, apportion
from pooledledger.books.journals import Account, Journal, build_journals
from pooledledger.books.ledger import Ledger
from pooledledger.core.allocation import CumulativeAllocator, allocate
from pooledledger.model.agreement import (
    Agent,
    Agreement,
    JointOperation,
    LegalBasis,
    PlannedContribution,
    Principal,
    Scheme,
    VatModel,
)
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
)
from pooledledger.model.partners import Partner, PartnerKind, VatRegime
from strategies import (
    YEAR,
    YEAR_DAYS,
    agreements,
    contributions,
    entry_streams,
    expenditures,
    incomes,
    instalments,
    pence_text,
    reversal_of,
    year_days,
)

PartnerId = str
SchemeId = str

#: Branch counters, so a test can show the machine reaches the interesting states.
STATS: Counter[str] = Counter()
#: Off only in a test showing that the invariants alone catch a broken allocator.
CHECK_EXACT_SHARES = True

# --------------------------------------------------------------------------- the model


def pence(money: Money) -> int:
    """Exact pence of a GBP amount (fails on fractions of a penny)."""
    hundred = Decimal(money.amount) * 100
    assert hundred == hundred.to_integral_value(), money
    return int(hundred)


def hamilton(
    total: int, weights: Mapping[PartnerId, Fraction], order: Sequence[PartnerId]
) -> dict[PartnerId, int]:
    """The reference allocator of domain.md §12, verbatim in spirit, in Fractions."""
    keys = [k for k in order if k in weights]
    sign = -1 if total < 0 else 1
    t = abs(total)
    s = sum(weights.values())
    exact = {k: t * weights[k] / s for k in keys}
    out = {k: math.floor(v) for k, v in exact.items()}
    leftover = t - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - out[k]), keys.index(k)))[:leftover]:
        out[k] += 1
    return {k: sign * v for k, v in out.items()}


@dataclass(frozen=True)
class MLine:
    """A pool line as the model sees it."""

    id: str
    scheme: SchemeId
    date: date
    rank: int  # income 2, expenditure 3, reversal 4 (the canonical order)
    kind: str  # "expenditure" or "income"
    amount: int  # pool cost or income, signed
    recovered: int  # recoverable VAT (0 for income)
    vat_by_body: tuple[tuple[PartnerId, int], ...]  # recoverable VAT per recovering body
    reverses: str | None


#: Suffix of the id of the zero-amount line that trues a stream up after a reversal.
TRUE_UP = ":true-up"


@dataclass
class Stream:
    """The running state of one (scheme, kind) stream in the model's replay."""

    total: int = 0
    parts: dict[PartnerId, int] = field(default_factory=dict)
    reversals: int = 0
    true_ups: int = 0


@dataclass
class Replay:
    """The model's shares for a window: per line (true-ups included), per stream."""

    lines: list[MLine]  # the pool lines, in canonical order
    order: list[str]  # every apportioned line: the pool lines and the true-ups
    shares: dict[str, dict[PartnerId, int]]
    streams: dict[tuple[SchemeId, str], Stream]


class ExactModel:
    """Everything the library computes, recomputed from the entries with ints and Fractions."""

    def __init__(self, agreement: Agreement, entries: Sequence[Entry]) -> None:
        self.agreement = agreement
        self.entries = list(entries)
        self.partners: list[PartnerId] = [p.id for p in agreement.partners]
        self.host: PartnerId = agreement.partners[0].id
        assert agreement.host == self.host

    # -- contributions and weights

    def contribution_sums(self) -> dict[SchemeId, dict[PartnerId, int]]:
        sums: dict[SchemeId, dict[PartnerId, int]] = {}
        records: list[tuple[SchemeId, PartnerId, int, ContributionKind]] = [
            (c.scheme, c.partner, pence(c.amount), c.kind)
            for c in self.agreement.contributions
            if c.year == YEAR
        ]
        records += [
            (e.scheme, e.partner, pence(e.amount), e.kind)
            for e in self.entries
            if isinstance(e, Contribution) and e.year == YEAR
        ]
        for scheme, partner, amount, kind in records:
            if kind in (ContributionKind.RISK_POOL, ContributionKind.ADDITIONAL):
                continue  # neither is a scheme weight
            row = sums.setdefault(scheme, {})
            row[partner] = row.get(partner, 0) + amount
        return sums

    def weights(self) -> tuple[dict[SchemeId, dict[PartnerId, Fraction]], set[SchemeId]]:
        """Weights per scheme, and the schemes charged to their lead commissioner."""
        sums = self.contribution_sums()
        out: dict[SchemeId, dict[PartnerId, Fraction]] = {}
        fallback: set[SchemeId] = set()
        for s in self.agreement.schemes:
            row = sums.get(s.id, {})
            total = sum(row.values())
            if total > 0 and min(row.values()) >= 0:
                out[s.id] = {p: Fraction(v, total) for p, v in row.items()}
            else:
                out[s.id] = {s.lead_commissioner: Fraction(1)}
                fallback.add(s.id)
        return out, fallback

    def paid(self, end: date) -> dict[SchemeId, dict[PartnerId, int]]:
        out: dict[SchemeId, dict[PartnerId, int]] = {}
        for e in self.entries:
            if (
                isinstance(e, Instalment)
                and e.year == YEAR
                and e.paid_date is not None
                and e.paid_date < end
            ):
                row = out.setdefault(e.scheme, {})
                row[e.partner] = row.get(e.partner, 0) + pence(e.amount)
        return out

    # -- VAT and pool lines

    def recovered(self, e: Expenditure) -> dict[PartnerId, int]:
        """Recoverable VAT in pence per recovering body (domain.md §11.4).

        Under AGENT each partner is the principal for VAT on its share: the VAT is split
        by the scheme's weights and each share recovered under its own regime (the lead
        commissioner takes an explicit recoverable amount, and all of it on a scheme
        charged to its lead commissioner).
        """
        vat = pence(e.vat)

        def recovers(body: PartnerId) -> bool:
            regime = self.agreement.partner(body).vat_regime
            return regime is VatRegime.LA_S33 or (regime is VatRegime.NHS_S41_COS and e.cos_listed)

        if self.agreement.vat_model is VatModel.AGENT:
            lead = self.agreement.scheme(e.scheme).lead_commissioner
            if e.vat_recoverable is not None:
                return {lead: pence(e.vat_recoverable)}
            weights, fallback = self.weights()
            if e.scheme in fallback:
                return {lead: vat if recovers(lead) else 0}
            parts = hamilton(vat, weights[e.scheme], self.agreement.partner_order)
            return {p: v for p, v in parts.items() if v and recovers(p)}
        body = e.procuring_partner or self.host
        if e.vat_recoverable is not None:
            return {body: pence(e.vat_recoverable)}
        return {body: vat if recovers(body) else 0}

    def lines(self) -> list[MLine]:
        """Every pool line of the year, in canonical order (date, kind, id)."""
        by_id: dict[str, MLine] = {}
        for e in self.entries:
            if isinstance(e, Expenditure):
                bodies = self.recovered(e)
                rec = sum(bodies.values())
                body = tuple(bodies.items())
                cost = pence(e.net) + pence(e.vat) - rec  # I-13
                by_id[e.id] = MLine(e.id, e.scheme, e.date, 3, "expenditure", cost, rec, body, None)
            elif isinstance(e, Income):
                by_id[e.id] = MLine(
                    e.id, e.scheme, e.date, 2, "income", pence(e.amount), 0, (), None
                )
        for e in self.entries:
            if isinstance(e, Reversal):
                o = by_id[e.reverses]
                by_id[e.id] = MLine(
                    e.id,
                    o.scheme,
                    e.date,
                    4,
                    o.kind,
                    -o.amount,
                    -o.recovered,
                    tuple((b, -v) for b, v in o.vat_by_body),
                    o.id,
                )
        return sorted(by_id.values(), key=lambda m: (m.date, m.rank, m.id))

    def replay(self, end: date) -> Replay:
        """The method, redone: each ordinary line's shares are the change in
        ``hamilton(running total)``; a reversal's shares are the original's, negated,
        followed (when they leave the running shares off ``hamilton(running total)``)
        by a true-up line moving the difference, so every stream ends each line at
        ``hamilton(running total)``."""
        weights, _ = self.weights()
        window = [m for m in self.lines() if YEAR.start <= m.date < end]
        order: list[str] = []
        shares: dict[str, dict[PartnerId, int]] = {}
        streams: dict[tuple[SchemeId, str], Stream] = {}
        for m in window:
            w = weights[m.scheme]
            st_ = streams.setdefault(
                (m.scheme, m.kind), Stream(parts={p: 0 for p in self.partners if p in w})
            )
            st_.total += m.amount
            now = hamilton(st_.total, w, self.partners)
            if m.reverses is not None:
                share = {p: -v for p, v in shares[m.reverses].items()}
                copied = {p: st_.parts[p] + share[p] for p in st_.parts}
                true_up = {p: now[p] - copied[p] for p in now}
                st_.reversals += 1
            else:
                share = {p: now[p] - st_.parts[p] for p in now}
                true_up = {}
            order.append(m.id)
            shares[m.id] = share
            if any(true_up.values()):
                order.append(m.id + TRUE_UP)
                shares[m.id + TRUE_UP] = true_up
                st_.true_ups += 1
            st_.parts = now
        return Replay(window, order, shares, streams)


# -------------------------------------------------------------------------- the checks


def _window_end(upto: date | None) -> date:
    return YEAR.end if upto is None else max(YEAR.start, min(upto, YEAR.end))


def check_against_model(
    agreement: Agreement, entries: Sequence[Entry], upto: date | None = None
) -> None:
    """Build ledger, apportionment and journals to ``upto`` and check them all."""
    model = ExactModel(agreement, entries)
    ledger = Ledger(agreement, entries)
    end = _window_end(upto)
    host = model.host
    partners = model.partners
    others = [p for p in partners if p != host]
    schemes = list(agreement.scheme_ids)

    # -- ledger: pool lines (I-13), totals, contributions, instalments
    mlines = {m.id: m for m in model.lines()}
    assert [pl.entry_id for pl in ledger.pool_lines] == list(mlines), "canonical order"
    for pl in ledger.pool_lines:
        m = mlines[pl.entry_id]
        assert (pl.scheme, pl.kind, pl.amount, pl.vat_recovered) == (
            m.scheme,
            m.kind,
            m.amount,
            m.recovered,
        ), f"I-13: pool line {pl.entry_id} is not net + VAT - recoverable VAT"
    for k in schemes:
        full = [m for m in mlines.values() if m.scheme == k]
        win = [m for m in full if m.date < end]
        for lines_, got in (
            (full, ledger.totals(scheme=k)),
            (win, ledger.year_to_date(YEAR, end, scheme=k)),
        ):
            exp = sum(m.amount for m in lines_ if m.kind == "expenditure")
            inc = sum(m.amount for m in lines_ if m.kind == "income")
            rec = sum(m.recovered for m in lines_)
            assert (got.expenditure, got.income, got.net, got.vat_recovered) == (
                exp,
                inc,
                exp - inc,
                rec,
            ), f"totals of {k}"
    sums = model.contribution_sums()
    assert ledger.approved_contributions(YEAR) == sums, "approved annual contributions"
    paid = model.paid(end)
    assert ledger.paid_instalments(YEAR, upto=end) == paid, "paid instalments"

    # -- apportionment
    ap = apportion(ledger, YEAR, upto)
    weights, fallback = model.weights()
    replay = model.replay(end)
    assert ap.within.end == end
    assert all(i.code == "PL-LED-010" for i in ap.issues), ap.issues
    assert {i.location.field for i in ap.issues} == {f"schemes[{k}]" for k in fallback}
    _check_i3(ap, replay, schemes, partners)
    journals, jissues = build_journals(ledger, ap)
    assert not jissues, jissues
    _check_journals(model, ap, replay, journals, paid, host, others)
    if CHECK_EXACT_SHARES:
        _check_exact_shares(ap, replay, weights, partners)
    STATS["checks"] += 1
    STATS["fallback schemes"] += len(fallback)


def _check_i3(
    ap: Apportionment, replay: Replay, schemes: list[SchemeId], partners: list[PartnerId]
) -> None:
    """I-3: shares sum to the totals, per line, per scheme and for the whole pool."""
    pool_exp = pool_inc = 0
    for line in ap.lines:
        assert sum(line.shares.values()) == line.amount, f"I-3: shares of line {line.entry_id}"
    for k in schemes:
        ss = ap.schemes[k]
        win = [m for m in replay.lines if m.scheme == k]
        exp = sum(m.amount for m in win if m.kind == "expenditure")
        inc = sum(m.amount for m in win if m.kind == "income")
        assert ss.total_expenditure == exp, f"I-3: expenditure shares of {k}"
        assert ss.total_income == inc, f"I-3: income shares of {k}"
        assert sum(ss.net.values()) == exp - inc, f"I-3: net shares of {k}"
        assert set(ss.expenditure) == set(partners) == set(ss.income)
        pool_exp += exp
        pool_inc += inc
    by_partner = ap.by_partner()
    assert sum(v["expenditure"] for v in by_partner.values()) == pool_exp, "I-3: pool expenditure"
    assert sum(v["income"] for v in by_partner.values()) == pool_inc, "I-3: pool income"
    assert sum(v["net"] for v in by_partner.values()) == pool_exp - pool_inc, "I-3: pool net"


def _check_journals(
    model: ExactModel,
    ap: Apportionment,
    replay: Replay,
    journals: dict[PartnerId, Journal],
    paid: dict[SchemeId, dict[PartnerId, int]],
    host: PartnerId,
    others: list[PartnerId],
) -> None:
    """I-4, I-6, I-10 style and I-13 on the journals, against the model's figures."""
    assert set(journals) == set(model.partners)
    for p, j in journals.items():
        assert j.is_balanced, f"I-4: journal of {p} does not balance"
    hj = journals[host]
    for clearing in (
        Account.POOL_EXPENDITURE_CLEARING,
        Account.POOL_INCOME_CLEARING,
        Account.AGENCY_CLEARING,
    ):
        assert hj.balance(clearing) == 0, f"I-4: host {clearing} not cleared"

    # recoverable VAT in the window, by recovering body (reversals carry the original's body)
    vat_by_body: Counter[PartnerId] = Counter()
    for m in replay.lines:
        if m.kind == "expenditure":
            for body, recovered in m.vat_by_body:
                vat_by_body[body] += recovered
    total_vat = sum(vat_by_body.values())
    total_exp = sum(m.amount for m in replay.lines if m.kind == "expenditure")
    assert sum(j.balance(Account.VAT_RECOVERABLE) for j in journals.values()) == total_vat, "I-13"
    assert hj.balance(Account.TRADE_PAYABLES) == -(total_exp + total_vat), (
        "I-13: host payables are pool cost plus recoverable VAT"
    )

    for p, j in journals.items():
        net = sum(ss.net[p] for ss in ap.schemes.values())
        assert net == ap.partner_net(p)
        assert j.net_cost == net, f"I-10: net cost of {p} is not its net share"
        for q in model.partners:
            if q not in (p, host) and p != host:
                assert j.balance_with(q) == 0, f"{p} has a balance with non-host {q}"
    for p in others:
        paid_p = sum(row.get(p, 0) for row in paid.values())
        expected = paid_p - ap.partner_net(p) - vat_by_body.get(p, 0)
        got_j, got_h = journals[p].balance_with(host), hj.balance_with(p)
        assert got_j + got_h == 0, f"I-6: balances of {p} and host do not mirror"
        assert got_j == expected, f"I-6: {p}'s balance with the host"
    STATS["vat recharged to a non-host body"] += sum(1 for b in vat_by_body if b != host)


def _check_exact_shares(
    ap: Apportionment,
    replay: Replay,
    weights: dict[SchemeId, dict[PartnerId, Fraction]],
    partners: list[PartnerId],
) -> None:
    """Shares are what the method gives, exactly (see the module docstring).

    First on the library's own lines, one by one: after every pool line (and its
    true-up, if any) each stream's running shares are ``hamilton(running total)``;
    a reversal is its original negated; a true-up sums to zero and is ``hamilton``
    now minus the running shares after the copy.  Then against the model's replay.
    """
    lines = ap.lines
    lib = {line.entry_id: line for line in lines}
    assert len(lib) == len(lines), "apportioned line ids are unique"
    mlines = {m.id: m for m in replay.lines}
    running: dict[tuple[SchemeId, str], dict[PartnerId, int]] = {}
    totals: dict[tuple[SchemeId, str], int] = {}
    for i, line in enumerate(lines):
        key = (line.scheme, line.kind)
        w = weights[line.scheme]
        parts = running.setdefault(key, {p: 0 for p in partners if p in w})
        assert set(line.shares) == set(parts), f"partners of line {line.entry_id}"
        if line.entry_id.endswith(TRUE_UP):
            assert i > 0, f"true-up {line.entry_id} comes first"
            reversal = lines[i - 1]
            assert reversal.entry_id + TRUE_UP == line.entry_id, (
                f"true-up {line.entry_id} does not follow its reversal"
            )
            assert reversal.reverses is not None, f"{line.entry_id} follows an ordinary line"
            assert (line.scheme, line.kind, line.amount, line.reverses, line.capital_owner) == (
                reversal.scheme,
                reversal.kind,
                0,
                None,
                None,
            ), f"true-up {line.entry_id}"
            assert sum(line.shares.values()) == 0, f"true-up {line.entry_id} does not sum to 0"
            assert any(line.shares.values()), f"true-up {line.entry_id} moves nothing"
            now = hamilton(totals[key], w, partners)
            assert line.shares == {p: now[p] - parts[p] for p in now}, (
                f"true-up {line.entry_id} is not the allocation of the running total "
                "minus the running shares after the copied reversal"
            )
            STATS["true-up lines"] += 1
        else:
            assert line.entry_id in mlines, f"unexpected line {line.entry_id}"
            m = mlines[line.entry_id]
            assert (line.scheme, line.kind, line.amount, line.reverses) == (
                m.scheme,
                m.kind,
                m.amount,
                m.reverses,
            )
            if m.reverses is not None:
                original = lib[m.reverses].shares
                assert line.shares == {p: -v for p, v in original.items()}, "reversal copies"
            totals[key] = totals.get(key, 0) + line.amount
        running[key] = {p: v + line.shares[p] for p, v in parts.items()}
        if i + 1 < len(lines) and lines[i + 1].entry_id == line.entry_id + TRUE_UP:
            continue  # exactness is restored by the true-up, next
        if line.reverses is not None:
            STATS["reversals exact without a true-up"] += 1
        total = totals[key]
        expected = hamilton(total, w, partners)
        assert running[key] == expected, (
            f"{line.kind} shares of {line.scheme} after line {line.entry_id} are not the "
            f"allocation of the running total {total}: {running[key]} != {expected}"
        )
        for p, v in expected.items():
            assert abs(v - total * w[p]) < 1, f"1p bound: {p} in {line.scheme} ({line.kind})"

    # the year-to-date figures are the lines added up, and the allocation of the total
    for k, ss in ap.schemes.items():
        w = weights[k]
        assert ss.weights == w, f"weights of {k}"
        for kind, ytd in (("expenditure", ss.expenditure), ("income", ss.income)):
            stream = replay.streams.get((k, kind))
            if stream is None:
                assert all(v == 0 for v in ytd.values())
                continue
            got = {p: v for p, v in ytd.items() if p in w}
            assert got == running[k, kind], f"{kind} shares of {k} are not its lines added up"
            assert got == hamilton(stream.total, w, partners), (
                f"{kind} shares of {k} are not the allocation of the running total {stream.total}"
            )
            assert all(ytd[p] == 0 for p in partners if p not in w)
            STATS["streams with a reversal"] += bool(stream.reversals)
    # and each line, one by one, against the model's replay
    assert [line.entry_id for line in lines] == replay.order, "apportioned lines and their order"
    for entry_id in replay.order:
        assert lib[entry_id].shares == replay.shares[entry_id], (
            f"shares of line {entry_id} differ from the exact model's replay"
        )


# ----------------------------------------------------------------------- the machine


class LedgerMachine(RuleBasedStateMachine):
    """Posts entries one by one and checks everything after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.agreement: Agreement | None = None
        self.entries: list[Entry] = []
        self.open_lines: list[Expenditure | Income] = []
        self.n = 0

    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:03d}"

    def _post(self, entry: Entry) -> None:
        self.entries.append(entry)
        STATS[f"rule {entry.entry}"] += 1

    @property
    def ag(self) -> Agreement:
        assert self.agreement is not None
        return self.agreement

    @initialize(agreement=agreements(max_partners=6, max_schemes=3))
    def setup(self, agreement: Agreement) -> None:
        self.agreement = agreement
        for s in agreement.schemes:
            STATS[f"model {s.accounting_model.model}"] += 1

    @rule(data=st.data())
    def contribute(self, data: st.DataObject) -> None:
        self._post(data.draw(contributions(self.ag, self._id("C"))))

    @rule(data=st.data())
    def vary_down(self, data: st.DataObject) -> None:
        """A negative VARIATION, usually within the partner's total, sometimes beyond."""
        scheme = data.draw(st.sampled_from(self.ag.scheme_ids))
        current = ExactModel(self.ag, self.entries).contribution_sums().get(scheme, {})
        partner = data.draw(st.sampled_from(sorted(current) or list(self.ag.partner_order)))
        most = max(1, current.get(partner, 0))
        cut = data.draw(st.one_of(st.integers(1, most), st.integers(1, most + 1000)))
        entry_id = self._id("V")
        self._post(
            Contribution(
                id=entry_id,
                partner=partner,
                scheme=scheme,
                year=YEAR,
                amount=pence_text(-cut),
                effective_date=data.draw(year_days),
                approval_ref=f"VAR-{entry_id}",
            )
        )

    @rule(data=st.data())
    def pay_instalment(self, data: st.DataObject) -> None:
        self._post(data.draw(instalments(self.ag, self._id("I"))))

    @rule(data=st.data(), n=st.integers(min_value=1, max_value=3))
    def spend(self, data: st.DataObject, n: int) -> None:
        """One to three charges (spending is the commonest event)."""
        for _ in range(n):
            e = data.draw(expenditures(self.ag, self._id("E")))
            self.open_lines.append(e)
            self._post(e)

    @rule(data=st.data())
    def receive_income(self, data: st.DataObject) -> None:
        e = data.draw(incomes(self.ag, self._id("N")))
        self.open_lines.append(e)
        self._post(e)

    @precondition(lambda self: bool(self.open_lines))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(self.open_lines) - 1))
        original = self.open_lines.pop(i)
        self._post(data.draw(reversal_of(original, self._id("R"))))

    @rule(offset=st.integers(min_value=0, max_value=YEAR_DAYS))
    def query(self, offset: int) -> None:
        """Apportion and journal to a date inside (or at the end of) the year."""
        check_against_model(self.ag, self.entries, YEAR.start + timedelta(days=offset))
        STATS["rule query"] += 1

    @invariant()
    def everything_agrees_with_the_model(self) -> None:
        if self.agreement is not None:
            check_against_model(self.agreement, self.entries)


MAIN_SETTINGS = settings(
    max_examples=200 if os.environ.get("CI") else 50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

TestLedgerStateful = LedgerMachine.TestCase
TestLedgerStateful.settings = MAIN_SETTINGS


# ------------------------------------------------------ the checks are live: broken allocators


def _independent_add(self: CumulativeAllocator[Any], amount: int) -> dict[Any, int]:
    """Broken: allocates each line on its own, so running totals drift."""
    plan = self._plan
    step = allocate(amount, dict(zip(plan.keys, plan.numerators, strict=True)), plan.keys)
    self._running += amount
    self._previous = [a + step[k] for k, a in zip(plan.keys, self._previous, strict=True)]
    self._winners = ()
    return step


def _half_up_add(self: CumulativeAllocator[Any], amount: int) -> dict[Any, int]:
    """Broken: rounds each share half-up on its own, so parts need not sum to the amount."""
    plan = self._plan
    sign = -1 if amount < 0 else 1
    step = {
        k: sign * math.floor(Fraction(abs(amount) * n, plan.total_weight) + Fraction(1, 2))
        for k, n in zip(plan.keys, plan.numerators, strict=True)
    }
    self._running += amount
    self._previous = [a + step[k] for k, a in zip(plan.keys, self._previous, strict=True)]
    self._winners = ()
    return step


BROKEN_SETTINGS = settings(
    max_examples=100,
    stateful_step_count=20,
    deadline=None,
    database=None,
    derandomize=True,
    report_multiple_bugs=False,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize(
    ("broken_add", "exact_checks", "caught_by"),
    [
        pytest.param(_independent_add, True, "allocation of the running total", id="independent"),
        # a half-up share breaks the line's own sum as well as the running allocation;
        # whichever check sees it first on the shrunk example, the machine fails
        pytest.param(_half_up_add, True, "allocation of the running total|I-3", id="half-up"),
        pytest.param(_half_up_add, False, "I-3", id="half-up-invariants-only"),
    ],
)
def test_broken_allocator_is_caught(
    monkeypatch: pytest.MonkeyPatch,
    broken_add: Callable[[CumulativeAllocator[Any], int], dict[Any, int]],
    exact_checks: bool,
    caught_by: str,
) -> None:
    """The machine must fail when the allocator rounds line by line or share by share.

    Rounding each line on its own keeps every line's parts summing to the line, so
    the invariants (I-3, I-4, I-6, I-13) cannot see it: only the exact model does.
    Rounding each share half-up on its own loses or makes pence, which I-3 catches
    even with the exact-share checks switched off.
    """
    monkeypatch.setattr(CumulativeAllocator, "add", broken_add)
    monkeypatch.setattr(sys.modules[__name__], "CHECK_EXACT_SHARES", exact_checks)
    with pytest.raises(AssertionError, match=caught_by):
        run_state_machine_as_test(LedgerMachine, settings=BROKEN_SETTINGS)


def test_the_machine_reaches_the_interesting_states() -> None:
    """Every rule runs, and the checks see reversals with and without a true-up,
    fallback weights, every accounting model and VAT recharged to a partner other
    than the host."""
    STATS.clear()
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    for key in (
        "checks",
        "rule contribution",
        "rule instalment",
        "rule expenditure",
        "rule income",
        "rule reversal",
        "rule query",
        "streams with a reversal",
        "true-up lines",
        "reversals exact without a true-up",
        "fallback schemes",
        "vat recharged to a non-host body",
        "model JOINT_OPERATION",
        "model PRINCIPAL",
        "model AGENT",
    ):
        assert STATS[key] > 0, f"the machine never reached {key!r}: {dict(STATS)}"


# ------------------------------------------------------------------ whole streams at once


@settings(max_examples=100 if os.environ.get("CI") else 30, deadline=None)
@given(data=st.data())
def test_entry_order_never_matters(data: st.DataObject) -> None:
    """A whole stream, checked against the model, gives the same results in any order."""
    agreement = data.draw(agreements(max_schemes=4))
    entries = data.draw(entry_streams(agreement, max_size=40))
    upto = data.draw(st.one_of(st.none(), st.integers(0, YEAR_DAYS).map(_day_or_end)))
    check_against_model(agreement, entries, upto)
    shuffled = data.draw(st.permutations(entries))
    a, b = Ledger(agreement, entries), Ledger(agreement, shuffled)
    assert a.entries == b.entries
    assert apportion(a, YEAR, upto) == apportion(b, YEAR, upto)


def _day_or_end(offset: int) -> date:
    return YEAR.start + timedelta(days=offset)


# ------------------------------------------------------- a true-up, worked by hand


@contextmanager
def _no_stats() -> Iterator[None]:
    saved = STATS.copy()
    try:
        yield
    finally:
        STATS.clear()
        STATS.update(saved)


def test_true_up_restores_exactness_after_a_reversal() -> None:
    """A reversal's copied shares can leave a share 2.06p off; the true-up fixes it.

    Weights 15:16:18:4:14 (of 67) for LA0, NHS1, NHS2, NHS3, NHS4; charges of
    35p, 31p and 2p, then the 31p is reversed.  By hand (largest remainders):

    * 35p: exact 7.84, 8.36, 9.40, 2.09, 7.31 -> floors 7, 8, 9, 2, 7 and the two
      pence left to LA0 (.84) and NHS2 (.40): 8, 8, 10, 2, 7;
    * running 66p: exact 14.78, 15.76, 17.73, 3.94, 13.79 -> 14, 15, 17, 3, 13 and
      four pence to NHS3, NHS4, LA0, NHS1: 15, 16, 17, 4, 14, so the 31p line gets
      7, 8, 7, 2, 7;
    * running 68p: exact 15.22, 16.24, 18.27, 4.06, 14.21 -> 15, 16, 18, 4, 14 and
      one penny to NHS2: 15, 16, 19, 4, 14, so the 2p line gets 0, 0, 2, 0, 0;
    * the reversal copies -7, -8, -7, -2, -7, leaving 8, 8, 12, 2, 7 of 37p: NHS2
      holds 12p against an exact 666/67 = 9.94p, 2.06p off;
    * 37p allocated: exact 8.28, 8.84, 9.94, 2.21, 7.73 -> 8, 8, 9, 2, 7 and three
      pence to NHS2, NHS1, NHS4: 8, 9, 10, 2, 8.  The true-up is the difference,
      0, +1, -2, 0, +1: it sums to zero and leaves every share within 1p.
    """
    weights = {"LA0": 15, "NHS1": 16, "NHS2": 18, "NHS3": 4, "NHS4": 14}
    partners = tuple(
        Partner(
            id=p,
            name=p,
            kind=PartnerKind.LOCAL_AUTHORITY if p == "LA0" else PartnerKind.NHS_BODY,
        )
        for p in weights
    )
    agreement = Agreement(
        id="REV",
        name="reversal true-up",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=YEAR.start,
        term_end=YEAR.last_day,
        partners=partners,
        host="LA0",
        pooled_fund_manager="PFM",
        schemes=(Scheme(id="S0", name="s", lead_commissioner="LA0"),),
        contributions=tuple(
            PlannedContribution(
                id=f"C-{p}",
                partner=p,
                scheme="S0",
                year=YEAR,
                amount=f"0.{w:02d}",
                approval_ref="x",
            )
            for p, w in weights.items()
        ),
    )
    entries: list[Entry] = [
        Expenditure(id=f"E{i}", scheme="S0", date=YEAR.start + timedelta(days=i), net=f"0.{a:02d}")
        for i, a in enumerate((35, 31, 2))
    ]
    entries.append(
        Reversal(id="R1", reverses="E1", date=YEAR.start + timedelta(days=3), reason="error")
    )
    with _no_stats():
        check_against_model(agreement, entries)
    ap = apportion(Ledger(agreement, entries), YEAR)
    order = list(weights)

    def by_hand(*values: int) -> dict[PartnerId, int]:
        return dict(zip(order, values, strict=True))

    assert [(x.entry_id, x.amount, x.shares) for x in ap.lines] == [
        ("E0", 35, by_hand(8, 8, 10, 2, 7)),
        ("E1", 31, by_hand(7, 8, 7, 2, 7)),
        ("E2", 2, by_hand(0, 0, 2, 0, 0)),
        ("R1", -31, by_hand(-7, -8, -7, -2, -7)),
        ("R1:true-up", 0, by_hand(0, 1, -2, 0, 1)),
    ]
    true_up = ap.line("R1:true-up")
    assert (true_up.kind, true_up.scheme, true_up.reverses) == ("expenditure", "S0", None)
    after_copy = {p: sum(x.shares[p] for x in ap.lines[:4]) for p in order}
    assert after_copy["NHS2"] - Fraction(37 * 18, 67) > 2  # 2.06p off before the true-up
    shares = ap.schemes["S0"].expenditure
    assert shares == by_hand(8, 9, 10, 2, 8) == allocate(37, weights, order)
    assert all(abs(shares[p] - Fraction(37 * w, 67)) < 1 for p, w in weights.items())


def test_principal_and_agent_do_not_change_net_cost() -> None:
    """I-10 on a fixed example: the same entries under each model give the same net
    costs and host balances; only presentation changes."""
    results = []
    for model in (JointOperation(), Principal(partner="LA0"), Agent(partner="LA0")):
        agreement = Agreement(
            id="I10",
            name="model invariance",
            legal_basis=LegalBasis.S75_NHSA2006,
            term_start=YEAR.start,
            term_end=YEAR.last_day,
            partners=(
                Partner(id="LA0", name="LA", kind=PartnerKind.LOCAL_AUTHORITY),
                Partner(id="NHS1", name="ICB", kind=PartnerKind.NHS_BODY),
                Partner(id="NHS2", name="Trust", kind=PartnerKind.NHS_BODY),
            ),
            host="LA0",
            pooled_fund_manager="PFM",
            schemes=(Scheme(id="S0", name="s", lead_commissioner="NHS1", accounting_model=model),),
            contributions=tuple(
                PlannedContribution(
                    id=f"C-{p}", partner=p, scheme="S0", year=YEAR, amount=a, approval_ref="x"
                )
                for p, a in (("LA0", "600000"), ("NHS1", "300000"), ("NHS2", "100000.01"))
            ),
        )
        entries: list[Entry] = [
            Expenditure(id="E1", scheme="S0", date=YEAR.start, net="1000.01", vat="200.00"),
            Expenditure(
                id="E2",
                scheme="S0",
                date=YEAR.start,
                net="333.33",
                vat="66.67",
                procuring_partner="NHS1",
            ),
            Income(id="N1", scheme="S0", date=YEAR.start, amount="100.00"),
            Instalment(
                id="I1",
                partner="NHS1",
                scheme="S0",
                year=YEAR,
                amount="75000",
                due_date=YEAR.start,
                paid_date=YEAR.start,
            ),
        ]
        with _no_stats():
            check_against_model(agreement, entries)
        ledger = Ledger(agreement, entries)
        journals, _ = build_journals(ledger, apportion(ledger, YEAR))
        results.append(
            {p: (j.net_cost, j.balance_with("LA0")) for p, j in journals.items() if p != "LA0"}
            | {"LA0": (journals["LA0"].net_cost, 0)}
        )
    assert results[0] == results[1] == results[2]
