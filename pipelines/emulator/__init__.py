"""The local DingTalk: organisation model, HTTP API, control endpoints, server (issue 3).

Test and demo infrastructure that ships with the product; production code never imports it.
"""
