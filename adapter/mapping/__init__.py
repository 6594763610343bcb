"""Declarative mappings: CSV exports -> resident summaries -> red bags, streaming, with row-level errors.

>>> result = convert_export(ConvertRequest("care-home-csv", Path("export/"), Path("out/")))
>>> result.converted, result.held_back

A layout is a mapping file (``mappings/*.yaml``), never Python; see :mod:`adapter.mapping.spec`.
"""

from adapter.mapping.batch import BatchResult, ConvertRequest, convert_export
from adapter.mapping.spec import MappingSpec, builtin_names, load

__all__ = ["BatchResult", "ConvertRequest", "MappingSpec", "builtin_names", "convert_export", "load"]
