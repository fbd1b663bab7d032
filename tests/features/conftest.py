"""The golden cases hold generated services' files, tests among them: their harness reads them."""

collect_ignore = ["cases"]
