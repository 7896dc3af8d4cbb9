"""One module per `mirrorgen` command: configure(parser) and run(args) -> exit code."""
