"""Write examples/bcf_what_if.ipynb (nbformat 4, no outputs) from the cells below.

Run it after editing a cell: ``.venv/bin/python examples/make_bcf_what_if.py``.
The notebook is committed without outputs; ``tests/test_notebook.py`` executes it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS: list[tuple[str, str]] = [
    (
        "md",
        """# What if? The Better Care Fund with a different rule for S4

This notebook closes the year of the bundled Better Care Fund example (domain.md §8):
a council hosts the pool with an integrated care board (ICB), five schemes with their
own risk-share rules and a £300,000.00 risk pool used first. It shows each partner's
shares as a pandas DataFrame and a chart, then asks a "what if" question:

> Scheme S4 (protecting adult social care) shares its overspend 50/50 with the ICB's
> share **capped at £10,000.00** (rule RS5). What if the partners agreed instead to
> share it **pro rata to contributions** (rule RS1)?

Amounts inside pooledledger are whole pence (integers), so every figure below adds up
exactly. They are turned into pounds only to label the charts.""",
    ),
    (
        "code",
        """import tomllib
from importlib.resources import files

import matplotlib

matplotlib.use("Agg")  # draw off-screen; the charts are shown as PNG images below
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, display

from pooledledger import FinancialYear, format_pence
from pooledledger.yearend.close import close_year
from pooledledger.io import load_agreement, load_ledger
from pooledledger.io.agreement_files import agreement_from_data

EXAMPLES = files("pooledledger") / "examples"
AGREEMENT_FILE = EXAMPLES / "example2_bcf.toml"
LEDGER_FILE = EXAMPLES / "example2_ledger.toml"
YEAR = FinancialYear.parse("2025-26")

agreement = load_agreement(AGREEMENT_FILE)
ledger = load_ledger(agreement, LEDGER_FILE)
close = close_year(agreement, ledger, YEAR)
print(agreement.name, "-", YEAR)
print({s.id: s.risk_share.code for s in agreement.schemes})""",
    ),
    (
        "md",
        """## Each partner's shares, by scheme

`close.to_pandas()` gives the whole close as a tidy table (scheme × partner × measure,
in pence). We pivot it to one row per scheme and one column per partner.""",
    ),
    (
        "code",
        """MEASURES = [
    "contribution", "risk_pool", "deficit", "underspend", "net_share", "gross_share"
]


def scheme_table(result):
    \"\"\"Scheme x (measure, partner) in pence, from the close.\"\"\"
    if hasattr(result, "to_pandas"):
        tidy = result.to_pandas()
        rows = tidy[(tidy["level"] == "scheme") & tidy["measure"].isin(MEASURES)]
    else:  # older pooledledger: build the same tidy rows from the close directly
        rows = pd.DataFrame(
            [
                {"scheme": s.scheme, "partner": p, "measure": m, "pence": v}
                for s in result.schemes
                for m, values in {
                    "contribution": s.contributions,
                    "risk_pool": s.risk_pool,
                    "deficit": s.deficit,
                    "underspend": s.underspend,
                    "net_share": s.net_share,
                    "gross_share": s.gross_share,
                }.items()
                for p, v in values.items()
            ]
        )
    table = rows.pivot_table(
        index="scheme", columns=["measure", "partner"], values="pence", aggfunc="sum"
    )
    return table[MEASURES].astype("int64")


shares = scheme_table(close)
shares.map(format_pence)""",
    ),
    (
        "code",
        """# The figures of domain.md §8.4 and §8.6, to the penny
assert shares.loc["S4", ("deficit", "COUNCIL")] == 2157894   # 21,578.94
assert shares.loc["S4", ("deficit", "ICB")] == 1000000       # 10,000.00, the cap
assert shares[("gross_share", "COUNCIL")].sum() == 618017293  # 6,180,172.93
assert shares[("gross_share", "ICB")].sum() == 1109982727     # 11,099,827.27
print("council gross share:", format_pence(int(shares[("gross_share", "COUNCIL")].sum())))
print("ICB gross share:", format_pence(int(shares[("gross_share", "ICB")].sum())))""",
    ),
    (
        "md",
        """## Who bears the overspends

