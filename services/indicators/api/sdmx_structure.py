"""The SDMX-ML 2.1 structure message (``GET /v1/sdmx/structure``), generated from the measure
catalogue and ``schemas/sdmx/codemap.json``; pysdmx writes the XML.

It holds the codelists (areas, sex, benefit, ... in SDMX codes), the concepts, one data
structure definition and dataflow per catalogue measure (what agencies send), the FYE dataflow
(what ``/v1/fye/export`` writes) and the indicator dataflow (``/v1/indicators/{id}/export``).
With it, any SDMX client (sdmx1, pysdmx, .Stat) can read samstat's SDMX-CSV exports.
"""

from __future__ import annotations

from collections.abc import Iterable

from pysdmx.io import write_sdmx
from pysdmx.io.format import Format
from pysdmx.model import (
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    Role,
)

from samstat_kit.contracts import Catalogue
from samstat_kit.sdmx import CodeMap, load_codemap

VERSION = "1.0"
FREQ = {"A": "Annual", "S": "Half-yearly", "Q": "Quarterly", "M": "Monthly"}
# A and P as samstat's exports write them, M for a value they cannot give (inputs held back
# or not in), E and B as agencies may send them (schemas/observation.v1).
OBS_STATUS = {"A": "Normal value", "P": "Provisional value (a partial period, a sum over "
                                         "some of the area's municipalities, or missing "
                                         "inputs)",
              "E": "Estimated value", "B": "Break in series",
              "M": "Missing value (its inputs are held back or not in)"}
CONF_STATUS = {"F": "Free", "C": "Confidential (suppressed)", "N": "Not for publication"}
FYE_MEASURES = {"FYE": "Full-year equivalents (helårsekvivalenter)",
                "POP_20_64": "Population aged 20-64",
                "FYE_SHARE": "Full-year equivalents as a share of the population 20-64"}
SOURCE = {"computed": "Computed by samstat from the agencies' net benefit days",
          "scb-official": "SCB's official figure"}
TOTAL = "_T"
SCHEME = "CS_SAMSTAT"


def _codelist(agency: str, cid: str, name: str, codes: dict[str, str]) -> Codelist:
    return Codelist(id=cid, name=name, agency=agency, version=VERSION,
                    urn=f"urn:sdmx:org.sdmx.infomodel.codelist.Codelist={agency}:{cid}({VERSION})",
                    items=[Code(id=c, name=n) for c, n in codes.items()])


def _dim(cid: str, concept: Concept, required: bool = True) -> Component:
    return Component(id=cid, required=required, role=Role.DIMENSION, concept=concept,
                     local_codes=concept.codes)


def _attr(cid: str, concept: Concept, required: bool = False) -> Component:
    return Component(id=cid, required=required, role=Role.ATTRIBUTE, concept=concept,
                     local_codes=concept.codes, attachment_level="O")


