"""Reports: run folders, tables, plots, paper comparisons. Reads sim results/files only."""