The chart shows each partner's share of each scheme's overspend after the risk pool
(its *deficit share*). The ICB bears all of S2 (its own risk), S3 is shared 60:40, and
on S4 the ICB's share stops at the £10,000.00 cap.""",
    ),
    (
        "code",
        """def show(fig):
    \"\"\"Display a figure as a PNG (works with the off-screen Agg backend).\"\"\"
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    display(Image(buffer.getvalue()))


deficit_pounds = shares["deficit"] / 100  # pounds, for plotting only
fig, ax = plt.subplots(figsize=(7, 3.5))
deficit_pounds.plot.bar(ax=ax, stacked=True, color=["#1f4e79", "#c55a11"])
ax.set_title("Deficit shares after the risk pool, 2025-26 (capped 50/50 on S4)")
ax.set_xlabel("scheme")
ax.set_ylabel("£")
ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
show(fig)""",
    ),
    (
        "md",
        """## What if S4 were shared pro rata to contributions?

We change the agreement **data** before loading it, so the changed agreement goes
through the same checks as any agreement file: S4's `risk_share` becomes
`{ rule = "PRO_RATA_CONTRIBUTIONS" }` (RS1). Only the ICB contributes to S4, so under
RS1 the ICB bears all of S4's residual overspend. The ledger is the same.""",
    ),
    (
        "code",
        """data = tomllib.loads(AGREEMENT_FILE.read_text(encoding="utf-8"))
s4 = next(s for s in data["schemes"] if s["id"] == "S4")
print("before:", s4["risk_share"]["rule"])
s4["risk_share"] = {"rule": "PRO_RATA_CONTRIBUTIONS"}

what_if_agreement, issues = agreement_from_data(data, file="example2_bcf.toml (S4 pro rata)")
assert what_if_agreement is not None, issues
what_if_ledger = load_ledger(what_if_agreement, LEDGER_FILE)
what_if = close_year(what_if_agreement, what_if_ledger, YEAR)
print("after:", what_if_agreement.scheme("S4").risk_share.code)
print(what_if.scheme("S4").explanation)""",
    ),
    (
        "md",
        """## Side by side

Each partner's deficit shares, balance with the host and settlement, under the
agreement as it is and under the "what if". A negative balance means the partner owes
the host.""",
    ),
    (
        "code",
        """def partner_figures(result, label):
    return pd.DataFrame(
        [
            {
                "partner": p.partner,
                "rule for S4": label,
                "S4 deficit": result.scheme("S4").deficit[p.partner],
                "total deficit": p.deficit,
                "net share": p.net_share,
                "balance": p.balance,
                "settlement": p.settlement,
            }
            for p in result.partners
        ]
    ).set_index(["partner", "rule for S4"])


both = pd.concat(
    [partner_figures(close, "RS5 capped 50/50"), partner_figures(what_if, "RS1 pro rata")]
)
order = [(p.partner, rule) for p in close.partners for rule in ("RS5 capped 50/50", "RS1 pro rata")]
both = both.loc[order]
both.map(format_pence)""",
    ),
    (
        "code",
        """as_agreed = partner_figures(close, "").droplevel(1)
change = partner_figures(what_if, "").droplevel(1) - as_agreed
print("Change (what if minus as agreed):")
print(change.map(format_pence).to_string())

# The whole pool is unchanged: the rule only moves cost between the partners.
# (Settlements do not sum to zero: the host does not settle with itself.)
assert change[["S4 deficit", "total deficit", "net share", "balance"]].sum().tolist() == [0] * 4
assert what_if.conservation == close.conservation
# Under RS1 the ICB bears all of S4's residual 31,578.94 ...
assert what_if.scheme("S4").deficit == {"COUNCIL": 0, "ICB": 3157894}
# ... so its deficit shares rise from 45,789.48 to 67,368.42, and it pays that to the host.
assert what_if.partner("ICB").deficit == 6736842
assert what_if.partner("ICB").settlement == -6736842
assert what_if.partner("COUNCIL").deficit == 1263158
print("ICB settlement:", format_pence(close.partner("ICB").settlement), "->",
      format_pence(what_if.partner("ICB").settlement))""",
    ),
    (
        "code",
        """compare = pd.DataFrame(
    {
        "RS5 capped 50/50": [close.partner(p).deficit / 100 for p in ("COUNCIL", "ICB")],
        "RS1 pro rata": [what_if.partner(p).deficit / 100 for p in ("COUNCIL", "ICB")],
    },
    index=["COUNCIL", "ICB"],
)  # pounds, for plotting only
fig, ax = plt.subplots(figsize=(6, 3.5))
compare.plot.bar(ax=ax, rot=0, color=["#7f7f7f", "#2e75b6"])
ax.set_title("Total deficit shares, 2025-26: S4 capped 50/50 vs pro rata")
ax.set_ylabel("£")
ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
show(fig)""",
    ),
    (
        "md",
        """## What this shows

* Changing S4's rule moves £21,578.94 of S4's overspend from the council to the ICB:
  the cap no longer protects the ICB. The council's deficit shares fall from
  £34,210.52 to £12,631.58; the ICB's rise from £45,789.48 to £67,368.42.
* The pool as a whole is untouched: the same expenditure, the same contributions,
  and the conservation check in and out to the penny.
* The risk pool's use does not change either, because it is applied before the
  scheme rules.

To try another rule, change `s4["risk_share"]` above, e.g.
`{"rule": "FIXED_SHARES", "shares": [{"partner": "COUNCIL", "share": "1/2"},
{"partner": "ICB", "share": "1/2"}]}` (RS4, 50/50 with no cap). The how-to pages in
`docs/risk-share/` give every rule's fields.""",
    ),
]


def build() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(text) if kind == "md" else new_code_cell(text) for kind, text in CELLS
    ]
    for n, cell in enumerate(cells, 1):
        cell["id"] = f"cell-{n:02d}"  # stable ids, so regenerating gives the same file
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    out = Path(__file__).with_name("bcf_what_if.ipynb")
    nb = build()
    nbformat.validate(nb)
    nbformat.write(nb, out)
    print(f"wrote {out}")
