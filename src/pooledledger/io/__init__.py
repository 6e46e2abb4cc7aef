"""Files in and out (layer L5): agreements, ledgers (TOML, JSON, CSV, Excel), outputs.

Domain modules never do I/O; everything that reads or writes a file lives here.
"""

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
