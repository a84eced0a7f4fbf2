"""Gantt charts of schedules (plotly HTML, matplotlib PNG)."""

from schedkit.plot.gantt import gantt_figure, write_gantt

__all__ = ["gantt_figure", "write_gantt"]
