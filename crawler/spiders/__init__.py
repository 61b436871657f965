"""Generic spiders named after the source type: feed, sitemap, listing (see base.py)."""
