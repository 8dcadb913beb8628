"""What kb hands back to the reader: exports in every format (``export``, ``entries``,
``formats/``), graphs and the HTML graph view, reading lists, and the atomic file writes all of
them go through."""
