"""kb: a literature-grounded knowledge base and citation crawler for AI-alignment research.

The package is a library: every capability is a function or small class that takes data and
returns data. Printing, argument parsing and exit codes live in ``cli.py``.
"""

__version__ = "0.1.0"
