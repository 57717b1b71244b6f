"""The one assembly point: builds the app, wires slices to their dependencies, runs the CLI."""
