"""xpressoflow: the library behind the Xpresso Snakemake pipeline.

Predicting steady-state mRNA levels from promoter sequence and mRNA half-life features
(Agarwal & Shendure, Cell Reports 2020).
"""

__version__ = "0.1.0"
