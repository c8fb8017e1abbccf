"""The indicators' pure computation: full-year equivalents (``fye``), registry formulas
(``formulas``), the total-versus-parts rule (``quality``) and what is news to say
(``values``). State comes in as mappings and events go out as dicts: nothing here imports
faust, FastAPI or SQLAlchemy, so the worker, the read model and the tests share it."""
