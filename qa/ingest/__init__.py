"""Reading the article folder: files to documents, cleaned of page junk, split into sentences."""
