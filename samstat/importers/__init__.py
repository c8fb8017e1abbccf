"""Importers of other producers' publications: ``samstat import scb|kolada FILE``.

Each source table is mapped onto a samstat measure by a *declarative mapping*
(``mappings/<source>/<table>.json``, validated against ``mappings/mapping.schema.json``):
which variable is the area, which the period, how the source's codes become samstat's
(SCB's sex ``1``/``2`` -> ``M``/``K``, the nation ``00`` -> ``0000``), which variables are
summed away (SCB's single-year ages 20..64 into the group ``20-64``), which codes are kept
(``filter``: SCB's age group ``20-64`` of two). A variable whose codes are not documented is
matched by its labels instead (``"by": "label"``: the contents of SCB's HE0000T02N2, whose
Swedish labels are public). The observations are then
published as the source's agency (``scb``, ``kolada``) through the normal ingest path with the
code of ``samstat publish`` (:func:`samstat.publish.main`), so every check of ingest applies.

Libraries, and why:

* **pyjstat** reads JSON-stat 2.0, the format SCB's PxWeb API v2 answers with
  (``outputFormat=json-stat2``). It turns the dataset's dimension arrays into a long table with
  the *codes* (``naming="id"``), which is what a mapping needs, and the labels
  (``naming="label"``) beside them; hand-walking the strides of a
  JSON-stat cube is exactly the kind of code that should not be written again.
* **pyaxis** reads PX files (SCB's download format, also what PxWeb saves), including the
  ``CODES(...)`` and ``VARIABLE-CODE(...)`` keywords that give labels their codes.
* **httpx** (already a dependency of ``samstat publish``) fetches a table live: PxWeb API v2 is
  one GET with ``valueCodes[...]`` parameters, and pyjstat parses the answer. pxwebpy would
  add a dependency (and its own DataFrame conversion) for that single call, so it is not used.
"""
