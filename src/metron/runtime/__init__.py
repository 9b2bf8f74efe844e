"""The platform runtime: sources, stages and the embedded pipeline."""
