"""Code tables shipped with icore: CSV files read by services.uim.codes."""
