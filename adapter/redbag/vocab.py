"""Every system, code and extension URL the red bag uses, in one place.

National systems come from NHS England / UK Core; what UK Core lacks lives under the project's canonical
base (``https://redbag.dev/fhir``), published as CodeSystems in ``profiles/``.
"""

from __future__ import annotations

from typing import Final

BASE: Final = "https://redbag.dev/fhir"

# --- code systems -----------------------------------------------------------------------------------
SNOMED: Final = "http://snomed.info/sct"
DMD: Final = "https://dmd.nhs.uk"
BCP47: Final = "urn:ietf:bcp:47"
UKCORE_HEADINGS: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings"
UKCORE_ADMIT_SOURCE: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-SourceOfAdmissionEngland"
UKCORE_DISCHARGE_DEST: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeDestinationEngland"
UKCORE_LOCATION_TYPE: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EncounterLocationTypeEngland"
UKCORE_NHS_VERIFICATION: Final = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
UKCORE_NHS_UNAVAILABLE: Final = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberUnavailableReason"
V3_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ROLE_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
V2_RELATIONSHIP: Final = "http://terminology.hl7.org/CodeSystem/v2-0131"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
LIST_EMPTY_REASON: Final = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONSENT_SCOPE: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_CATEGORY_LOINC: Final = "http://loinc.org"
PROVENANCE_PARTICIPANT: Final = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
UCUM: Final = "http://unitsofmeasure.org"
NRL_FORMAT: Final = "https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode"

RB_SECTION: Final = f"{BASE}/CodeSystem/redbag-section"
RB_NOTE: Final = f"{BASE}/CodeSystem/redbag-note"
RB_BELONGING_KIND: Final = f"{BASE}/CodeSystem/redbag-belonging-kind"
RB_BELONGING_STATUS: Final = f"{BASE}/CodeSystem/redbag-belonging-status"
RB_TASK_STATUS: Final = f"{BASE}/CodeSystem/redbag-task-status"
RB_MEDICATION_CHANGE: Final = f"{BASE}/CodeSystem/redbag-medication-change"
RB_RESUSCITATION: Final = f"{BASE}/CodeSystem/redbag-resuscitation"

# --- identifier systems -----------------------------------------------------------------------------
NHS_NUMBER: Final = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANIZATION: Final = "https://fhir.nhs.uk/Id/ods-organization-code"
ID_BAG_NUMBER: Final = f"{BASE}/Id/bag-number"
ID_RESOURCE: Final = f"{BASE}/Id/resource"
ID_DOCUMENT: Final = f"{BASE}/Id/document"
ID_CARE_HOME_LOCATION: Final = f"{BASE}/Id/care-home-location"
ID_CARE_HOME_CAPABILITIES: Final = f"{BASE}/Id/care-home-capabilities"


def local_resident_id_system(care_home_ods: str) -> str:
    """Identifier system of a care home's own resident ids: scoped to that care home (hazard H3)."""
    return f"{BASE}/Id/local-resident-id/{care_home_ods}"


LOCAL_RESIDENT_ID_PREFIX: Final = f"{BASE}/Id/local-resident-id/"

# --- extensions -------------------------------------------------------------------------------------
EXT_NHS_VERIFICATION: Final = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
EXT_NHS_UNAVAILABLE: Final = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberUnavailableReason"
)
EXT_INTERPRETER: Final = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
EXT_DATA_ABSENT: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
EXT_TIME_CRITICAL: Final = f"{BASE}/StructureDefinition/time-critical-medicine"
EXT_SENT_IN_BAG: Final = f"{BASE}/StructureDefinition/medicine-sent-in-bag"
EXT_BELONGING: Final = f"{BASE}/StructureDefinition/belonging"
EXT_RESUS_DOCUMENT: Final = f"{BASE}/StructureDefinition/resuscitation-document-location"
EXT_CARE_HOME_OPERATOR: Final = f"{BASE}/StructureDefinition/care-home-operator"
EXT_MEDICATION_CHANGE: Final = f"{BASE}/StructureDefinition/medication-change"
EXT_VALUE_UNIT: Final = f"{BASE}/StructureDefinition/value-unit"
EXT_CARE_HOME_CAPABILITIES: Final = f"{BASE}/StructureDefinition/care-home-capabilities"
EXT_DISCHARGE_READINESS: Final = f"{BASE}/StructureDefinition/discharge-readiness"

