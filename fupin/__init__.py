"""fupin — targeted poverty alleviation (精准扶贫) and return-to-poverty monitoring (防返贫监测)."""

__version__ = "0.1.0"
