"""Exports (导出): case lists and figure tables as CSV or XLSX, streamed or as background jobs."""
