"""Registers kept in an authority's spreadsheet template, read into the register file format.

``read_template`` recognises the template (``detect``), reads its cells within bounds
(``workbook``), maps each heading as the authority published it to a register field (the column
maps are data, one module per authority) and reports every cell it could not map (``report``).
"""

from ropa.porting.templates.parse import Parsed, read_template

__all__ = ["Parsed", "read_template"]
