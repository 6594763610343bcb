// Rules shared by the red-bag profiles.

// Every transfer-scoped resource carries its deterministic id as a business identifier: the transaction
// Bundle conditionally updates on it, so sending the same red bag twice creates nothing twice. Every
// identifier has a system and a value (as UK Core MedicationStatement requires).
RuleSet: ResourceIdentifier
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by identifier system"
* identifier.system 1..1
* identifier.value 1..1
* identifier contains resourceId 1..1 MS
* identifier[resourceId] ^short = "Deterministic red-bag resource id (the conditional update key)"
* identifier[resourceId].system 1..1
* identifier[resourceId].system = $id-resource (exactly)
* identifier[resourceId].value 1..1

// Resources of one journey also carry the red bag tracker number (the bag's own id).
RuleSet: BagNumberIdentifier
* identifier contains bagNumber 1..1 MS
* identifier[bagNumber] ^short = "Red bag tracker number"
* identifier[bagNumber].system 1..1
* identifier[bagNumber].system = $id-bag-number (exactly)
* identifier[bagNumber].value 1..1

// People read the red bag: every resource carries its own narrative.
RuleSet: Readable
* text 1..1 MS
