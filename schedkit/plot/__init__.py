"""Gantt charts of schedules (plotly HTML, matplotlib PNG)."""

from schedkit.plot.gantt import write_gantt

__all__ = ["write_gantt"]
