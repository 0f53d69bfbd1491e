"""reviewkit: a Jupyter workbook for reproducible systematic reviews."""
