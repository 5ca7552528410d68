"""Analyses built on the query layer: one method family a module (forecast, ...)."""
