"""What kb makes of the store: themes and tags, ranks, search and filters, trails from the
seeds, and everything about one paper."""
