"""What people call the catalogue's codes: a dimension code's words (``codelists/codes.json``)
and the code a person wrote by its name, title or words, in Swedish or English. Staff write
what they read in the upload template's lists, not the codes themselves.

:class:`CatalogueNames` is a part of :class:`samstat_kit.contracts.Catalogue` (which it is
mixed into), kept apart because it is the one part about words rather than rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from samstat_kit.catalogue_entries import Area, Measure
from samstat_kit.headers import key


class CatalogueNames:
    """The name methods of the catalogue; the dataclass that mixes it in holds the fields."""

    measures: Mapping[str, Measure]
    areas: Mapping[str, Area]
    # code -> (Swedish, English): what people call a dimension code (codelists/codes.json)
    code_names: Mapping[str, tuple[str, str]]
    # code_named's index per (dimension, measure): a name's key -> its code
    _named: dict[tuple[str, str | None], dict[str, str]]

    def code_name(self, code: str, lang: str = "sv") -> str:
        """A dimension code in words ("ill_health" -> "ohälsa"); one without a name in the
        code list as words too ("work_rehabilitation" -> "work rehabilitation")."""
        names = self.code_names.get(code)
        if names is None:
            return code.replace("_", " ").strip() or code
        return names[1] if lang == "en" else names[0]

    def codes_of(self, dim: str, measure: str | None = None) -> frozenset[str]:
        """The codes of ``dim``: the measure's, or every measure's if it has none of it."""
        spec = self.measures.get(measure or "")
        if spec is not None and dim in spec.dimensions:
            return spec.dimensions[dim]
        return frozenset(c for m in self.measures.values() for c in m.dimensions.get(dim, ()))

    def code_named(self, dim: str, text: str, measure: str | None = None) -> str | None:
        """The code a person wrote by its name, in Swedish or English, whatever its case or
        accents ("Kvinnor" in a sex column is K, "ohälsa" is ill_health, "Totalt" is _T);
        None if no code of the dimension (the measure's, when known) is called that. Staff
        write what they read in the template's list of codes, not the codes themselves."""
        return self._by_name((dim, measure), text, (
            (name, code) for code in self.codes_of(dim, measure)
            for name in self.code_names.get(code, ())))

    def measure_named(self, text: str) -> str | None:
        """The measure a person wrote by its title (Swedish or English, any case or accents,
        as the template's list gives it), else None."""
        return self._by_name(("#measure", None), text, (
            (t, m.code) for m in self.measures.values() for t in (m.title_sv, m.title_en)))

    def area_named(self, text: str) -> str | None:
        """The area a person wrote by its name ("Vännäs", "Vännäs kommun", "Riket"), else
        None."""
        return self._by_name(("#area", None), text, (
            (n, a.code) for a in self.areas.values()
            for n in (a.name, *((f"{a.name} kommun",) if a.level == "municipality" else ()))))

    def _by_name(self, index: tuple[str, str | None], text: str,
                 names: Iterable[tuple[str, str]]) -> str | None:
        """The code ``text`` names among ``names`` ((name, code) pairs), compared as
        :func:`~samstat_kit.headers.key` compares; the index is kept under ``index``. A name
        two codes share says neither (none does today; the lists may grow); a code whose
        Swedish and English names are one ("Ungdomstorget") is still named."""
        found = self._named.get(index)
        if found is None:
            codes: dict[str, set[str]] = {}
            for name, code in names:
                codes.setdefault(key(name), set()).add(code)
            found = self._named[index] = {
                k: next(iter(cs)) for k, cs in codes.items() if len(cs) == 1}
        return found.get(key(text))
