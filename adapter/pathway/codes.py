"""The UK Core codes a journey carries: source of admission and discharge destination (England).

Both code systems are copies of the NHS Data Dictionary's lists, which is what trusts' patient
administration systems send in HL7 v2 (PV1-14 and the discharge destination field). Verified against
UK Core R4 (``CodeSystem-UKCore-SourceOfAdmissionEngland.xml`` and
``CodeSystem-UKCore-DischargeDestinationEngland.xml``, version 1.0.1; a test compares them when the UK
Core corpus is present). Displays are shortened where UK Core's run to a paragraph.
"""

from __future__ import annotations

from typing import Final

ADMIT_SOURCE_SYSTEM: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland"
DISCHARGE_DESTINATION_SYSTEM: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland"

#: code -> display (the start of UK Core's display, up to its first full stop or comma list)
ADMIT_SOURCES: Final = {
    "19": "Usual place of residence unless listed below",
    "29": "Temporary place of residence when usually resident elsewhere",
    "39": "Penal establishment, Court, or Police Station / Police Custody Suite",
    "49": "NHS other Hospital Provider - high security psychiatric accommodation in an NHS Hospital Provider",
    "51": "NHS other Hospital Provider - Ward for general Patients or the younger physically disabled or "
    "Emergency Care Department",
    "52": "NHS other Hospital Provider - Ward for maternity Patients or Neonates",
    "53": "NHS other Hospital Provider - Ward for Patients who are mentally ill or have "
    "Learning Disabilities",
    "54": "NHS run Care Home",
    "65": "Local Authority residential accommodation i.e. where care is provided",
    "66": "Local Authority foster care",
    "79": "Babies born in or on the way to hospital",
    "85": "Non-NHS (other than Local Authority) run Care Home",
    "87": "Non NHS run hospital",
    "88": "Non-NHS (other than Local Authority) run Hospice",
    "98": "Not applicable",
    "99": "Source of admission not known",
}
DISCHARGE_DESTINATIONS: Final = {
    "19": "Usual place of residence unless listed below",
    "29": "Temporary place of residence when usually resident elsewhere",
    "30": "Repatriation from high security psychiatric accommodation in an NHS Hospital Provider",
    "37": "Court",
    "38": "Penal establishment or police station",
    "48": "High Security Psychiatric Hospital, Scotland",
    "49": "NHS other Hospital Provider - high security psychiatric accommodation",
    "50": "NHS other Hospital Provider - medium secure unit",
    "51": "NHS other Hospital Provider - Ward for general patients or the younger physically disabled",
    "52": "NHS other Hospital Provider - Ward for maternity patients or Neonates",
    "53": "NHS other Hospital Provider - Ward for patients who are mentally ill or have "
    "Learning Disabilities",
    "54": "NHS run Care Home",
    "65": "Local Authority residential accommodation i.e. where care is provided",
    "66": "Local Authority foster care",
    "79": "Not applicable - Patient died or stillbirth",
    "84": "Non-NHS run hospital - medium secure unit",
    "85": "Non-NHS (other than Local Authority) run Care Home",
    "87": "Non-NHS run hospital",
    "88": "Non-NHS (other than Local Authority) run Hospice",
    "98": "Not applicable - Hospital Provider Spell not finished at episode end",
    "99": "Not known",
}
#: Care homes among them (the same codes in both lists): a resident admitted from, or discharged to, one.
CARE_HOME_CODES: Final = frozenset({"54", "65", "85"})

#: The notification's event code and the 48-hour visit's business status (local: UK Core has neither).
PATHWAY_EVENT_SYSTEM: Final = "https://redbag.dev/fhir/CodeSystem/pathway-event"
VISIT_STATUS_SYSTEM: Final = "https://redbag.dev/fhir/CodeSystem/visit-status"
