"""Integrations: one module per outside source, each returning typed records."""
