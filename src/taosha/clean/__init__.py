"""Cleaning: site boilerplate, lines frequent across a site, compilation pages split into their parts, repeated
paragraphs, cut-off endings, template blanks. Every removal is an edit; what is only suspected is a signal."""
