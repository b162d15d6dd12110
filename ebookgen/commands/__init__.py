"""One module per CLI verb (the Standard Ebooks `se` shape): add_parser() and run()."""
