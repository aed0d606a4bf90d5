"""Monthly reports from the warehouse: an offline HTML page, the console's Excel and CSV.

No dagster here: the CLI, the demo and the Dagster asset all call these functions.
"""
