"""Pool lines of lines with no VAT share one worked-out split per scheme, date,
procurer and s41 flag (``books/lines.py``): the same lines as working out every
line's VAT split on its own (docs/ledger.md#vat)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pooledledger.books.ledger import Ledger
from pooledledger.model.entries import Expenditure
from strategies import agreements, entry_streams


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_vat_lines_get_the_split_each_would_get_alone(data: st.DataObject) -> None:
    agreement = data.draw(agreements(max_partners=4, max_schemes=3))
    entries = data.draw(entry_streams(agreement, max_size=30))
    # copies of each line with no VAT: the same scheme, date and procurer, other ids
    copies = [
        e.model_copy(update={"id": f"{e.id}-COPY{n}"})
        for e in entries
        if isinstance(e, Expenditure) and e.vat_pence == 0 and e.vat_recoverable is None
        for n in range(data.draw(st.integers(0, 2)))
    ]
    ledger = Ledger(agreement, [*entries, *copies])
    made = {line.entry_id: line for line in ledger.pool_lines}
    for e in ledger.entries:
        if isinstance(e, Expenditure):
            parts = ledger.vat_shares(e)
            line = made[e.id]
            assert line.vat_recovered == sum(r for _, r in parts.values())
            assert line.vat_by_body == tuple((p, v, r) for p, (v, r) in parts.items())
            assert line.amount == ledger.pool_cost(e)
