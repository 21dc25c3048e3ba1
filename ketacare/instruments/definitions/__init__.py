"""One module per instrument: items, scoring, bands, flags and citations side by side."""