class _Builder:
    def __init__(self, catalogue: Catalogue, codemap: CodeMap) -> None:
        self.agency = codemap.agency_id
        self.codemap = codemap
        self.catalogue = catalogue
        self.codelists: dict[str, Codelist] = {}
        self.concepts: dict[str, Concept] = {}

    def concept(self, cid: str, name: str, codes: dict[str, str] | None = None,
                dtype: DataType = DataType.STRING) -> Concept:
        if cid not in self.concepts:
            cl = None
            if codes is not None:
                cl = self.codelists.setdefault(
                    f"CL_{cid}", _codelist(self.agency, f"CL_{cid}", name, codes))
            urn = ("urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept="
                   f"{self.agency}:{SCHEME}({VERSION}).{cid}")
            self.concepts[cid] = Concept(id=cid, name=name, codes=cl, dtype=dtype, urn=urn)
        return self.concepts[cid]

    def common(self) -> None:
        self.concept("FREQ", "Frequency", FREQ)
        self.concept("REF_AREA", "Reference area",
                     {a.code: a.name for a in self.catalogue.areas.values()})
        self.concept("TIME_PERIOD", "Time period", dtype=DataType.REP_TIME_PERIOD)
        self.concept("OBS_VALUE", "Observation value", dtype=DataType.DOUBLE)
        self.concept("UNIT_MEASURE", "Unit of measure")
        self.concept("OBS_STATUS", "Observation status", OBS_STATUS)
        self.concept("CONF_STATUS", "Confidentiality status", CONF_STATUS)
        self.concept("SOURCE", "Source of the figure", SOURCE)
        self.concept("MONTHS_REPORTED", "Months of the period with figures (a partial period "
                     "has fewer than the period's months)", dtype=DataType.INTEGER)
        self.concept("MONTHS", "Months in the period", dtype=DataType.INTEGER)
        self.concept("MUNICIPALITIES_REPORTED", "Municipalities in the sum (a partial area has "
                     "fewer than the area's municipalities)", dtype=DataType.INTEGER)
        self.concept("MUNICIPALITIES", "Municipalities in the area", dtype=DataType.INTEGER)
        for dimension in sorted({d for m in self.catalogue.measures.values()
                                 for d in m.dimensions}):
            codes = sorted({c for m in self.catalogue.measures.values()
                            for c in m.dimensions.get(dimension, ())} | {TOTAL})
            sdmx = {self.codemap.code_to_sdmx(dimension, c): c for c in codes}
            self.concept(self.codemap.concept(dimension), dimension, sdmx)

    def dsd(self, did: str, name: str, dims: Iterable[str], attrs: Iterable[str]
            ) -> DataStructureDefinition:
        c = self.concepts
        components = [_dim("FREQ", c["FREQ"]), _dim("REF_AREA", c["REF_AREA"])]
        components += [_dim(d, c[d]) for d in dims]
        components.append(Component(id="TIME_PERIOD", required=True, role=Role.DIMENSION,
                                    concept=c["TIME_PERIOD"]))
        components.append(Component(id="OBS_VALUE", required=False, role=Role.MEASURE,
                                    concept=c["OBS_VALUE"]))
        components += [_attr(a, c[a]) for a in attrs]
        return DataStructureDefinition(id=did, name=name, agency=self.agency, version=VERSION,
                                       components=Components(components))

    def flow(self, fid: str, name: str, dsd: DataStructureDefinition) -> Dataflow:
        return Dataflow(id=fid, name=name, agency=self.agency, version=VERSION, structure=dsd)


def structures(catalogue: Catalogue, codemap: CodeMap | None = None) -> list[object]:
    """Codelists, concepts, DSDs and dataflows, as pysdmx objects."""
    b = _Builder(catalogue, codemap or load_codemap())
    b.common()
    b.concept("MEASURE", "FYE measure", FYE_MEASURES)
    attrs = ("UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS", "SOURCE", "MONTHS_REPORTED",
             "MONTHS", "MUNICIPALITIES_REPORTED", "MUNICIPALITIES")
    flows = []
    fye = b.dsd("DSD_FYE", "Full-year equivalents by area, benefit and sex",
                ["MEASURE", b.codemap.concept("benefit"), b.codemap.concept("sex")], attrs)
    flows.append(b.flow("FYE", "Full-year equivalents (helårsekvivalenter)", fye))
    # The indicator is a dimension (its id in the registry, free text: indicators come and
    # go with initiatives): without it, two indicators' values in one file had the same key,
    # and readers dropped the column that told them apart (a review).
    b.concept("INDICATOR", "Indicator (its id in samstat's registry)")
    indicator = b.dsd("DSD_INDICATOR", "An indicator's values by indicator, area and period",
                      ["INDICATOR"], ("UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"))
    flows.append(b.flow("INDICATOR", "Indicator values (any indicator; the dataflow of "
                                     "/v1/indicators/{id}/export)", indicator))
    for m in sorted(catalogue.measures.values(), key=lambda m: m.code):
        dsd = b.dsd(f"DSD_{m.code.upper()}", m.title_en,
                    [b.codemap.concept(d) for d in sorted(m.dimensions)],
                    ("UNIT_MEASURE", "OBS_STATUS", "CONF_STATUS"))
        flows.append(b.flow(m.code.upper(), m.title_en, dsd))
    scheme = ConceptScheme(id=SCHEME, name="samstat concepts", agency=b.agency,
                           version=VERSION, items=list(b.concepts.values()))
    dsds = [f.structure for f in flows]  # written beside the flows, which only refer to them
    return [*b.codelists.values(), scheme, *dsds, *flows]


_MESSAGES: dict[int, tuple[Catalogue, str]] = {}


def structure_message(catalogue: Catalogue) -> str:
    """The SDMX-ML 2.1 structure message (one per loaded catalogue: it changes only with it)."""
    known = _MESSAGES.get(id(catalogue))
    if known is None or known[0] is not catalogue:
        text = str(write_sdmx(structures(catalogue), Format.STRUCTURE_SDMX_ML_2_1,
                              prettyprint=True))
        known = _MESSAGES[id(catalogue)] = (catalogue, text)
    return known[1]
