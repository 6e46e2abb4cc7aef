"""Files in and out (layer L5): agreement files and ledger files.

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
from pooledledger.io.ledger_files import dump_ledger_json, load_ledger, read_ledger

__all__ = [
    "AgreementFormat",
    "agreement_from_data",
    "agreement_json_schema",
    "dump_agreement_json",
    "dump_ledger_json",
    "load_agreement",
    "load_ledger",
    "read_agreement",
    "read_ledger",
]