# --- profiles ---------------------------------------------------------------------------------------
PROFILE: Final = f"{BASE}/StructureDefinition"
UKCORE_PROFILE: Final = "https://fhir.hl7.org.uk/StructureDefinition"
#: The UK Core (STU2) profile each red-bag profile's instances also claim (``meta.profile``); an
#: observation that fits one of UK Core's observation profiles claims that one instead of UKCore-Observation
#: (adapter/redbag/ukcore_observations.py).
UKCORE_PROFILES: dict[str, str] = {
    "RedBagDocument": "UKCore-Bundle",
    "RedBagComposition": "UKCore-Composition",
    "RedBagDischargeComposition": "UKCore-Composition",
    "RedBagPatient": "UKCore-Patient",
    "RedBagOrganization": "UKCore-Organization",
    "RedBagCareHomeLocation": "UKCore-Location",
    "RedBagContact": "UKCore-RelatedPerson",
    "RedBagTransferEncounter": "UKCore-Encounter",
    "RedBagCondition": "UKCore-Condition",
    "RedBagMedicationStatement": "UKCore-MedicationStatement",
    "RedBagLastDose": "UKCore-MedicationAdministration",
    "RedBagAllergyIntolerance": "UKCore-AllergyIntolerance",
    "RedBagObservation": "UKCore-Observation",
    "RedBagNote": "UKCore-Observation",
    "RedBagMedicationList": "UKCore-List",
    "RedBagAllergyList": "UKCore-List",
    "RedBagProblemList": "UKCore-List",
    "RedBagBelongingsList": "UKCore-List",
    "RedBagDevice": "UKCore-Device",
    "RedBagResuscitationDecision": "UKCore-Flag",
    "RedBagConsent": "UKCore-Consent",
    "RedBagTransferTask": "UKCore-Task",
    "RedBagFollowUpTask": "UKCore-Task",
    "RedBagProvenance": "UKCore-Provenance",
    "RedBagCareHomeCapabilities": "UKCore-HealthcareService",
    "RedBagReadinessTask": "UKCore-Task",
}

