"""Destinations of the weekly status summary: Slack and Teams webhooks, a Confluence page, a
folder. `base.make_destination` builds one from its `[destinations.NAME]` settings; the outbox
(`cockpit/delivery.py`) calls `deliver` and `find_delivered`."""
