"""The indicators read model: indicator values kept with their history (``models``,
``service``, ``vintages``), served as JSON (``router``, ``schemas``) and as exports (CSV,
SDMX, JSON-stat, XLSX). The pages on it live in ``web/``."""
