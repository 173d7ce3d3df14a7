package demoagency

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/identity/pinfl"
)

// What the demo people get. The n-th person given to Agencies gets the
// n-th entry of profiles (cycling if there are more people than entries):
//
//   - a birth record, in the district the profile names, with a father and
//     a mother who are made up, have PINFLs, birth records, a registered
//     marriage and an address of their own;
//   - the profile's marriages, each to a made-up spouse with a PINFL, a
//     birth record and an address (a current spouse lives with the
//     person, a former one elsewhere), some dissolved;
//   - a permanent address, which is a property in the cadastre owned as
//     the profile says (by the person, the couple, the spouse or a
//     parent), possibly mortgaged; and for some a temporary address;
//
// and the organisations and extra properties below refer to people by
// their position too: an organisation whose director is not among the
// people given gets its made-up stand-in, or is left out if it has none,
// and so are the properties of people and organisations left out. A PINFL
// given twice counts at its first position only. The profiles were written
// for the platform's demo accounts (identity.DemoPeople), so the names of
// parents and spouses suit the person in that position. Made-up people get
// PINFLs registered in their birth region's code with serials from 200 up,
// skipping any taken.

// district is a district, or a city of regional subordination, as the
// registries name it, with the region and district groups of its cadastral
// numbers and the mahalla and street where made-up people live.
type district struct {
	region, name    string
	code            string // "RR:DD", the start of its cadastral numbers
	mahalla, street string
}

// districts are the places of the demo, by a short key. The cadastral
// region groups are the last two digits of the region's SOATO code (26 for
// Tashkent city); the district groups are the demo's own numbering.
var districts = map[string]district{
	"bektemir":      {"Toshkent shahri", "Bektemir tumani", "26:01", "Bektemir MFY", "Husayn Boyqaro koʻchasi"},
	"chilonzor":     {"Toshkent shahri", "Chilonzor tumani", "26:02", "Qatortol MFY", "Qatortol koʻchasi"},
	"mirobod":       {"Toshkent shahri", "Mirobod tumani", "26:03", "Shahrisabz MFY", "Shahrisabz koʻchasi"},
	"mirzo-ulugbek": {"Toshkent shahri", "Mirzo Ulugʻbek tumani", "26:04", "Ulugʻbek MFY", "Mirzo Ulugʻbek koʻchasi"},
	"olmazor":       {"Toshkent shahri", "Olmazor tumani", "26:05", "Qorasaroy MFY", "Qorasaroy koʻchasi"},
	"sergeli":       {"Toshkent shahri", "Sergeli tumani", "26:06", "Yangi Sergeli MFY", "Yangi Sergeli koʻchasi"},
	"shayxontohur":  {"Toshkent shahri", "Shayxontohur tumani", "26:07", "Zarqaynar MFY", "Zarqaynar koʻchasi"},
	"uchtepa":       {"Toshkent shahri", "Uchtepa tumani", "26:08", "Lutfiy MFY", "Lutfiy koʻchasi"},
	"yakkasaroy":    {"Toshkent shahri", "Yakkasaroy tumani", "26:09", "Bobur MFY", "Bobur koʻchasi"},
	"yashnobod":     {"Toshkent shahri", "Yashnobod tumani", "26:11", "Mahtumquli MFY", "Mahtumquli koʻchasi"},
	"yunusobod":     {"Toshkent shahri", "Yunusobod tumani", "26:12", "Bogʻishamol MFY", "Bogʻishamol koʻchasi"},
	"chirchiq":      {"Toshkent viloyati", "Chirchiq shahri", "27:01", "Navbahor MFY", "Amir Temur koʻchasi"},
	"zangiota":      {"Toshkent viloyati", "Zangiota tumani", "27:02", "Eshonguzar MFY", "Bogʻbon koʻchasi"},
	"samarqand":     {"Samarqand viloyati", "Samarqand shahri", "18:01", "Registon MFY", "Registon koʻchasi"},
	"fargona":       {"Fargʻona viloyati", "Fargʻona shahri", "30:01", "Al-Fargʻoniy MFY", "Al-Fargʻoniy koʻchasi"},
	"andijon":       {"Andijon viloyati", "Andijon shahri", "03:01", "Navroʻz MFY", "Navoiy shoh koʻchasi"},
	"buxoro":        {"Buxoro viloyati", "Buxoro shahri", "06:01", "Labihovuz MFY", "Bahouddin Naqshband koʻchasi"},
	"namangan":      {"Namangan viloyati", "Namangan shahri", "14:01", "Davlatobod MFY", "Navoiy koʻchasi"},
	"urganch":       {"Xorazm viloyati", "Urganch shahri", "33:01", "Al-Xorazmiy MFY", "Al-Xorazmiy koʻchasi"},
	"qarshi":        {"Qashqadaryo viloyati", "Qarshi shahri", "10:01", "Nasaf MFY", "Nasaf koʻchasi"},
}

