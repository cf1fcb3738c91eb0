"""Cleaning: boilerplate, repeated paragraphs, cut-off endings, template blanks — every removal an edit."""
