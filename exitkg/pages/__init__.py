"""HTML and pictures: templates, the stylesheet, the evidence map, the ontology page, the figure."""