func (d district) place() place { return place{Region: d.region, District: d.name} }

// office is the district's civil registry office: "Yunusobod tumani FHDYo
// boʻlimi", "Samarqand shahar FHDYo boʻlimi".
func (d district) office() office {
	name := d.name
	if city, ok := strings.CutSuffix(name, " shahri"); ok {
		name = city + " shahar"
	}
	return office{Name: name + " FHDYo boʻlimi", Region: d.region, District: d.name}
}

// pinflCode is the code of the district a made-up person's PINFL is
// registered in: the region's cadastral group.
func (d district) pinflCode() int {
	n, _ := strconv.Atoi(d.code[:2])
	return n
}

// parentSpec is a parent of a demo person: given name, the given name of
// their own father (for the patronymic) and, for a mother, her surname.
// A father's surname is the person's, in its male form.
type parentSpec struct{ first, fatherFirst, last string }

// spouseSpec is a made-up spouse: surname at birth, given name, father's
// given name, birth date and place.
type spouseSpec struct{ last, first, fatherFirst, born, bornIn string }

// marriageSpec is a marriage of a demo person, registered on date in the
// district in; a wife with takesName took her husband's surname. It was
// dissolved on dissolved, if that is set.
type marriageSpec struct {
	date, in  string
	spouse    spouseSpec
	takesName bool
	dissolved string
}

// ownerSpec is an owner of a share of a home: "self", "spouse" (the
// current one), "father", "mother", or a taxpayer's STIR.
type ownerSpec struct{ who, share string }

// encSpec is an encumbrance of a property.
type encSpec struct{ kind, holder, holderSTIR, basis, date, until string }

// homeSpec is a demo person's permanent address and the property it is:
// in the district in, at mahalla and street (the district's if empty),
// owned since since, which is also when its residents registered there
// (or when they were born or married into it, if later). Parcel is the
// cadastral number after the region and district groups.
type homeSpec struct {
	in, mahalla, street, house, apartment string
	kind                                  string
	area                                  float64
	parcel, since                         string
	owners                                []ownerSpec
	encumbrances                          []encSpec
}

// tempSpec is a temporary registration.
type tempSpec struct{ in, mahalla, street, house, apartment, since, until string }

// profile is what one demo person gets.
type profile struct {
	bornIn         string
	father, mother parentSpec
	marriages      []marriageSpec
	home           homeSpec
	temp           *tempSpec
}

// The legal forms and tax regimes of the tax committee's classifiers.
var (
	formLLC          = codeName{"MChJ", "Masʼuliyati cheklangan jamiyat"}
	formJSC          = codeName{"AJ", "Aksiyadorlik jamiyati"}
	formPrivate      = codeName{"XK", "Xususiy korxona"}
	formEntrepreneur = codeName{"YaTT", "Yakka tartibdagi tadbirkor"}
	regimeGeneral    = codeName{"general", "Umumbelgilangan soliqlar (QQS va foyda soligʻi)"}
	regimeTurnover   = codeName{"turnover", "Aylanmadan olinadigan soliq"}
	regimeFixed      = codeName{"fixed", "Qatʼiy belgilangan soliq"}
)

// The demo's bank, which holds the mortgages (always there with its
// director, so its STIR is the tax service's example), and the bakery of
// identity's demo data, whose plot is the cadastre service's example.
const (
	bankSTIR   = "203987654"
	bankName   = "«MILLIY IPOTEKA BANKI» ATB"
	bakerySTIR = "305123456"
	bakeryName = "«TOSHKENT NON» MChJ"
)

// mortgage is a mortgage in favour of the demo's bank.
func mortgage(contract, on, until string) encSpec {
	return encSpec{"mortgage", bankName, bankSTIR, "Ipoteka shartnomasi № " + contract, on, until}
}

