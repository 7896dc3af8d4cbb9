"""mirrorgen: one YAML spec for a mirrored C struct and every place that must agree with it."""

__version__ = "0.1.0"
