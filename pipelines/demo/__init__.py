"""The one-command demo and `serve`: the emulator, the listener and Dagster wired together.

Unlike `pipelines/doctor`, this package may orchestrate Dagster (it runs it, it is not imported
by the libraries).
"""