// profiles are what the demo people get, by position (see the top of
// this file); the comment on each says what the profile is about.
var profiles = []profile{
	{ // Aziz Karimov: married, an apartment with his wife, on a mortgage.
		bornIn: "samarqand", father: parentSpec{"Baxtiyor", "Hamid", ""}, mother: parentSpec{"Dilfuza", "Rashid", "Rashidova"},
		marriages: []marriageSpec{{date: "2016-09-10", in: "yunusobod", takesName: true,
			spouse: spouseSpec{"Sobirova", "Nilufar", "Sobir", "1993-02-11", "yunusobod"}}},
		home: homeSpec{in: "yunusobod", house: "21", apartment: "48", kind: "apartment", area: 74.6, parcel: "04:02:03:0048",
			since: "2017-03-14", owners: []ownerSpec{{"self", "1/2"}, {"spouse", "1/2"}},
			encumbrances: []encSpec{mortgage("17-0314/IP", "2017-03-14", "2032-03-14")}},
	},
	{ // Malika Yusupova: divorced, owns her apartment.
		bornIn: "shayxontohur", father: parentSpec{"Anvar", "Yusuf", ""}, mother: parentSpec{"Gavhar", "Tursun", "Tursunova"},
		marriages: []marriageSpec{{date: "2008-06-21", in: "shayxontohur", dissolved: "2019-02-15",
			spouse: spouseSpec{"Umarov", "Farrux", "Umar", "1982-04-03", "olmazor"}}},
		home: homeSpec{in: "mirzo-ulugbek", mahalla: "Mustaqillik MFY", street: "Buyuk Ipak yoʻli koʻchasi", house: "112",
			apartment: "17", kind: "apartment", area: 61.2, parcel: "02:05:01:0017", since: "2019-05-20",
			owners: []ownerSpec{{"self", "1/1"}}},
	},
	{ // Dilshod Rahimov: single, at his parents' house, studying in Samarqand.
		bornIn: "chilonzor", father: parentSpec{"Ravshan", "Rahim", ""}, mother: parentSpec{"Zulfiya", "Qosim", "Qosimova"},
		home: homeSpec{in: "chilonzor", house: "34", kind: "house", area: 186.5, parcel: "05:03:02:0034", since: "1998-11-05",
			owners: []ownerSpec{{"father", "1/1"}}},
		temp: &tempSpec{in: "samarqand", mahalla: "Universitet MFY", street: "Universitet xiyoboni", house: "15",
			apartment: "204", since: "2024-09-02", until: "2027-07-01"},
	},
	{ // Bobur Toshmatov: married, owns a house; directs «TOSHKENT NON».
		bornIn: "chirchiq", father: parentSpec{"Erkin", "Toshmat", ""}, mother: parentSpec{"Mohira", "Ali", "Aliyeva"},
		marriages: []marriageSpec{{date: "2003-10-04", in: "yakkasaroy", takesName: true,
			spouse: spouseSpec{"Olimova", "Sevara", "Olim", "1981-01-15", "yakkasaroy"}}},
		home: homeSpec{in: "yakkasaroy", house: "9", kind: "house", area: 240, parcel: "01:04:02:0009", since: "2006-07-11",
			owners: []ownerSpec{{"self", "1/1"}}},
	},
	{ // Nodira Saidova: married, at her husband's apartment.
		bornIn: "fargona", father: parentSpec{"Shuhrat", "Said", ""}, mother: parentSpec{"Barno", "Xoliq", "Xoliqova"},
		marriages: []marriageSpec{{date: "2012-08-18", in: "mirobod",
			spouse: spouseSpec{"Hakimov", "Jamshid", "Hakim", "1985-06-09", "mirobod"}}},
		home: homeSpec{in: "mirobod", house: "5", apartment: "31", kind: "apartment", area: 82.3, parcel: "03:01:04:0031",
			since: "2013-02-05", owners: []ownerSpec{{"spouse", "1/1"}}},
	},
	{ // Jasur Ergashev: married, owns a house, and a plot of land (extraProperties).
		bornIn: "andijon", father: parentSpec{"Mansur", "Ergash", ""}, mother: parentSpec{"Nafisa", "Yoʻldosh", "Yoʻldosheva"},
		marriages: []marriageSpec{{date: "1999-05-22", in: "andijon", takesName: true,
			spouse: spouseSpec{"Usmonova", "Dildora", "Usmon", "1978-03-27", "andijon"}}},
		home: homeSpec{in: "olmazor", house: "47", kind: "house", area: 210, parcel: "06:02:01:0047", since: "2004-09-30",
			owners: []ownerSpec{{"self", "1/1"}}},
	},
	{ // Gulnora Abdullayeva: single, registered at her parents' in Namangan, living in Tashkent.
		bornIn: "namangan", father: parentSpec{"Ilhom", "Abdulla", ""}, mother: parentSpec{"Feruza", "Karim", "Karimova"},
		home: homeSpec{in: "namangan", house: "63", kind: "house", area: 175, parcel: "02:03:01:0063", since: "1990-04-17",
			owners: []ownerSpec{{"father", "1/1"}}},
		temp: &tempSpec{in: "yashnobod", house: "101", apartment: "12", since: "2023-01-16", until: "2027-01-15"},
	},
	{ // Rustam Qodirov: married, a house owned with his wife.
		bornIn: "buxoro", father: parentSpec{"Hamza", "Qodir", ""}, mother: parentSpec{"Oysha", "Nemat", "Nematova"},
		marriages: []marriageSpec{{date: "1994-08-13", in: "buxoro", takesName: true,
			spouse: spouseSpec{"Jurayeva", "Lola", "Jura", "1973-07-19", "buxoro"}}},
		home: homeSpec{in: "sergeli", house: "18", kind: "house", area: 198, parcel: "04:01:03:0018", since: "2001-11-20",
			owners: []ownerSpec{{"self", "1/2"}, {"spouse", "1/2"}}},
	},
	{ // Shahnoza Mirzayeva: married, at her husband's mortgaged apartment.
		bornIn: "urganch", father: parentSpec{"Baxodir", "Mirza", ""}, mother: parentSpec{"Sanobar", "Qurbon", "Qurbonova"},
		marriages: []marriageSpec{{date: "2020-10-24", in: "uchtepa",
			spouse: spouseSpec{"Yoqubov", "Sardor", "Yoqub", "1993-12-02", "uchtepa"}}},
		home: homeSpec{in: "uchtepa", house: "27", apartment: "64", kind: "apartment", area: 68.9, parcel: "02:02:05:0064",
			since: "2021-03-03", owners: []ownerSpec{{"spouse", "1/1"}},
			encumbrances: []encSpec{mortgage("21-0303/IP", "2021-03-03", "2041-03-03")}},
	},
	{ // Otabek Nazarov: married, a mortgaged house.
		bornIn: "qarshi", father: parentSpec{"Nodir", "Nazar", ""}, mother: parentSpec{"Muhabbat", "Safar", "Safarova"},
		marriages: []marriageSpec{{date: "2008-11-15", in: "qarshi", takesName: true,
			spouse: spouseSpec{"Rahmonova", "Dilnoza", "Rahmon", "1985-09-30", "qarshi"}}},
		home: homeSpec{in: "bektemir", house: "56", kind: "house", area: 230, parcel: "01:03:02:0056", since: "2010-06-01",
			owners: []ownerSpec{{"self", "1/1"}}, encumbrances: []encSpec{mortgage("10-0601/IP", "2010-06-01", "2030-06-01")}},
	},
	{ // Kamola Hasanova: married, owns the apartment they live in.
		bornIn: "yakkasaroy", father: parentSpec{"Akmal", "Hasan", ""}, mother: parentSpec{"Shoira", "Islom", "Islomova"},
		marriages: []marriageSpec{{date: "2007-07-07", in: "yakkasaroy",
			spouse: spouseSpec{"Mahmudov", "Ulugʻbek", "Mahmud", "1981-05-14", "chilonzor"}}},
		home: homeSpec{in: "shayxontohur", house: "3", apartment: "22", kind: "apartment", area: 95.4, parcel: "01:02:02:0022",
			since: "2011-08-12", owners: []ownerSpec{{"self", "1/1"}}},
	},
	{ // Zarina Xolmatova: single, at her mother's apartment.
		bornIn: "sergeli", father: parentSpec{"Sanjar", "Xolmat", ""}, mother: parentSpec{"Gulchehra", "Sodiq", "Sodiqova"},
		home: homeSpec{in: "sergeli", street: "Sergeli 6-mavze", house: "12", apartment: "40", kind: "apartment", area: 57.1,
			parcel: "03:06:01:0040", since: "1996-10-08", owners: []ownerSpec{{"mother", "1/1"}}},
	},
	{ // Sherzod Alimov: divorced and married again; a house owned with his wife.
		bornIn: "olmazor", father: parentSpec{"Vohid", "Alim", ""}, mother: parentSpec{"Nargiza", "Ahmad", "Ahmedova"},
		marriages: []marriageSpec{
			{date: "2005-09-17", in: "olmazor", takesName: true, dissolved: "2011-04-12",
				spouse: spouseSpec{"Tojiyeva", "Madina", "Toji", "1983-02-08", "olmazor"}},
			{date: "2013-06-22", in: "mirzo-ulugbek", takesName: true,
				spouse: spouseSpec{"Sharipova", "Kamila", "Sharif", "1987-11-23", "mirzo-ulugbek"}},
		},
		home: homeSpec{in: "mirzo-ulugbek", house: "78", kind: "house", area: 260, parcel: "01:01:04:0078", since: "2014-04-18",
			owners: []ownerSpec{{"self", "1/2"}, {"spouse", "1/2"}}},
	},
}

