"""ebookgen: a folder of chapters in, a clean, valid, reproducible EPUB 3 out."""

__version__ = "0.1.0"
