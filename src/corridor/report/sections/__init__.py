"""Report sections, one module each, in the order `report.builder.SECTIONS` lists them."""
