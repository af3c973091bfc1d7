"""The engine: pure Polars over whole tables, no Django. Functions take frames and return frames."""
