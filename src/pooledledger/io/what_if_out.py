"""A what-if comparison as files: Markdown, a tidy CSV table and JSON (layer L5)."""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

from pooledledger.io.csv_out import write_table_csv
from pooledledger.yearend.whatif import WhatIf

__all__ = ["write_what_if"]


def write_what_if(result: WhatIf, folder: str | PathLike[str]) -> list[Path]:
    """Write ``what-if.md``, ``what-if.csv`` and ``what-if.json`` into ``folder``.

    The JSON holds the changes and each partner's figures before and after, in
    pence; the CSV is :meth:`~pooledledger.yearend.whatif.WhatIf.to_table`.
    """
    where = Path(folder)
    where.mkdir(parents=True, exist_ok=True)
    md = where / "what-if.md"
    md.write_text(result.to_markdown(), encoding="utf-8")
    table = write_table_csv(result.to_table(), where / "what-if.csv")
    data = {
        "year": str(result.year),
        "changes": [c.model_dump(mode="json") for c in result.changes],
        "spending_added_pence": result.spending_added,
        "partners": [
            {
                "partner": p.partner,
                "is_host": p.is_host,
                "before_pence": p.before,
                "after_pence": p.after,
                "change_pence": p.change,
            }
            for p in result.partners
        ],
    }
    js = where / "what-if.json"
    js.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [md, table, js]
