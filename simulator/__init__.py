"""A faithful stand-in for Webex Contact Center: OAuth, GraphQL /search, statistics,
subscriptions and signed webhooks, drawn from one deterministic traffic model.

It imports nothing from the product's other apps and does not use Django.
"""
