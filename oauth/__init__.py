"""Connections to Webex: OAuth2 authorization-code flow, encrypted tokens, refresh, sign-in."""
