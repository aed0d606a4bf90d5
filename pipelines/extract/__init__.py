"""Extraction: DingTalk answers to warehouse rows (`rows`) and the range pulls that write them
(`loaders`).

This is the only package that joins the client (`pipelines.dingtalk`) to the store
(`pipelines.warehouse`): the warehouse knows rows, not the client. Nothing here imports dagster.
"""
