"""The indicators stream processor (``samstat worker``): the faust app (``app``), its thin
agents (``agents``) around the faust-free :class:`services.indicators.pipeline.Pipeline`, and
every workaround for faust's internals in one place (``faust_compat``)."""