// extraSpec is a made-up person outside any family, such as a director.
type extraSpec struct {
	last, first, fatherFirst, born, bornIn string
	female                                 bool
}

// orgSpec is a taxpayer. Its director is the person at position director,
// or that person's father with directorsFather; or, if director is
// negative or beyond the people given, the made-up extra, if it has a
// name. An entrepreneur (address zero) is registered at the director's
// permanent address.
type orgSpec struct {
	stir, kind, name       string
	form, regime           codeName
	registered, liquidated string
	director               int
	directorsFather        bool
	extra                  extraSpec
	address                address
}

// orgs are the taxpayers: the bank, the bakery, a liquidated builder, a
// trading firm of a demo person's father and an entrepreneur.
var orgs = []orgSpec{
	{stir: bankSTIR, kind: "legalEntity", name: bankName, form: formJSC, regime: regimeGeneral, registered: "2005-03-28",
		director: -1, extra: extraSpec{"Yoʻldoshev", "Botir", "Qahramon", "1968-04-12", "yunusobod", false},
		address: address{Region: "Toshkent shahri", District: "Mirobod tumani", Street: "Amir Temur shoh koʻchasi", House: "17"}},
	{stir: bakerySTIR, kind: "legalEntity", name: bakeryName, form: formLLC, regime: regimeTurnover, registered: "2016-03-02",
		director: 3, extra: extraSpec{"Toshmatov", "Bobur", "Erkin", "1978-08-21", "chirchiq", false},
		address: address{Region: "Toshkent shahri", District: "Chilonzor tumani", Mahalla: "Bunyodkor MFY", Street: "7-mavze",
			House: "12"}},
	{stir: "306789012", kind: "legalEntity", name: "«YUNUSOBOD QURILISH SERVIS» MChJ", form: formLLC, regime: regimeGeneral,
		registered: "2014-05-19", liquidated: "2022-11-30", director: 0,
		address: address{Region: "Toshkent shahri", District: "Yunusobod tumani", Mahalla: "Bogʻishamol MFY",
			Street: "Amir Temur shoh koʻchasi", House: "108"}},
	{stir: "308456789", kind: "legalEntity", name: "«SAMARQAND IPAK SAVDO» XK", form: formPrivate, regime: regimeTurnover,
		registered: "2019-07-22", director: 0, directorsFather: true,
		address: address{Region: "Samarqand viloyati", District: "Samarqand shahri", Street: "Dagbitskiy koʻchasi", House: "29"}},
	{stir: "471234567", kind: "individualEntrepreneur", form: formEntrepreneur, regime: regimeFixed, registered: "2018-04-10",
		director: 1},
}

