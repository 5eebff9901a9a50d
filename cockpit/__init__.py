"""cockpit: a terminal cockpit for leads of remote ML teams."""
