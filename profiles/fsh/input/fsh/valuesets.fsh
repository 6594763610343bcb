// Value sets bound by the red-bag profiles. National codes (SNOMED CT, UK Core code systems) are listed
// concept by concept so a validator without a terminology server can still check membership.

ValueSet: RedBagSectionCode
Id: redbag-section
Title: "Red bag local section codes"
Description: "Every code of the red bag section code system."
* ^status = #active
* ^experimental = false
* include codes from system RedBagSection

ValueSet: RedBagNoteVS
Id: redbag-note
Title: "Red bag free-text note codes"
Description: "Every code of the red bag note code system."
* ^status = #active
* ^experimental = false
* include codes from system RedBagNoteCodes

ValueSet: RedBagBelongingKindVS
Id: redbag-belonging-kind
Title: "Red bag belonging kinds"
Description: "Every belonging kind."
* ^status = #active
* ^experimental = false
* include codes from system RedBagBelongingKind

ValueSet: RedBagBelongingStatusVS
Id: redbag-belonging-status
Title: "Red bag belonging status"
Description: "Every belonging status."
* ^status = #active
* ^experimental = false
* include codes from system RedBagBelongingStatus

ValueSet: RedBagTaskStatusVS
Id: redbag-task-status
Title: "Red bag transfer status"
Description: "Every business status of the transfer Task."
* ^status = #active
* ^experimental = false
* include codes from system RedBagTaskStatus

ValueSet: RedBagMedicationChangeVS
Id: redbag-medication-change
Title: "Red bag medication change on discharge"
Description: "Every medication change code."
* ^status = #active
* ^experimental = false
* include codes from system RedBagMedicationChange

ValueSet: RedBagCareHomeOperatorVS
Id: redbag-care-home-operator
Title: "Care home operator"
Description: "Every care home operator code."
* ^status = #active
* ^experimental = false
* include codes from system RedBagCareHomeOperator

ValueSet: RedBagResuscitationDecisionCode
Id: redbag-resuscitation-decision
Title: "Red bag resuscitation decision"
Description: "SNOMED CT not for / for attempted cardiopulmonary resuscitation, or no decision recorded."
* ^status = #active
* ^experimental = false
* $sct#450476008 "Not for attempted cardiopulmonary resuscitation"
* $sct#450475007 "For attempted cardiopulmonary resuscitation"
* include codes from system RedBagResuscitation

ValueSet: RedBagCareHomeType
Id: redbag-care-home-type
Title: "Care home location type"
Description: "UK Core encounter location types (England) for a care home: without nursing (G01) or with nursing (G02)."
* ^status = #active
* ^experimental = false
* $ukcore-location-type#G01 "Care Home Without Nursing"
* $ukcore-location-type#G02 "Care Home With Nursing"

ValueSet: RedBagCareHomeAdmissionSource
Id: redbag-care-home-admission-source
Title: "Admission from a care home"
Description: "UK Core source of admission (England) codes for a care home, by who runs it."
* ^status = #active
* ^experimental = false
* $ukcore-admit-source#85 "Non-NHS (other than Local Authority) run Care Home"
* $ukcore-admit-source#54 "NHS run Care Home"
* $ukcore-admit-source#65 "Local Authority residential accommodation i.e. where care is provided"

ValueSet: RedBagCareHomeDischargeDestination
Id: redbag-care-home-discharge-destination
Title: "Discharge back to a care home"
Description: "UK Core discharge destination (England) codes for a care home, by who runs it."
* ^status = #active
* ^experimental = false
* $ukcore-discharge-dest#85 "Non-NHS (other than Local Authority) run Care Home"
* $ukcore-discharge-dest#54 "NHS run Care Home"
* $ukcore-discharge-dest#65 "Local Authority residential accommodation i.e. where care is provided"

ValueSet: RedBagConditionCategory
Id: redbag-condition-category
Title: "Red bag condition category"
Description: "Problem list items (from the care home) and encounter diagnoses (from the hospital); a subset of UK Core ConditionCategory."
* ^status = #active
* ^experimental = false
* $condition-category#problem-list-item "Problem List Item"
* $condition-category#encounter-diagnosis "Encounter Diagnosis"

ValueSet: RedBagBelongingsListCode
Id: redbag-belongings-list
Title: "Belongings list codes"
Description: "The belongings that went out, and the same list checked on return."
* ^status = #active
* ^experimental = false
* RedBagSection#belongings "Belongings"
* RedBagSection#belongings-returned "Belongings returned"
