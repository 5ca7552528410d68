"""Pages, one module per page type; each module has a `router`."""
