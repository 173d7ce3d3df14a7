package demoagency

// The JSON documents the services answer with, as their OpenAPI
// descriptions give them. Dates are written YYYY-MM-DD.

// fullName is a person's name as Uzbek civil records write it: surname,
// given name and patronymic ("Baxtiyor oʻgʻli", "Anvar qizi").
type fullName struct {
	LastName   string `json:"lastName"`
	FirstName  string `json:"firstName"`
	Patronymic string `json:"patronymic,omitempty"`
}

// String is the name in the order of official documents.
func (n fullName) String() string {
	s := n.LastName + " " + n.FirstName
	if n.Patronymic != "" {
		s += " " + n.Patronymic
	}
	return s
}

// place is a region and a district (or a city of regional subordination).
type place struct {
	Region   string `json:"region"`
	District string `json:"district"`
}

// office is the civil registry office (FHDYo boʻlimi) that made a record.
type office struct {
	Name     string `json:"name"`
	Region   string `json:"region"`
	District string `json:"district"`
}

// birthRecord is the birth act record of a person (tugʻilganlik haqidagi
// dalolatnoma yozuvi).
type birthRecord struct {
	ActNumber        string `json:"actNumber"`
	RegistrationDate string `json:"registrationDate"`
	Office           office `json:"office"`
	Child            child  `json:"child"`
	Mother           parent `json:"mother"`
	Father           parent `json:"father"`
}

type child struct {
	PINFL string `json:"pinfl"`
	fullName
	Sex          string `json:"sex"`
	BirthDate    string `json:"birthDate"`
	PlaceOfBirth place  `json:"placeOfBirth"`
}

// parent is a parent in a birth record; PINFL and BirthDate are absent
// where the registry holds none (parents who died before PINFLs were
// assigned).
type parent struct {
	PINFL string `json:"pinfl,omitempty"`
	fullName
	BirthDate string `json:"birthDate,omitempty"`
}

// marriages is the answer of the marriages service: every marriage record
// in which the person is a spouse, oldest first, possibly none.
type marriages struct {
	PINFL     string           `json:"pinfl"`
	Marriages []marriageRecord `json:"marriages"`
}

// marriageRecord is a marriage act record (nikoh haqidagi dalolatnoma
// yozuvi); Status is "registered" or "dissolved".
type marriageRecord struct {
	ActNumber        string `json:"actNumber"`
	RegistrationDate string `json:"registrationDate"`
	Office           office `json:"office"`
	Status           string `json:"status"`
	DissolutionDate  string `json:"dissolutionDate,omitempty"`
	Husband          spouse `json:"husband"`
	Wife             spouse `json:"wife"`
}

// spouse is a spouse in a marriage record: the name before the marriage
// and the surname chosen at it.
type spouse struct {
	PINFL string `json:"pinfl"`
	fullName
	BirthDate             string `json:"birthDate"`
	LastNameAfterMarriage string `json:"lastNameAfterMarriage"`
}

// Marriage statuses.
const (
	statusRegistered = "registered"
	statusDissolved  = "dissolved"
)

// address is a postal address; Mahalla and Apartment are absent where
// there are none.
type address struct {
	Region    string `json:"region"`
	District  string `json:"district"`
	Mahalla   string `json:"mahalla,omitempty"`
	Street    string `json:"street"`
	House     string `json:"house"`
	Apartment string `json:"apartment,omitempty"`
}

// registration is a registration of residence at an address: permanent
// (doimiy propiska), or temporary with an end date.
type registration struct {
	address
	RegisteredSince string `json:"registeredSince"`
	RegisteredUntil string `json:"registeredUntil,omitempty"`
}

// residence is the answer of the population registry about a person.
type residence struct {
	PINFL     string        `json:"pinfl"`
	Permanent registration  `json:"permanent"`
	Temporary *registration `json:"temporary,omitempty"`
}

// codeName is an item of a classifier: a stable code and its Uzbek name.
type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// taxpayer is a taxpayer's record in the tax committee's register.
type taxpayer struct {
	STIR             string    `json:"stir"`
	Kind             string    `json:"kind"` // legalEntity, individualEntrepreneur
	Name             string    `json:"name"`
	LegalForm        codeName  `json:"legalForm"`
	RegistrationDate string    `json:"registrationDate"`
	Status           string    `json:"status"` // active, liquidated
	LiquidationDate  string    `json:"liquidationDate,omitempty"`
	TaxRegime        codeName  `json:"taxRegime"`
	Director         personRef `json:"director"`
	Address          address   `json:"address"`
}

// personRef names a person by PINFL and name.
type personRef struct {
	PINFL string `json:"pinfl"`
	fullName
}

// property is a real estate object in the cadastre.
type property struct {
	CadastralNumber  string        `json:"cadastralNumber"`
	Type             string        `json:"type"` // apartment, house, land
	Address          address       `json:"address"`
	Area             float64       `json:"area"` // square metres
	RegistrationDate string        `json:"registrationDate"`
	Owners           []owner       `json:"owners"`
	Encumbrances     []encumbrance `json:"encumbrances"`
}

// owner is a holder of a share of a property: a person by PINFL or a legal
// entity by STIR. Share is a fraction, "1/1" or "1/2".
type owner struct {
	Type  string `json:"type"` // person, legalEntity
	PINFL string `json:"pinfl,omitempty"`
	STIR  string `json:"stir,omitempty"`
	Name  string `json:"name"`
	Share string `json:"share"`
}

// encumbrance is a restriction on a property: a mortgage, a notarial
// prohibition of alienation or an arrest.
type encumbrance struct {
	Type             string `json:"type"` // mortgage, prohibition, arrest
	Holder           holder `json:"holder"`
	Basis            string `json:"basis"`
	RegistrationDate string `json:"registrationDate"`
	Until            string `json:"until,omitempty"`
}

// holder is who an encumbrance is in favour of; STIR is absent for a state
// notary office.
type holder struct {
	Name string `json:"name"`
	STIR string `json:"stir,omitempty"`
}
