"""Files in and out (layer L5): agreements, ledgers (TOML, JSON, CSV, Excel), outputs.

Domain modules never do I/O; everything that reads or writes a file lives here.

Names are imported on first use, so reading a CSV never loads the Excel writer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pooledledger.io.agreement_files import (
        AgreementFormat,
        agreement_from_data,
        agreement_json_schema,
        dump_agreement_json,
        load_agreement,
        read_agreement,
    )
    from pooledledger.io.csv_files import (
        ColumnMap,
        load_column_map,
        load_ledger_csv,
        read_ledger_csv,
    )
    from pooledledger.io.csv_out import write_csv_tables
    from pooledledger.io.excel_files import load_ledger_excel, read_ledger_excel
    from pooledledger.io.excel_out import write_year_end_workbook
    from pooledledger.io.ledger_files import dump_ledger_json
    from pooledledger.io.pipeline import (
        Inputs,
        read_inputs,
        write_balances,
        write_quarterly,
        write_year_end,
    )
    from pooledledger.io.sources import (
        count_rows,
        load_ledger,
        load_ledger_source,
        read_ledger,
        read_ledger_source,
    )
    from pooledledger.io.upload_files import (
        load_journal_mapping,
        load_upload_layout,
        read_journal_mapping,
        read_journal_upload,
        read_upload_layout,
        write_journal_uploads,
    )
    from pooledledger.io.what_if_out import write_what_if

#: Each public name and the module it lives in; imported on first use.
_EXPORTS: dict[str, str] = {
    "AgreementFormat": "pooledledger.io.agreement_files",
    "ColumnMap": "pooledledger.io.csv_files",
    "Inputs": "pooledledger.io.pipeline",
    "agreement_from_data": "pooledledger.io.agreement_files",
    "agreement_json_schema": "pooledledger.io.agreement_files",
    "count_rows": "pooledledger.io.sources",
    "dump_agreement_json": "pooledledger.io.agreement_files",
    "dump_ledger_json": "pooledledger.io.ledger_files",
    "load_agreement": "pooledledger.io.agreement_files",
    "load_column_map": "pooledledger.io.csv_files",
    "load_journal_mapping": "pooledledger.io.upload_files",
    "load_ledger": "pooledledger.io.sources",
    "load_ledger_csv": "pooledledger.io.csv_files",
    "load_ledger_excel": "pooledledger.io.excel_files",
    "load_ledger_source": "pooledledger.io.sources",
    "load_upload_layout": "pooledledger.io.upload_files",
    "read_agreement": "pooledledger.io.agreement_files",
    "read_inputs": "pooledledger.io.pipeline",
    "read_journal_mapping": "pooledledger.io.upload_files",
    "read_journal_upload": "pooledledger.io.upload_files",
    "read_ledger": "pooledledger.io.sources",
    "read_ledger_csv": "pooledledger.io.csv_files",
    "read_ledger_excel": "pooledledger.io.excel_files",
    "read_ledger_source": "pooledledger.io.sources",
    "read_upload_layout": "pooledledger.io.upload_files",
    "write_balances": "pooledledger.io.pipeline",
    "write_csv_tables": "pooledledger.io.csv_out",
    "write_journal_uploads": "pooledledger.io.upload_files",
    "write_quarterly": "pooledledger.io.pipeline",
    "write_what_if": "pooledledger.io.what_if_out",
    "write_year_end": "pooledledger.io.pipeline",
    "write_year_end_workbook": "pooledledger.io.excel_out",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "AgreementFormat",
    "ColumnMap",
    "Inputs",
    "agreement_from_data",
    "agreement_json_schema",
    "count_rows",
    "dump_agreement_json",
    "dump_ledger_json",
    "load_agreement",
    "load_column_map",
    "load_journal_mapping",
    "load_ledger",
    "load_ledger_csv",
    "load_ledger_excel",
    "load_ledger_source",
    "load_upload_layout",
    "read_agreement",
    "read_inputs",
    "read_journal_mapping",
    "read_journal_upload",
    "read_ledger",
    "read_ledger_csv",
    "read_ledger_excel",
    "read_ledger_source",
    "read_upload_layout",
    "write_balances",
    "write_csv_tables",
    "write_journal_uploads",
    "write_quarterly",
    "write_what_if",
    "write_year_end",
    "write_year_end_workbook",
]
