"""The supervisor workspace: live agent and queue tables, the queue drill-down and interval
charts for signed-in members of an org. Figures come from the shared `CenterSnapshot` and the
metrics engine (one implementation of each formula); rows are template partials rendered by
the same code for the page, htmx requests and the websocket push (`push.py`).
"""
