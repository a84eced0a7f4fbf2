"""The FJSP benchmark sets the FJSP scripts run on (no schedkit import: the PyJobShop script
uses it from its own environment)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "instances" / "fjsp"
SETS = {
    "mk": [ROOT / "Brandimarte1993" / f"mk{i:02d}.txt" for i in range(1, 11)],
    "edata": [ROOT / "HurinkJurischThole1994" / "edata" / f"la{i:02d}.txt" for i in range(1, 41)],
    "rdata": [ROOT / "HurinkJurischThole1994" / "rdata" / f"la{i:02d}.txt" for i in range(1, 41)],
}
