"""The only code that opens the warehouse (one DuckDB file).

Readers open it read-only. A sync never writes the live file in place: it writes a copy and
renames it over the original, so a failed or killed sync leaves the previous warehouse intact
and readers always see one whole state. One sync at a time holds the writer lock (an OS lock on
`<warehouse>.lock`); readers never take it.
"""

from corridor.store.warehouse import SCHEMA_VERSION, Warehouse, WarehouseBusy, assumed_mappings, open_read

__all__ = ["SCHEMA_VERSION", "Warehouse", "WarehouseBusy", "assumed_mappings", "open_read"]
