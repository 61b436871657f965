"""Publishing the observatory database with Datasette: building and serving the instance, and
the content of the observatory's own pages."""
