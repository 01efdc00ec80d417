"""Talking to WxCC: API client, poller, webhook ingestion, and the stored tasks and sessions."""
