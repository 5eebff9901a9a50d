"""Dashboard panels: views fed through reactive attributes, with no I/O."""
