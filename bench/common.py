"""What the figures share: the collection's client, the simulator's users, a figure's printed table."""

from __future__ import annotations

import math

# bench/run puts the collections folder on PYTHONPATH.
from ansible_collections.puddle.cloud.plugins.module_utils.puddle_client import PuddleClient  # noqa: F401  pylint: disable=unused-import

API_KEY_ID = "demo-key-id"
API_SECRET_KEY = "demo-secret-key"


class Context:
    """Where the figures run: the checkout, a scratch folder, and the options of bench/run."""

    def __init__(self, root, workdir, options):
        self.root = root
        self.workdir = workdir
        self.options = options


class Figure:
    """A figure: rows of measured values, each with its target and whether it is met."""

    def __init__(self, number, title, columns):
        self.number = number
        self.title = title
        self.columns = columns
        self.rows = []
        self.notes = []
        self.checks = []  # (label, met)

    def add(self, *values, check=None):
        self.rows.append([format_value(value) for value in values])
        if check is not None:
            self.checks.append((" ".join(str(value) for value in values[:2]), bool(check)))

    def note(self, text):
        self.notes.append(text)

    def render(self):
        widths = [max(len(str(row[index])) for row in [self.columns] + self.rows) for index in range(len(self.columns))]
        lines = ["", "== %d. %s" % (self.number, self.title)]
        for row in [self.columns] + self.rows:
            lines.append("  " + "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
        lines.extend("  " + note for note in self.notes)
        return "\n".join(lines)

    @property
    def met(self):
        return all(met for _label, met in self.checks)


def format_value(value):
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return "%.2f" % value
    return str(value)


def percentile(values, fraction):
    """The nearest-rank percentile of values (fraction 0.5 = median)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, int(math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