// extraProperty is a property beyond the demo people's homes, owned by the
// taxpayer with STIR owner or, if that is empty, by the person at position
// person (and left out without them).
type extraProperty struct {
	owner  string
	person int
	home   homeSpec
}

// bakeryLand is the cadastral number of the bakery's plot, the cadastre
// service's example.
const bakeryLand = "26:02:07:01:05:0012"

// extraProperties are the bakery's plot and a demo person's plot of land
// under a notarial prohibition.
var extraProperties = []extraProperty{
	{owner: bakerySTIR, home: homeSpec{in: "chilonzor", mahalla: "Bunyodkor MFY", street: "7-mavze", house: "12", kind: "land", area: 850,
		parcel: "07:01:05:0012", since: "2016-05-11", owners: []ownerSpec{{bakerySTIR, "1/1"}},
		encumbrances: []encSpec{mortgage("21-0615/KR", "2021-06-15", "2028-06-15")}}},
	{person: 5, home: homeSpec{in: "zangiota", house: "41", kind: "land", area: 600, parcel: "03:02:01:0217",
		since: "2012-09-05", owners: []ownerSpec{{"self", "1/1"}},
		encumbrances: []encSpec{{"prohibition", "Olmazor tumani davlat notarial idorasi", "",
			"Qarz shartnomasini taʼminlash uchun begonalashtirish taqiqi", "2024-02-20", "2027-02-20"}}}},
}

// grandmothers are the given names of the mothers of made-up people, whom
// the registries know only by name.
var grandmothers = []string{"Saodat", "Mukarram", "Hojar", "Robiya", "Zuhra", "Karima", "Xadicha", "Mastura", "Munavvar", "Tursunoy"}

// world is every record of the demo agencies, by the identifier each
// service looks it up by. It is built once and only read after.
type world struct {
	births     map[string]*birthRecord
	marriages  map[string][]*marriageRecord
	residences map[string]*residence
	taxpayers  map[string]*taxpayer
	properties map[string]*property

	// examples the Services point at: a person (the first one given),
	// a taxpayer and a property that are always there.
	examplePerson, exampleSTIR, exampleProperty string
}

