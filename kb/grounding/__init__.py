"""From a document to seeds: the works it names (``mentions``, ``aliases``), resolved to papers
with the sentence that named each (``seeds``), and BibTeX files as another way in
(``bibtex_import``)."""