# --- codes ------------------------------------------------------------------------------------------
TRANSFER_SUMMARY = (SNOMED, "371535009", "Transfer summary report")
DISCHARGE_SUMMARY = (SNOMED, "373942005", "Discharge summary")
NO_KNOWN_ALLERGY = (SNOMED, "716186003", "No known allergy")
LIST_MEDICATIONS = (SNOMED, "1102411000000102", "Active medications")
LIST_ALLERGIES = (SNOMED, "886921000000105", "Allergies and adverse reactions")
LIST_PROBLEMS = (SNOMED, "717711000000103", "Problems")
HEARING_AID = (SNOMED, "6012004", "Hearing aid")
GLASSES = (SNOMED, "50121007", "Glasses")
RESUSCITATION = {
    "dnacpr": (SNOMED, "450476008", "Not for attempted cardiopulmonary resuscitation"),
    "for-cpr": (SNOMED, "450475007", "For attempted cardiopulmonary resuscitation"),
    "not-recorded": (RB_RESUSCITATION, "not-recorded", "Resuscitation decision not recorded"),
}
LOINC: Final = "http://loinc.org"
#: Vital signs: FHIR R4 requires an observation coded as one (in LOINC, or in SNOMED CT as the HL7 validator
#: maps it) to conform to its vital signs profile, as UK Core's vital signs profiles also ask: category
#: vital-signs and the LOINC code below. (system, code) -> that LOINC code. Blood pressure is not here:
#: R4 wants systolic and diastolic as components of one panel, the summary has separate observations.
VITAL_SIGNS: dict[tuple[str, str], tuple[str, str, str]] = {
    **dict.fromkeys(
        [(SNOMED, "86290005"), (SNOMED, "271625008"), (LOINC, "9279-1")],
        (LOINC, "9279-1", "Respiratory rate"),
    ),
    **dict.fromkeys(
        [
            (SNOMED, "431314004"),
            (SNOMED, "442476006"),
            (SNOMED, "103228002"),
            (LOINC, "2708-6"),
            (LOINC, "59408-5"),
        ],
        (LOINC, "2708-6", "Oxygen saturation in Arterial blood"),
    ),
    **dict.fromkeys(
        [(SNOMED, "364075005"), (SNOMED, "78564009"), (LOINC, "8867-4")], (LOINC, "8867-4", "Heart rate")
    ),
    **dict.fromkeys(
        [(SNOMED, "386725007"), (SNOMED, "276885007"), (LOINC, "8310-5")],
        (LOINC, "8310-5", "Body temperature"),
    ),
}
VITAL_SIGNS_CATEGORY = (OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
ENCOUNTER_EMERGENCY = (V3_ACT_CODE, "EMER", "emergency")
LOCATION_TYPE = {
    "residential": (UKCORE_LOCATION_TYPE, "G01", "Care Home Without Nursing"),
    "nursing": (UKCORE_LOCATION_TYPE, "G02", "Care Home With Nursing"),
}
#: Who runs the care home -> UK Core source of admission (England); the same codes name the
#: discharge destination.
CARE_HOME_OPERATOR = {
    "independent": ("85", "Non-NHS (other than Local Authority) run Care Home"),
    "nhs": ("54", "NHS run Care Home"),
    "local-authority": ("65", "Local Authority residential accommodation i.e. where care is provided"),
}
NHS_VERIFIED = {
    True: (UKCORE_NHS_VERIFICATION, "01", "Number present and verified"),
    False: (UKCORE_NHS_VERIFICATION, "02", "Number present but not traced"),
}
NHS_UNAVAILABLE = {
    "nhs-number-not-known": "NHS number not known",
    "overseas-patient": "Overseas patient",
    "devolved-nation": "Devolved nation",
}
#: Next of kin: HL7 v2 table 0131 "N" (in UK Core PersonRelationshipType; v3 ``NOK``, which documents
#: written before issue 20 carry, is deprecated). The holder of a lasting power of attorney: v3 HPOWATT.
ROLE_NEXT_OF_KIN = (V2_RELATIONSHIP, "N", "Next-of-Kin")
ROLE_NEXT_OF_KIN_V3 = (V3_ROLE_CODE, "NOK", "next of kin")
ROLE_LPA = (V3_ROLE_CODE, "HPOWATT", "healthcare power of attorney")
#: The words care homes write for a contact's relationship (case and spacing ignored, anything in
#: brackets dropped) -> v3 RoleCode personal relationship (in UK Core PersonRelationshipType, displays as
#: in HL7 terminology 7.0.1). Words not here travel as text only.
RELATIONSHIPS: dict[str, tuple[str, str]] = {
    "wife": ("WIFE", "wife"),
    "husband": ("HUSB", "husband"),
    "spouse": ("SPS", "spouse"),
    "partner": ("DOMPART", "domestic partner"),
    "daughter": ("DAUC", "daughter"),
    "son": ("SONC", "son"),
    "child": ("CHILD", "child"),
    "stepdaughter": ("STPDAU", "stepdaughter"),
    "stepson": ("STPSON", "stepson"),
    "daughter-in-law": ("DAUINLAW", "daughter in-law"),
    "son-in-law": ("SONINLAW", "son in-law"),
    "granddaughter": ("GRNDDAU", "granddaughter"),
    "grandson": ("GRNDSON", "grandson"),
    "grandchild": ("GRNDCHILD", "grandchild"),
    "niece": ("NIECE", "niece"),
    "nephew": ("NEPHEW", "nephew"),
    "sister": ("SIS", "sister"),
    "brother": ("BRO", "brother"),
    "sibling": ("SIB", "sibling"),
    "sister-in-law": ("SISINLAW", "sister-in-law"),
    "brother-in-law": ("BROINLAW", "brother-in-law"),
    "mother": ("MTH", "mother"),
    "father": ("FTH", "father"),
    "parent": ("PRN", "parent"),
    "aunt": ("AUNT", "aunt"),
    "uncle": ("UNCLE", "uncle"),
    "cousin": ("COUSN", "cousin"),
    "friend": ("FRND", "unrelated friend"),
    "neighbour": ("NBOR", "neighbor"),
    "neighbor": ("NBOR", "neighbor"),
}

#: Composition sections, in document order: key -> (system, code, display, title).
SECTIONS: dict[str, tuple[str, str, str, str]] = {
    "transfer": (UKCORE_HEADINGS, "reason-for-admission", "Reason for admission", "Reason for transfer"),
    "resuscitation": (RB_SECTION, "resuscitation", "Resuscitation decision", "Resuscitation decision"),
    "allergies": (
        UKCORE_HEADINGS,
        "allergies-and-adverse-reaction",
        "Allergies and adverse reaction",
        "Allergies",
    ),
    "medications": (
        UKCORE_HEADINGS,
        "medications-and-medical-devices",
        "Medications and medical devices",
        "Medicines",
    ),
    "problems": (UKCORE_HEADINGS, "problems", "Problems", "Conditions"),
    "observations": (UKCORE_HEADINGS, "observations", "Observations", "Observations"),
    "baseline": (
        UKCORE_HEADINGS,
        "individual-requirements",
        "Individual requirements",
        "When I am well (baseline)",
    ),
    "about-me": (RB_SECTION, "about-me", "About me", "About me"),
    "contacts": (RB_SECTION, "contacts", "Contacts", "Contacts"),
    "consent": (
        UKCORE_HEADINGS,
        "consent-for-information-sharing",
        "Consent for information sharing",
        "Consent to share",
    ),
    "belongings": (RB_SECTION, "belongings", "Belongings", "Belongings"),
    "capabilities": (
        RB_SECTION,
        "care-home-capabilities",
        "What the care home can manage",
        "What we can manage",
    ),
    "discharge": (UKCORE_HEADINGS, "discharge-details", "Discharge details", "Discharge"),
    "medication-changes": (
        UKCORE_HEADINGS,
        "medications-and-medical-devices",
        "Medications and medical devices",
        "Medication changes",
    ),
    "diagnoses": (UKCORE_HEADINGS, "diagnoses", "Diagnoses", "Diagnoses"),
    "follow-up": (UKCORE_HEADINGS, "plan-and-requested-actions", "Plan and requested actions", "Follow-up"),
    "belongings-returned": (RB_SECTION, "belongings-returned", "Belongings returned", "Belongings returned"),
}

#: Free-text notes carried as Observations: contract field -> (code, display).
BASELINE_NOTES: dict[str, tuple[str, str]] = {
    "mobility": ("baseline-mobility", "Mobility when well"),
    "cognition": ("baseline-cognition", "Cognition when well"),
    "communication": ("baseline-communication", "Communication when well"),
    "hearing": ("baseline-hearing", "Hearing when well"),
    "sight": ("baseline-sight", "Sight when well"),
    "continence": ("baseline-continence", "Continence when well"),
    "eatingAndDrinking": ("baseline-eating-drinking", "Eating and drinking when well"),
    "skin": ("baseline-skin", "Skin when well"),
    "normalForMe": ("normal-for-me", "Normal for me"),
}
ABOUT_ME_NOTES: dict[str, tuple[str, str]] = {
    "importantToMe": ("important-to-me", "What is important to me"),
    "communicateWithMe": ("communicate-with-me", "How to communicate with me"),
    "pleaseDo": ("please-do", "Please do"),
    "pleaseDoNot": ("please-do-not", "Please do not"),
    "supportWith": ("support-with", "I need support with"),
}
TRANSFER_NOTES: dict[str, tuple[str, str]] = {
    "symptoms": ("transfer-symptoms", "Symptoms at transfer"),
    "actionsTaken": ("transfer-actions-taken", "Actions taken before transfer"),
}

BELONGING_KINDS: dict[str, str] = {
    "hearing-aid": "Hearing aid",
    "glasses": "Glasses",
    "dentures": "Dentures",
    "walking-aid": "Walking aid",
    "clothing": "Clothing",
    "footwear": "Footwear",
    "toiletries": "Toiletries",
    "phone": "Phone",
    "valuables": "Valuables",
    "medication": "Medication",
    "document": "Document",
    "other": "Other",
}
#: Belonging kinds recorded as Device resources (aids the resident needs), with a SNOMED type when known.
DEVICE_KINDS: dict[str, tuple[str, str, str] | None] = {
    "hearing-aid": HEARING_AID,
    "glasses": GLASSES,
    "dentures": None,
    "walking-aid": None,
}
BELONGING_STATUS: dict[str, str] = {
    "sent": "Sent with resident",
    "returned": "Returned",
    "missing": "Missing",
    "retained": "Retained by hospital",
}
TASK_STATUS: dict[str, str] = {
    "packed": "Red bag packed",
    "handed-to-crew": "Handed to ambulance crew",
    "received": "Received by hospital",
    "returned": "Returned to care home",
}
MEDICATION_CHANGES: dict[str, str] = {
    "started": "Started",
    "stopped": "Stopped",
    "dose-changed": "Dose changed",
    "unchanged": "Unchanged",
}

# --- the International Patient Summary (HL7 IPS 2.0.0, npm package hl7.fhir.uv.ips) -------------------
IPS_PROFILE: Final = "http://hl7.org/fhir/uv/ips/StructureDefinition"
PATIENT_SUMMARY = (LOINC, "60591-5", "Patient summary Document")
#: IPS sections that take a part of the red bag: red-bag section key -> (LOINC code, display, title).
#: Displays as in the IPS package's own examples. The red bag's other parts go in sections of their own.
IPS_SECTIONS: dict[str, tuple[str, str, str]] = {
    "resuscitation": ("104605-1", "Alert", "Alerts"),
    "allergies": ("48765-2", "Allergies and adverse reactions Document", "Allergies and intolerances"),
    "medications": ("10160-0", "History of Medication use Narrative", "Medication summary"),
    "problems": ("11450-4", "Problem list - Reported", "Problem list"),
    "observations": ("8716-3", "Vital signs note", "Vital signs and observations"),
    "about-me": ("81338-6", "Patient Goals, preferences, and priorities for care experience", "About me"),
}
#: IPS sections that carry narrative only: the resuscitation decision as an advance directive (IPS takes
#: only Consent or DocumentReference entries there; the Flag is in Alerts) and the baseline as functional
#: status (Condition or ClinicalImpression entries; its Observations are in the baseline section).
IPS_ADVANCE_DIRECTIVES = ("42348-3", "Advance healthcare directives", "Advance directives")
IPS_FUNCTIONAL_STATUS = ("47420-5", "Functional status assessment note", "Functional status (when well)")
#: The IPS profile a resource of each type claims in an IPS document (beside its red-bag and UK Core ones).
IPS_PROFILES: dict[str, str] = {
    "Patient": "Patient-uv-ips",
    "Organization": "Organization-uv-ips",
    "AllergyIntolerance": "AllergyIntolerance-uv-ips",
    "Condition": "Condition-uv-ips",
    "MedicationStatement": "MedicationStatement-uv-ips",
    "Flag": "Flag-alert-uv-ips",
    "Device": "Device-uv-ips",
}