// human is a person while the world is built: name is the current one,
// which changes when a wife takes her husband's surname.
type human struct {
	pinfl  string
	name   fullName
	born   time.Time
	female bool
	birth  *birthRecord
}

// builder builds a world.
type builder struct {
	w      *world
	taken  map[string]bool // PINFLs of the people given and made up
	serial int             // the next serial to try for a made-up PINFL
	acts   int             // act records made, to vary their numbers
	homes  int             // made-up homes, to number them
}

// newWorld builds the records around people.
func newWorld(people []Person) *world {
	b := &builder{
		w: &world{births: map[string]*birthRecord{}, marriages: map[string][]*marriageRecord{},
			residences: map[string]*residence{}, taxpayers: map[string]*taxpayer{}, properties: map[string]*property{},
			exampleSTIR: bankSTIR, exampleProperty: bakeryLand},
		taken:  map[string]bool{},
		serial: 200,
	}
	for _, p := range people {
		b.taken[p.PINFL] = true
	}
	// given and fathers are by position in people; nil for a repeat.
	given, fathers := make([]*human, len(people)), make([]*human, len(people))
	for i, p := range people {
		if b.w.births[p.PINFL] == nil {
			given[i], fathers[i] = b.family(i, p, profiles[i%len(profiles)])
		}
	}
	pick := func(i int, father bool) *human {
		switch {
		case i < 0 || i >= len(given):
			return nil
		case father:
			return fathers[i]
		}
		return given[i]
	}
	for _, o := range orgs {
		d := pick(o.director, o.directorsFather)
		if d == nil && o.extra.first != "" {
			d = b.loner(o.extra)
		}
		if d != nil {
			b.taxpayer(o, d)
		}
	}
	for _, x := range extraProperties {
		owner := pick(x.person, false)
		if x.owner == "" && owner == nil || x.owner != "" && b.w.taxpayers[x.owner] == nil {
			continue
		}
		b.property(x.home, x.home.since, map[string]*human{"self": owner})
	}
	b.w.examplePerson = b.w.taxpayers[bankSTIR].Director.PINFL
	if len(given) > 0 {
		b.w.examplePerson = given[0].pinfl
	}
	return b.w
}

// family makes the records of the i-th person p with profile f and
// returns the person and their father.
func (b *builder) family(i int, p Person, f profile) (me, father *human) {
	born := dateOf(p.BirthDate)
	me = &human{pinfl: p.PINFL, name: fullName{p.LastName, p.FirstName, patronymic(f.father.first, p.Female)},
		born: born, female: p.Female}

	fatherBorn := born.AddDate(-(27 + i%4), -(i % 5), -(i * 3 % 20))
	father = b.madeUp(masculine(p.LastName), f.father.first, f.father.fatherFirst, fatherBorn, false, f.bornIn)
	mother := b.madeUp(f.mother.last, f.mother.first, f.mother.fatherFirst, fatherBorn.AddDate(2, 3, 9), true, f.bornIn)
	parentsMarried := born.AddDate(-1, -2, -(i % 11))
	b.marry(father, mother, parentsMarried, f.bornIn, false, time.Time{})
	b.born(me, districts[f.bornIn], father, mother)

	var spouse *human
	var married time.Time
	for _, m := range f.marriages {
		s := m.spouse
		other := b.madeUp(s.last, s.first, s.fatherFirst, day(s.born), !p.Female, s.bornIn)
		husband, wife := me, other
		if p.Female {
			husband, wife = other, me
		}
		var dissolved time.Time
		if m.dissolved != "" {
			dissolved = day(m.dissolved)
		}
		b.marry(husband, wife, day(m.date), m.in, m.takesName, dissolved)
		if m.dissolved == "" {
			spouse, married = other, day(m.date)
			continue
		}
		// A former spouse lives elsewhere, in the district they married
		// in, since a few months after the divorce.
		b.madeUpHome(m.in, dissolved.AddDate(0, 3, 0), other)
	}

	// Who lives in the home and since when: the owners since it was
	// registered, the others since they married into it, or were born.
	home := f.home
	residents := map[string]*human{"self": me, "spouse": spouse}
	since := map[*human]string{me: home.since}
	if spouse != nil {
		since[spouse] = max(home.since, date(married))
	}
	for _, o := range home.owners {
		if o.who == "father" || o.who == "mother" {
			residents["father"], residents["mother"] = father, mother
			moved := max(home.since, date(parentsMarried))
			since[father], since[mother] = moved, moved
			since[residents[o.who]] = home.since
		}
	}
	if residents["father"] == nil {
		b.madeUpHome(f.bornIn, parentsMarried.AddDate(1, 1, 0), father, mother)
	}
	b.property(home, home.since, residents)
	for _, r := range []*human{me, spouse, residents["father"], residents["mother"]} {
		if r != nil {
			b.register(r, home, since[r])
		}
	}
	if t := f.temp; t != nil {
		d := districts[t.in]
		b.w.residences[me.pinfl].Temporary = &registration{
			address:         address{d.region, d.name, or(t.mahalla, d.mahalla), or(t.street, d.street), t.house, t.apartment},
			RegisteredSince: t.since, RegisteredUntil: t.until}
	}
	return me, father
}

