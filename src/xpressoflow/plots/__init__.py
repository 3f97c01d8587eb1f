"""Figure panels: one function per panel, saved as PDF and PNG."""
