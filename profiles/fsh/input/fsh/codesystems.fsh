// Local code systems for what UK Core and SNOMED CT do not cover. Codes and displays are exactly those in
// adapter/redbag/vocab.py (the generator writes these displays; the validators check them).

CodeSystem: RedBagSection
Id: redbag-section
Title: "Red bag document sections"
Description: "Composition section (and belongings List) codes for the parts of the red bag that the UK Core record standard headings do not name."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #resuscitation "Resuscitation decision" "The resident's resuscitation decision and where the signed form is kept."
* #about-me "About me" "What matters to the resident and how to support them (This is me)."
* #contacts "Contacts" "Family, friends and lasting power of attorney holders to contact."
* #belongings "Belongings" "Property that travelled with the resident in the red bag."
* #belongings-returned "Belongings returned" "The property list checked item by item on the return journey."
* #care-home-capabilities "What the care home can manage" "The care the home gives, its equipment, what it does for a discharge, and when it takes a resident back."

CodeSystem: RedBagNoteCodes
Id: redbag-note
Title: "Red bag free-text notes"
Description: "Codes of the free-text notes carried as Observations: baseline (when I am well), about me, and the transfer story."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #baseline-mobility "Mobility when well"
* #baseline-cognition "Cognition when well"
* #baseline-communication "Communication when well"
* #baseline-hearing "Hearing when well"
* #baseline-sight "Sight when well"
* #baseline-continence "Continence when well"
* #baseline-eating-drinking "Eating and drinking when well"
* #baseline-skin "Skin when well"
* #normal-for-me "Normal for me"
* #important-to-me "What is important to me"
* #communicate-with-me "How to communicate with me"
* #please-do "Please do"
* #please-do-not "Please do not"
* #support-with "I need support with"
* #transfer-symptoms "Symptoms at transfer"
* #transfer-actions-taken "Actions taken before transfer"

CodeSystem: RedBagBelongingKind
Id: redbag-belonging-kind
Title: "Red bag belonging kinds"
Description: "What kind of item a belonging is."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #hearing-aid "Hearing aid"
* #glasses "Glasses"
* #dentures "Dentures"
* #walking-aid "Walking aid"
* #clothing "Clothing"
* #footwear "Footwear"
* #toiletries "Toiletries"
* #phone "Phone"
* #valuables "Valuables"
* #medication "Medication"
* #document "Document"
* #other "Other"

CodeSystem: RedBagBelongingStatus
Id: redbag-belonging-status
Title: "Red bag belonging status"
Description: "Where a belonging is: sent with the resident, or on return returned, missing or retained by the hospital."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #sent "Sent with resident"
* #returned "Returned"
* #missing "Missing"
* #retained "Retained by hospital"

CodeSystem: RedBagTaskStatus
Id: redbag-task-status
Title: "Red bag transfer status"
Description: "Business status of the transfer Task: packed, handed to the ambulance crew, received by the hospital, returned."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #packed "Red bag packed"
* #handed-to-crew "Handed to ambulance crew"
* #received "Received by hospital"
* #returned "Returned to care home"

CodeSystem: RedBagMedicationChange
Id: redbag-medication-change
Title: "Red bag medication change on discharge"
Description: "What the hospital did to a medicine: started, stopped, dose changed or unchanged."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #started "Started"
* #stopped "Stopped"
* #dose-changed "Dose changed"
* #unchanged "Unchanged"

CodeSystem: RedBagResuscitation
Id: redbag-resuscitation
Title: "Red bag resuscitation status"
Description: "Resuscitation states SNOMED CT does not name: no decision recorded in the red bag."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #not-recorded "Resuscitation decision not recorded"

CodeSystem: RedBagCareHomeOperator
Id: redbag-care-home-operator
Title: "Care home operator"
Description: "Who runs the care home; decides the UK Core source of admission and discharge destination (85, 54, 65)."
* ^status = #active
* ^caseSensitive = true
* ^content = #complete
* ^experimental = false
* #independent "Independent (non-NHS, non-local-authority) care home"
* #nhs "NHS run care home"
* #local-authority "Local authority residential accommodation"