// loner makes up a person with a birth record and a home of their own.
func (b *builder) loner(x extraSpec) *human {
	h := b.madeUp(x.last, x.first, x.fatherFirst, day(x.born), x.female, x.bornIn)
	b.madeUpHome(x.bornIn, h.born.AddDate(30, 0, 0), h)
	return h
}

// madeUp makes up a person born in the district with the key in, whose
// father's given name is fatherFirst, with a PINFL and a birth record whose
// parents the registry knows by name only.
func (b *builder) madeUp(last, first, fatherFirst string, born time.Time, female bool, inKey string) *human {
	in := districts[inKey]
	name := fullName{last, first, patronymic(fatherFirst, female)}
	sex := pinfl.Male
	if female {
		sex = pinfl.Female
	}
	var id string
	for tries := 0; ; tries++ {
		if tries == 1000 {
			panic("demoagency: no free PINFL serial for " + name.String())
		}
		id = pinfl.GeneratePINFL(born, sex, in.pinflCode(), b.serial%1000).String()
		b.serial++
		if !b.taken[id] {
			break
		}
	}
	b.taken[id] = true
	h := &human{pinfl: id, name: name, born: born, female: female}
	fatherName := masculine(name.LastName)
	father := &human{name: fullName{fatherName, fatherFirst, ""}}
	mother := &human{name: fullName{feminine(fatherName), grandmothers[b.acts%len(grandmothers)], ""}}
	b.born(h, in, father, mother)
	return h
}

// born adds the birth record of h, registered in the office of in a few
// days after the birth.
func (b *builder) born(h *human, in district, father, mother *human) {
	reg := h.born.AddDate(0, 0, 3+b.acts%9)
	sex := "male"
	if h.female {
		sex = "female"
	}
	rec := &birthRecord{ActNumber: actNumber(reg, 4, b.acts), RegistrationDate: date(reg), Office: in.office(),
		Child:  child{PINFL: h.pinfl, fullName: h.name, Sex: sex, BirthDate: date(h.born), PlaceOfBirth: in.place()},
		Mother: parentOf(mother), Father: parentOf(father)}
	b.acts++
	h.birth = rec
	b.w.births[h.pinfl] = rec
}

// parentOf is h as a parent in a birth record: with a PINFL and birth
// date if the registry has them.
func parentOf(h *human) parent {
	p := parent{PINFL: h.pinfl, fullName: h.name}
	if h.pinfl != "" {
		p.BirthDate = date(h.born)
	}
	return p
}

// marry adds the record of the marriage of husband and wife, registered on
// on in the office of the district with the key in, and dissolved on
// dissolved unless that is zero. With takesName the wife's current surname
// becomes the husband's.
func (b *builder) marry(husband, wife *human, on time.Time, in string, takesName bool, dissolved time.Time) {
	after := wife.name.LastName
	if takesName {
		after = feminine(husband.name.LastName)
	}
	rec := &marriageRecord{ActNumber: actNumber(on, 2, b.acts), RegistrationDate: date(on), Office: districts[in].office(),
		Status: statusRegistered,
		Husband: spouse{PINFL: husband.pinfl, fullName: husband.name, BirthDate: date(husband.born),
			LastNameAfterMarriage: husband.name.LastName},
		Wife: spouse{PINFL: wife.pinfl, fullName: wife.name, BirthDate: date(wife.born), LastNameAfterMarriage: after}}
	if !dissolved.IsZero() {
		rec.Status, rec.DissolutionDate = statusDissolved, date(dissolved)
	}
	b.acts++
	wife.name.LastName = after
	b.w.marriages[husband.pinfl] = append(b.w.marriages[husband.pinfl], rec)
	b.w.marriages[wife.pinfl] = append(b.w.marriages[wife.pinfl], rec)
}

