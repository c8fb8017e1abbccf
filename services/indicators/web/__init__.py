"""The indicator pages (``/indicators``, ``/indicators/{id}``, ``/fye/{area}``): Swedish
first with an English switch, on the read model's service (``api/``) and the presentation
kit. Templates and the stylesheet live beside them."""