// madeUpHome gives the residents a house of their own in the district
// with the key in, owned by the first of them, where they registered on
// since (or later, when born).
func (b *builder) madeUpHome(in string, since time.Time, residents ...*human) {
	n := b.homes
	b.homes++
	h := homeSpec{in: in, house: strconv.Itoa(4 + n*3), kind: "house", area: 120 + float64(n*7%60) + 0.5,
		parcel: fmt.Sprintf("02:01:%02d:%04d", 1+n/50, 100+n), since: date(since),
		owners: []ownerSpec{{"self", "1/1"}}}
	b.property(h, h.since, map[string]*human{"self": residents[0]})
	for _, r := range residents {
		b.register(r, h, h.since)
	}
}

// register makes h's permanent address the home's, since since or, if
// later, h's birth registration.
func (b *builder) register(h *human, home homeSpec, since string) {
	if h.birth != nil {
		since = max(since, h.birth.RegistrationDate)
	}
	b.w.residences[h.pinfl] = &residence{PINFL: h.pinfl,
		Permanent: registration{address: homeAddress(home), RegisteredSince: since}}
}

// homeAddress is where the home is.
func homeAddress(h homeSpec) address {
	d := districts[h.in]
	return address{d.region, d.name, or(h.mahalla, d.mahalla), or(h.street, d.street), h.house, h.apartment}
}

// property adds the home to the cadastre, registered on since, with the
// owners its spec names among people (by role) or taxpayers (by STIR).
// A cadastral number taken already is moved to the next free one.
func (b *builder) property(h homeSpec, since string, people map[string]*human) {
	number := districts[h.in].code + ":" + h.parcel
	for b.w.properties[number] != nil {
		number = nextParcel(number)
	}
	p := &property{CadastralNumber: number, Type: h.kind, Address: homeAddress(h), Area: h.area,
		RegistrationDate: since, Owners: []owner{}, Encumbrances: []encumbrance{}}
	for _, o := range h.owners {
		if who := people[o.who]; who != nil {
			p.Owners = append(p.Owners, owner{Type: "person", PINFL: who.pinfl, Name: who.name.String(), Share: o.share})
			continue
		}
		for _, org := range orgs {
			if org.stir == o.who {
				p.Owners = append(p.Owners, owner{Type: "legalEntity", STIR: org.stir, Name: org.name, Share: o.share})
			}
		}
	}
	for _, e := range h.encumbrances {
		p.Encumbrances = append(p.Encumbrances, encumbrance{Type: e.kind, Holder: holder{Name: e.holder, STIR: e.holderSTIR},
			Basis: e.basis, RegistrationDate: e.date, Until: e.until})
	}
	b.w.properties[number] = p
}

// nextParcel is the cadastral number after n in the same block.
func nextParcel(n string) string {
	i := strings.LastIndexByte(n, ':')
	v, _ := strconv.Atoi(n[i+1:])
	return fmt.Sprintf("%s:%04d", n[:i], (v+1)%10000)
}

// taxpayer adds o to the register with director d.
func (b *builder) taxpayer(o orgSpec, d *human) {
	t := &taxpayer{STIR: o.stir, Kind: o.kind, Name: o.name, LegalForm: o.form, RegistrationDate: o.registered,
		Status: "active", TaxRegime: o.regime, Director: personRef{PINFL: d.pinfl, fullName: d.name}, Address: o.address}
	if o.liquidated != "" {
		t.Status, t.LiquidationDate = "liquidated", o.liquidated
	}
	if t.Name == "" {
		t.Name = d.name.String()
	}
	if t.Address == (address{}) {
		if r := b.w.residences[d.pinfl]; r != nil {
			t.Address = r.Permanent.address
		}
	}
	b.w.taxpayers[o.stir] = t
}

// patronymic is the patronymic of a child of a father with the given name.
func patronymic(fatherFirst string, female bool) string {
	if female {
		return fatherFirst + " qizi"
	}
	return fatherFirst + " oʻgʻli"
}

// masculine is the male form of a surname: Yusupova -> Yusupov.
func masculine(last string) string {
	if strings.HasSuffix(last, "ova") || strings.HasSuffix(last, "eva") {
		return strings.TrimSuffix(last, "a")
	}
	return last
}

// feminine is the female form of a surname: Karimov -> Karimova.
func feminine(last string) string {
	if strings.HasSuffix(last, "ov") || strings.HasSuffix(last, "ev") {
		return last + "a"
	}
	return last
}

// actNumber numbers an act record made on t as offices do, through the
// year: about perDay records a day, k telling apart those of one day.
func actNumber(t time.Time, perDay, k int) string {
	return strconv.Itoa((t.YearDay()-1)*perDay + k%perDay + 1)
}

// dateOf is the calendar date of t, at midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// day parses a date of the tables above.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic("demoagency: bad date in the demo data: " + s)
	}
	return t
}

// date writes t as YYYY-MM-DD.
func date(t time.Time) string { return t.Format(time.DateOnly) }

// or is s, or def if s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
