package catalog

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// What LoadDemo writes is signed by demoActor with demoReason.
const (
	demoActor  = "demo"
	demoReason = "Namoyish maʼlumotlari"
)

// demoText is a text in Uzbek (Latin), Russian and English; the registry
// transliterates the Uzbek Cyrillic text.
type demoText [3]string

func (t demoText) texts() Texts { return Texts{i18n.UzLatn: t[0], i18n.Ru: t[1], i18n.En: t[2]} }

// Regions are ISO 3166-2:UZ codes.
var (
	demoAllRegions = []string{"UZ-AN", "UZ-BU", "UZ-FA", "UZ-JI", "UZ-NG", "UZ-NW", "UZ-QA",
		"UZ-QR", "UZ-SA", "UZ-SI", "UZ-SU", "UZ-TK", "UZ-TO", "UZ-XO"}
	demoTashkent = []string{"UZ-TK"}
)

// demoAgency is a state body; parent is the code of the body above it and
// comes earlier in demoAgencies.
type demoAgency struct {
	code, parent          string
	kind                  AgencyKind
	name                  demoText
	phone, email, website string
	regions               []string
}

var demoAgencies = []demoAgency{
	{"adliya", "", KindMinistry, demoText{"Adliya vazirligi", "Министерство юстиции", "Ministry of Justice"},
		"+998 71 207 00 20", "info@adliya.gov.uz", "https://adliya.uz", demoAllRegions},
	{"fhdyo-toshkent", "adliya", KindRegional, demoText{"Toshkent shahar fuqarolik holati dalolatlarini yozish boʻlimi", "Отдел записи актов гражданского состояния г. Ташкента", "Tashkent City Civil Registry Office"},
		"+998 71 233 45 10", "fhdyo.toshkent@adliya.gov.uz", "https://adliya.uz/fhdyo", demoTashkent},
	{"fhdyo-chilonzor", "fhdyo-toshkent", KindDistrict, demoText{"Chilonzor tumani FHDYo boʻlimi", "Отдел ЗАГС Чиланзарского района", "Chilonzor District Civil Registry Office"},
		"+998 71 276 12 34", "chilonzor.fhdyo@adliya.gov.uz", "", demoTashkent},
	{"adliya-samarqand", "adliya", KindRegional, demoText{"Samarqand viloyati adliya boshqarmasi", "Управление юстиции Самаркандской области", "Samarkand Regional Department of Justice"},
		"+998 66 233 05 40", "samarqand@adliya.gov.uz", "", []string{"UZ-SA"}},
	{"dxa", "adliya", KindAgency, demoText{"Davlat xizmatlari agentligi", "Агентство государственных услуг", "Public Services Agency"},
		"+998 71 202 32 42", "info@dxa.gov.uz", "https://dxa.gov.uz", demoAllRegions},
	{"dxm-yunusobod", "dxa", KindDistrict, demoText{"Yunusobod tumani davlat xizmatlari markazi", "Центр государственных услуг Юнусабадского района", "Yunusobod District Public Services Centre"},
		"+998 71 235 60 70", "yunusobod@dxa.gov.uz", "", demoTashkent},
	{"soliq", "", KindCommittee, demoText{"Soliq qoʻmitasi", "Налоговый комитет", "Tax Committee"},
		"+998 71 244 98 98", "info@soliq.gov.uz", "https://soliq.uz", demoAllRegions},
	{"soliq-toshkent", "soliq", KindRegional, demoText{"Toshkent shahar soliq boshqarmasi", "Налоговое управление г. Ташкента", "Tashkent City Tax Department"},
		"+998 71 233 77 01", "toshkent@soliq.gov.uz", "", demoTashkent},
	{"iiv", "", KindMinistry, demoText{"Ichki ishlar vazirligi", "Министерство внутренних дел", "Ministry of Internal Affairs"},
		"+998 71 233 66 33", "info@iiv.gov.uz", "https://iiv.uz", demoAllRegions},
	{"iiv-migratsiya", "iiv", KindAgency, demoText{"Migratsiya va fuqarolikni rasmiylashtirish bosh boshqarmasi", "Главное управление миграции и оформления гражданства", "Main Department of Migration and Citizenship"},
		"+998 71 231 58 20", "migratsiya@iiv.gov.uz", "https://iiv.uz/migratsiya", demoAllRegions},
	{"iiv-yhxx", "iiv", KindAgency, demoText{"Yoʻl harakati xavfsizligi boshqarmasi", "Управление безопасности дорожного движения", "Road Safety Department"},
		"+998 71 233 11 02", "yhxx@iiv.gov.uz", "", demoAllRegions},
	{"iqtisodiyot", "", KindMinistry, demoText{"Iqtisodiyot va moliya vazirligi", "Министерство экономики и финансов", "Ministry of Economy and Finance"},
		"+998 71 239 12 32", "info@imv.gov.uz", "https://imv.uz", demoAllRegions},
	{"kadastr", "iqtisodiyot", KindAgency, demoText{"Kadastr agentligi", "Кадастровое агентство", "Cadastre Agency"},
		"+998 71 202 25 00", "info@kadastr.gov.uz", "https://kadastr.uz", demoAllRegions},
	{"kadastr-toshkent", "kadastr", KindRegional, demoText{"Toshkent shahar kadastr boshqarmasi", "Кадастровое управление г. Ташкента", "Tashkent City Cadastre Department"},
		"+998 71 254 10 40", "toshkent@kadastr.gov.uz", "", demoTashkent},
	{"pensiya-jamgarma", "iqtisodiyot", KindAgency, demoText{"Byudjetdan tashqari Pensiya jamgʻarmasi", "Внебюджетный Пенсионный фонд", "Off-Budget Pension Fund"},
		"+998 71 232 62 62", "info@pfru.gov.uz", "https://pfru.uz", demoAllRegions},
	{"pensiya-toshkent", "pensiya-jamgarma", KindRegional, demoText{"Pensiya jamgʻarmasining Toshkent shahar boshqarmasi", "Управление Пенсионного фонда г. Ташкента", "Pension Fund, Tashkent City Department"},
		"+998 71 232 40 18", "toshkent@pfru.gov.uz", "", demoTashkent},
	{"tibbiyot", "", KindMinistry, demoText{"Sogʻliqni saqlash vazirligi", "Министерство здравоохранения", "Ministry of Health"},
		"+998 71 239 47 92", "info@ssv.gov.uz", "https://ssv.uz", demoAllRegions},
	{"xalq-talimi", "", KindMinistry, demoText{"Maktabgacha va maktab taʼlimi vazirligi", "Министерство дошкольного и школьного образования", "Ministry of Preschool and School Education"},
		"+998 71 246 52 20", "info@uzedu.gov.uz", "https://uzedu.uz", demoAllRegions},
	{"xalq-talimi-toshkent", "xalq-talimi", KindRegional, demoText{"Toshkent shahar maktabgacha va maktab taʼlimi boshqarmasi", "Управление дошкольного и школьного образования г. Ташкента", "Tashkent City Department of Preschool and School Education"},
		"+998 71 244 30 15", "toshkent@uzedu.gov.uz", "", demoTashkent},
	{"mehnat", "", KindMinistry, demoText{"Kambagʻallikni qisqartirish va bandlik vazirligi", "Министерство по сокращению бедности и занятости", "Ministry of Poverty Reduction and Employment"},
		"+998 71 239 41 21", "info@mehnat.gov.uz", "https://mehnat.uz", demoAllRegions},
	{"ijtimoiy-himoya", "", KindAgency, demoText{"Ijtimoiy himoya milliy agentligi", "Национальное агентство социальной защиты", "National Agency for Social Protection"},
		"+998 71 203 11 55", "info@ijtimoiy.gov.uz", "https://ijtimoiy.gov.uz", demoAllRegions},
	{"qurilish", "", KindMinistry, demoText{"Qurilish va uy-joy kommunal xoʻjaligi vazirligi", "Министерство строительства и жилищно-коммунального хозяйства", "Ministry of Construction and Housing"},
		"+998 71 234 57 64", "info@mc.gov.uz", "https://mc.uz", demoAllRegions},
	{"arxiv", "", KindAgency, demoText{"«Oʻzarxiv» agentligi", "Агентство «Узархив»", "Uzarchive Agency"},
		"+998 71 239 44 15", "info@archive.gov.uz", "https://archive.uz", demoAllRegions},
	{"ekologiya", "", KindMinistry, demoText{"Ekologiya, atrof-muhitni muhofaza qilish va iqlim oʻzgarishi vazirligi", "Министерство экологии, охраны окружающей среды и изменения климата", "Ministry of Ecology, Environmental Protection and Climate Change"},
		"+998 71 207 07 70", "info@eco.gov.uz", "https://eco.gov.uz", demoAllRegions},
	{"transport", "", KindMinistry, demoText{"Transport vazirligi", "Министерство транспорта", "Ministry of Transport"},
		"+998 71 239 40 11", "info@mintrans.gov.uz", "https://mintrans.uz", demoAllRegions},
	{"hokimiyat-toshkent", "", KindRegional, demoText{"Toshkent shahar hokimligi", "Хокимият г. Ташкента", "Tashkent City Administration"},
		"+998 71 239 56 00", "info@tashkent.gov.uz", "https://tashkent.uz", demoTashkent},
	{"hokimiyat-chilonzor", "hokimiyat-toshkent", KindDistrict, demoText{"Chilonzor tumani hokimligi", "Хокимият Чиланзарского района", "Chilonzor District Administration"},
		"+998 71 276 04 44", "chilonzor@tashkent.gov.uz", "", demoTashkent},
	{"hokimiyat-yunusobod", "hokimiyat-toshkent", KindDistrict, demoText{"Yunusobod tumani hokimligi", "Хокимият Юнусабадского района", "Yunusobod District Administration"},
		"+998 71 224 18 19", "yunusobod@tashkent.gov.uz", "", demoTashkent},
}

// demoDocument is a document a service asks for; registry names the state
// register it is fetched from, or is empty when the applicant brings it.
type demoDocument struct {
	name     demoText
	registry string
}

var demoDocuments = map[string]demoDocument{
	// Held by the state ("once only").
	"passport":          {demoText{"Pasport yoki ID-karta maʼlumotlari", "Данные паспорта или ID-карты", "Passport or ID card details"}, "passports"},
	"birth-record":      {demoText{"Tugʻilganlik haqidagi dalolatnoma yozuvi", "Запись акта о рождении", "Birth record"}, "civil-registry"},
	"marriage-record":   {demoText{"Nikoh haqidagi dalolatnoma yozuvi", "Запись акта о браке", "Marriage record"}, "civil-registry"},
	"medical-birth":     {demoText{"Tugʻruqxonaning tugʻilish haqidagi maʼlumotnomasi", "Справка роддома о рождении", "Maternity hospital's notice of birth"}, "e-health"},
	"premarital-exam":   {demoText{"Nikohdan oldingi tibbiy koʻrik natijasi", "Результат добрачного обследования", "Pre-marriage medical check result"}, "e-health"},
	"health-card":       {demoText{"Bola salomatligi kartasi (026-shakl)", "Медицинская карта ребёнка (форма 026)", "Child health card (form 026)"}, "e-health"},
	"medical-file":      {demoText{"Tibbiy koʻrik va davolanish maʼlumotlari", "Сведения об обследованиях и лечении", "Medical examination and treatment records"}, "e-health"},
	"address":           {demoText{"Doimiy yashash joyi maʼlumotlari", "Сведения о месте постоянного проживания", "Registered address"}, "address-registry"},
	"property-title":    {demoText{"Koʻchmas mulkka boʻlgan huquq maʼlumotlari", "Сведения о праве на недвижимость", "Property title"}, "cadastre"},
	"land-title":        {demoText{"Yer uchastkasiga boʻlgan huquq maʼlumotlari", "Сведения о праве на земельный участок", "Land title"}, "cadastre"},
	"tax-id":            {demoText{"Soliq toʻlovchining identifikatsiya raqami (STIR)", "Идентификационный номер налогоплательщика (ИНН)", "Taxpayer identification number"}, "tax-registry"},
	"income":            {demoText{"Oila aʼzolarining daromadlari haqidagi maʼlumotlar", "Сведения о доходах членов семьи", "Household income"}, "tax-registry"},
	"business-record":   {demoText{"Tadbirkorlik subyektlari reyestridagi maʼlumotlar", "Сведения из реестра субъектов предпринимательства", "Business register entry"}, "business-registry"},
	"work-record":       {demoText{"Elektron mehnat daftarchasi maʼlumotlari", "Сведения электронной трудовой книжки", "Electronic employment record"}, "employment-records"},
	"pension-record":    {demoText{"Pensiya ishi maʼlumotlari", "Сведения пенсионного дела", "Pension file"}, "pension-fund"},
	"social-register":   {demoText{"«Ijtimoiy himoya yagona reyestri» maʼlumotlari", "Сведения «Единого реестра социальной защиты»", "Single Social Protection Register entry"}, "social-register"},
	"school-record":     {demoText{"Oʻquvchi haqidagi maʼlumotlar", "Сведения об ученике", "Pupil record"}, "education"},
	"vehicle-record":    {demoText{"Transport vositasi maʼlumotlari", "Сведения о транспортном средстве", "Vehicle record"}, "vehicles"},
	"driving-licence":   {demoText{"Haydovchilik guvohnomasi maʼlumotlari", "Сведения о водительском удостоверении", "Driving licence record"}, "driving-licences"},
	"court-decision":    {demoText{"Sud qarori (agar boʻlsa)", "Решение суда (если есть)", "Court decision (if any)"}, "courts"},
	"disability-record": {demoText{"Nogironlik haqidagi maʼlumotlar", "Сведения об инвалидности", "Disability record"}, "disability-register"},
	// Brought by the applicant.
	"photo":               {demoText{"Fotosurat (3×4 sm)", "Фотография 3×4 см", "Photograph, 3×4 cm"}, ""},
	"owner-consent":       {demoText{"Uy egasining roziligi", "Согласие владельца жилья", "The home owner's consent"}, ""},
	"contract":            {demoText{"Oldi-sotdi, hadya yoki meros hujjati", "Договор купли-продажи, дарения или документ о наследстве", "Deed of sale, gift or inheritance"}, ""},
	"charter":             {demoText{"Taʼsis hujjatlari (ustav)", "Учредительные документы (устав)", "Founding documents (charter)"}, ""},
	"design-docs":         {demoText{"Loyiha hujjatlari", "Проектная документация", "Design documents"}, ""},
	"site-plan":           {demoText{"Yer uchastkasining topografik rejasi", "Топографический план участка", "Topographic survey of the plot"}, ""},
	"driver-medical":      {demoText{"Tibbiy maʼlumotnoma (083-shakl)", "Медицинская справка (форма 083)", "Medical certificate (form 083)"}, ""},
	"archive-request":     {demoText{"Ish joyi va yillari koʻrsatilgan soʻrov", "Запрос с указанием места и лет работы", "Request naming the employer and the years"}, ""},
	"founders-decision":   {demoText{"Taʼsischilarning tugatish haqidagi qarori", "Решение учредителей о ликвидации", "Founders' decision to wind up"}, ""},
	"liquidation-balance": {demoText{"Tugatish balansi", "Ликвидационный баланс", "Final balance sheet"}, ""},
	"cash-register":       {demoText{"Nazorat-kassa mashinasi maʼlumotlari", "Сведения о контрольно-кассовой машине", "Cash register details"}, ""},
	"bank-card":           {demoText{"Bank kartasi raqami", "Номер банковской карты", "Bank card number"}, ""},
	"source-document":     {demoText{"Apostil qoʻyiladigan hujjat asli", "Оригинал документа для апостиля", "The original document"}, ""},
}

// demoExemptions are who pays no fee.
var demoExemptions = map[string]demoText{
	"disabled1": {"I guruh nogironligi boʻlgan shaxslar", "Лица с инвалидностью I группы", "Persons with group I disabilities"},
	"disabled":  {"I va II guruh nogironligi boʻlgan shaxslar", "Лица с инвалидностью I и II группы", "Persons with group I and II disabilities"},
	"veterans":  {"1941–1945-yillardagi urush qatnashchilari va nogironlari", "Участники и инвалиды войны 1941–1945 годов", "Veterans and disabled veterans of the 1941–1945 war"},
	"pension":   {"Pensiya tayinlash uchun soʻralgan maʼlumotnomalar", "Справки, запрошенные для назначения пенсии", "Certificates requested for a pension claim"},
}

// demoAct is a legal basis. Titles, numbers and dates are demo values,
// written to look like Uzbek legislation; they are not citations.
type demoAct struct {
	title  demoText
	number string
	date   string // 2006-01-02
}

var demoActs = map[string]demoAct{
	"civil":       {demoText{"Fuqarolik holati dalolatlari toʻgʻrisidagi Qonun", "Закон «Об актах гражданского состояния»", "Civil Status Records Act"}, "ZRU-683", "2021-04-20"},
	"duty":        {demoText{"Davlat boji toʻgʻrisidagi Qonun", "Закон «О государственной пошлине»", "State Duty Act"}, "ZRU-600", "2020-01-06"},
	"family":      {demoText{"Oʻzbekiston Respublikasining Oila kodeksi", "Семейный кодекс Республики Узбекистан", "Family Code"}, "607-I", "1998-04-30"},
	"allowance":   {demoText{"Kam taʼminlangan oilalarga ijtimoiy nafaqa tayinlash tartibi toʻgʻrisidagi Nizom", "Положение о порядке назначения социальных пособий малообеспеченным семьям", "Regulation on social allowances for low-income families"}, "VMQ-3", "2022-01-05"},
	"education":   {demoText{"Taʼlim toʻgʻrisidagi Qonun", "Закон «Об образовании»", "Education Act"}, "ZRU-637", "2020-09-23"},
	"health":      {demoText{"Fuqarolar sogʻligʻini saqlash toʻgʻrisidagi Qonun", "Закон «Об охране здоровья граждан»", "Public Health Act"}, "265-I", "1996-08-29"},
	"sanitary":    {demoText{"Aholining sanitariya-epidemiologik osoyishtaligi toʻgʻrisidagi Qonun", "Закон «О санитарно-эпидемиологическом благополучии населения»", "Sanitary and Epidemiological Welfare Act"}, "ZRU-393", "2015-08-26"},
	"residence":   {demoText{"Fuqarolarni yashash joyi va turgan joyi boʻyicha roʻyxatga olish tartibi toʻgʻrisidagi Nizom", "Положение о регистрации граждан по месту жительства и пребывания", "Regulation on registering residents by address"}, "VMQ-408", "2020-07-03"},
	"id-card":     {demoText{"Oʻzbekiston Respublikasi fuqarosining ID-kartasi toʻgʻrisidagi Nizom", "Положение об ID-карте гражданина Республики Узбекистан", "Regulation on the citizen's ID card"}, "PF-5420", "2019-07-01"},
	"cadastre":    {demoText{"Koʻchmas mulkka boʻlgan huquqlarni davlat roʻyxatidan oʻtkazish toʻgʻrisidagi Qonun", "Закон «О государственной регистрации прав на недвижимость»", "Property Rights Registration Act"}, "ZRU-755", "2022-02-14"},
	"tax":         {demoText{"Oʻzbekiston Respublikasining Soliq kodeksi", "Налоговый кодекс Республики Узбекистан", "Tax Code"}, "ZRU-599", "2019-12-30"},
	"pension":     {demoText{"Fuqarolarning davlat pensiya taʼminoti toʻgʻrisidagi Qonun", "Закон «О государственном пенсионном обеспечении граждан»", "State Pensions Act"}, "938-XII", "1993-09-03"},
	"employment":  {demoText{"Aholini ish bilan taʼminlash toʻgʻrisidagi Qonun", "Закон «О занятости населения»", "Employment Act"}, "ZRU-642", "2020-10-20"},
	"archive":     {demoText{"Arxiv ishi toʻgʻrisidagi Qonun", "Закон «Об архивном деле»", "Archives Act"}, "ZRU-252", "2010-06-15"},
	"business":    {demoText{"Tadbirkorlik subyektlarini davlat roʻyxatidan oʻtkazish tartibi toʻgʻrisidagi Nizom", "Положение о порядке государственной регистрации субъектов предпринимательства", "Regulation on registering businesses"}, "VMQ-66", "2017-02-09"},
	"licensing":   {demoText{"Ruxsat berish tartib-taomillari toʻgʻrisidagi Qonun", "Закон «О разрешительных процедурах»", "Permits and Licensing Act"}, "ZRU-701", "2021-07-14"},
	"urban":       {demoText{"Oʻzbekiston Respublikasining Shaharsozlik kodeksi", "Градостроительный кодекс Республики Узбекистан", "Urban Planning Code"}, "ZRU-886", "2024-01-10"},
	"permit":      {demoText{"Qurilish ruxsatnomasini berish tartibi toʻgʻrisidagi Nizom", "Положение о порядке выдачи разрешений на строительство", "Regulation on building permits"}, "VMQ-1050", "2020-12-29"},
	"ecology":     {demoText{"Ekologik ekspertiza toʻgʻrisidagi Qonun", "Закон «Об экологической экспертизе»", "Environmental Review Act"}, "73-II", "2000-05-25"},
	"transport":   {demoText{"Avtomobil transporti toʻgʻrisidagi Qonun", "Закон «Об автомобильном транспорте»", "Road Transport Act"}, "ZRU-812", "2023-01-18"},
	"traffic":     {demoText{"Yoʻl harakati xavfsizligi toʻgʻrisidagi Qonun", "Закон «О безопасности дорожного движения»", "Road Safety Act"}, "ZRU-501", "2018-10-11"},
	"police":      {demoText{"Ichki ishlar organlari toʻgʻrisidagi Qonun", "Закон «Об органах внутренних дел»", "Internal Affairs Bodies Act"}, "ZRU-407", "2016-09-16"},
	"disability":  {demoText{"Nogironligi boʻlgan shaxslarning huquqlari toʻgʻrisidagi Qonun", "Закон «О правах лиц с инвалидностью»", "Rights of Persons with Disabilities Act"}, "ZRU-641", "2020-10-15"},
	"procurement": {demoText{"Davlat xaridlari toʻgʻrisidagi Qonun", "Закон «О государственных закупках»", "Public Procurement Act"}, "ZRU-684", "2021-04-22"},
	"land":        {demoText{"Yer uchastkalarini elektron auksion orqali berish tartibi toʻgʻrisidagi Nizom", "Положение о предоставлении земельных участков через электронный аукцион", "Regulation on land auctions"}, "VMQ-345", "2021-06-07"},
	"housing":     {demoText{"Oʻzbekiston Respublikasining Uy-joy kodeksi", "Жилищный кодекс Республики Узбекистан", "Housing Code"}, "713-I", "1998-12-24"},
	"services":    {demoText{"Davlat xizmatlari koʻrsatish tizimini isloh qilish chora-tadbirlari toʻgʻrisidagi Farmon", "Указ «О мерах по реформированию системы оказания государственных услуг»", "Decree on reforming public service delivery"}, "PF-5278", "2017-12-12"},
	"apostille":   {demoText{"Chet el rasmiy hujjatlarini legallashtirish talabini bekor qiluvchi Konvensiya", "Конвенция, отменяющая требование легализации иностранных официальных документов", "Convention Abolishing the Requirement of Legalisation for Foreign Public Documents"}, "Gaaga, 1961", "1961-10-05"},
}

// demoService is one service in short form. events, with (participating
// agencies), docs and laws are space-separated keys; ch lists the channels
// by letter: p portal, m mobile app, s public services centre, o the
// agency's office. A fee is bca (a multiple of the base calculation amount)
// or sum (soʻm), free when both are zero; exempt names demoExemptions.
type demoService struct {
	code, agency, with, rcp, cat, events string
	name, desc, result                   demoText
	bca                                  float64
	sum                                  int64
	exempt                               string
	days                                 int
	docs, laws, ch                       string
	level                                Level
	status                               Status
}

var demoServices = []demoService{
	// Birth of a child.
	{code: "birth-registration", agency: "adliya", with: "tibbiyot", rcp: "citizen", cat: "civil-registry", events: "birth-of-a-child",
		name:   demoText{"Bola tugʻilishini qayd etish", "Регистрация рождения ребёнка", "Registering a child's birth"},
		desc:   demoText{"Bola tugʻilganini roʻyxatdan oʻtkazing va guvohnoma oling. Tugʻruqxona maʼlumotlari va nikoh yozuvi tizimdan oʻzi olinadi.", "Зарегистрируйте рождение ребёнка и получите свидетельство. Сведения роддома и запись о браке система найдёт сама.", "Register your baby's birth and get the certificate. The hospital's notice and your marriage record are fetched for you."},
		result: demoText{"Tugʻilganlik haqidagi guvohnoma", "Свидетельство о рождении", "Birth certificate"},
		days:   1, docs: "passport marriage-record medical-birth", laws: "civil", ch: "pmso", level: 4, status: StatusLive},
	{code: "birth-certificate-duplicate", agency: "adliya", rcp: "citizen", cat: "civil-registry", events: "birth-of-a-child",
		name:   demoText{"Tugʻilganlik haqidagi guvohnomaning takroriy nusxasi", "Повторное свидетельство о рождении", "Duplicate birth certificate"},
		desc:   demoText{"Guvohnoma yoʻqolgan yoki yaroqsiz boʻlib qolgan boʻlsa, uning oʻrniga yangisini buyurtma qiling.", "Если свидетельство утеряно или испорчено, закажите взамен новое.", "Order a new birth certificate if the old one is lost or damaged."},
		result: demoText{"Tugʻilganlik haqidagi takroriy guvohnoma", "Повторное свидетельство о рождении", "Duplicate birth certificate"},
		bca:    0.1, exempt: "disabled1", days: 3, docs: "passport birth-record", laws: "civil duty", ch: "pms", level: 4, status: StatusLive},
	{code: "child-allowance", agency: "ijtimoiy-himoya", rcp: "citizen", cat: "social", events: "birth-of-a-child",
		name:   demoText{"Bolalar nafaqasi", "Пособие на детей", "Child allowance"},
		desc:   demoText{"Kam taʼminlangan oilalar 18 yoshgacha boʻlgan bolalar uchun har oy nafaqa oladi. Oila daromadi tizimda oʻzi tekshiriladi.", "Малообеспеченные семьи получают ежемесячное пособие на детей до 18 лет. Доходы семьи проверяются автоматически.", "Low-income families get a monthly allowance for children under 18. Your household income is checked automatically."},
		result: demoText{"Nafaqa tayinlash haqida qaror", "Решение о назначении пособия", "Decision on the allowance"},
		days:   10, docs: "passport birth-record social-register income", laws: "allowance", ch: "pms", level: 4, status: StatusLive},
	{code: "kindergarten-queue", agency: "xalq-talimi", rcp: "citizen", cat: "education", events: "birth-of-a-child going-to-school",
		name:   demoText{"Davlat bogʻchasiga navbatga yozilish", "Постановка в очередь в государственный детский сад", "Joining the waiting list for a state kindergarten"},
		desc:   demoText{"Farzandingizni uyingizga yaqin bogʻchaga navbatga qoʻying va navbatni telefonda kuzatib boring.", "Поставьте ребёнка в очередь в детский сад рядом с домом и следите за очередью в телефоне.", "Put your child on the list for a kindergarten near home and follow your place in the queue on your phone."},
		result: demoText{"Navbat raqami, soʻng bogʻchaga yoʻllanma", "Номер в очереди, затем направление в детский сад", "A place in the queue, then a kindergarten referral"},
		days:   1, docs: "passport birth-record address", laws: "education", ch: "pm", level: 4, status: StatusLive},
	{code: "childcare-allowance", agency: "ijtimoiy-himoya", rcp: "citizen", cat: "social", events: "birth-of-a-child",
		name:   demoText{"Bolani parvarishlash nafaqasi", "Пособие по уходу за ребёнком", "Childcare allowance"},
		desc:   demoText{"Bola ikki yoshga toʻlguncha uni parvarish qilayotgan ota yoki onaga har oy nafaqa toʻlanadi.", "Ежемесячное пособие матери или отцу, которые ухаживают за ребёнком до двух лет.", "A monthly allowance for a parent caring for a child under two."},
		result: demoText{"Nafaqa tayinlash haqida qaror", "Решение о назначении пособия", "Decision on the allowance"},
		days:   10, docs: "passport birth-record work-record", laws: "allowance", ch: "pms", level: 3, status: StatusLive},
	{code: "newborn-clinic-registration", agency: "tibbiyot", rcp: "citizen", cat: "health", events: "birth-of-a-child",
		name:   demoText{"Chaqaloqni oilaviy poliklinikaga biriktirish", "Прикрепление новорождённого к семейной поликлинике", "Registering a newborn with a family clinic"},
		desc:   demoText{"Tugʻilish qayd etilgach, chaqaloq yashash joyingizdagi poliklinikaga oʻzi biriktiriladi, ariza kerak emas.", "После регистрации рождения малыш сам прикрепляется к поликлинике по месту жительства, заявление не нужно.", "Once the birth is registered, your baby joins your local clinic automatically; no application is needed."},
		result: demoText{"Poliklinikaga biriktirilgani haqida xabar", "Уведомление о прикреплении к поликлинике", "Notice of clinic registration"},
		days:   1, docs: "birth-record address", laws: "health", ch: "pm", level: 5, status: StatusLive},
	{code: "newborn-address-registration", agency: "iiv-migratsiya", rcp: "citizen", cat: "residence", events: "birth-of-a-child",
		name:   demoText{"Chaqaloqni yashash joyi boʻyicha roʻyxatga qoʻyish", "Регистрация новорождённого по месту жительства", "Registering a newborn at the family address"},
		desc:   demoText{"Chaqaloq ota-onasidan biri yashaydigan manzil boʻyicha avtomatik roʻyxatga qoʻyiladi.", "Новорождённый автоматически регистрируется по адресу одного из родителей.", "Your baby is registered at a parent's address automatically."},
		result: demoText{"Roʻyxatga qoʻyilgani haqida xabar", "Уведомление о регистрации", "Registration notice"},
		days:   1, docs: "birth-record address", laws: "residence", ch: "pm", level: 5, status: StatusLive},
	{code: "family-material-assistance", agency: "ijtimoiy-himoya", rcp: "citizen", cat: "social",
		name:   demoText{"Kam taʼminlangan oilalarga moddiy yordam", "Материальная помощь малообеспеченным семьям", "Financial help for low-income families"},
		desc:   demoText{"Oilangiz «Ijtimoiy himoya yagona reyestri»ga kiritilsa, yordam ariza bermasdan tayinlanadi.", "Если семья внесена в «Единый реестр социальной защиты», помощь назначается без заявления.", "If your family is in the Single Social Protection Register, help is granted without an application."},
		result: demoText{"Moddiy yordam tayinlash haqida qaror", "Решение о назначении помощи", "Decision on financial help"},
		days:   10, docs: "passport social-register income", laws: "allowance", ch: "pms", level: 5, status: StatusLive},

	// Going to school.
	{code: "school-enrolment", agency: "xalq-talimi", rcp: "citizen", cat: "education", events: "going-to-school",
		name:   demoText{"Birinchi sinfga qabul", "Приём в первый класс", "Enrolling in the first grade"},
		desc:   demoText{"Farzandingizni uyingizga yaqin maktabning birinchi sinfiga yozing; javob SMS orqali keladi.", "Запишите ребёнка в первый класс школы рядом с домом; ответ придёт в SMS.", "Enrol your child in the first grade of a school near home; the answer comes by text message."},
		result: demoText{"Maktabga qabul qilingani haqida xabarnoma", "Уведомление о зачислении в школу", "Notice of admission"},
		days:   10, docs: "passport birth-record address health-card", laws: "education", ch: "pms", level: 4, status: StatusLive},
	{code: "school-transfer", agency: "xalq-talimi-toshkent", rcp: "citizen", cat: "education", events: "going-to-school moving-home",
		name:   demoText{"Boshqa maktabga oʻtkazish", "Перевод в другую школу", "Moving to another school"},
		desc:   demoText{"Koʻchganda yoki boshqa sabab bilan farzandingizni boshqa maktabga oʻtkazing; hujjatlarini maktablar oʻzi almashadi.", "Переведите ребёнка в другую школу при переезде или по другой причине; документы школы передадут сами.", "Move your child to another school when you move home or for another reason; the schools pass the records between them."},
		result: demoText{"Yangi maktabga qabul haqida xabarnoma", "Уведомление о зачислении в новую школу", "Notice of admission to the new school"},
		days:   3, docs: "passport birth-record school-record", laws: "education", ch: "pms", level: 3, status: StatusLive},
	{code: "school-health-card", agency: "tibbiyot", rcp: "citizen", cat: "health", events: "going-to-school",
		name:   demoText{"Maktab uchun tibbiy karta (026-shakl)", "Медицинская карта для школы (форма 026)", "School health card (form 026)"},
		desc:   demoText{"Bolani oilaviy poliklinikada koʻrikdan oʻtkazing; shifokorlar maktab uchun tibbiy kartani toʻldiradi.", "Пройдите с ребёнком осмотр в семейной поликлинике; врачи заполнят медицинскую карту для школы.", "Take your child for a check-up at the family clinic; the doctors fill in the school health card."},
		result: demoText{"026-shakldagi tibbiy karta", "Медицинская карта формы 026", "Health card, form 026"},
		days:   5, docs: "birth-record", laws: "health", ch: "so", level: 2, status: StatusLive},
	{code: "after-school-clubs", agency: "xalq-talimi-toshkent", rcp: "citizen", cat: "education", events: "going-to-school",
		name:   demoText{"«Barkamol avlod» toʻgaraklariga yozilish", "Запись в кружки «Баркамол авлод»", "Signing up for «Barkamol avlod» clubs"},
		desc:   demoText{"Farzandingizni bepul sport, sanʼat yoki texnika toʻgaragiga yozing.", "Запишите ребёнка в бесплатный спортивный, творческий или технический кружок.", "Sign your child up for a free sports, arts or technology club."},
		result: demoText{"Toʻgarakka qabul haqida xabar", "Уведомление о записи в кружок", "Confirmation of a place in the club"},
		days:   1, docs: "birth-record school-record", laws: "education", ch: "pm", level: 4, status: StatusLive},
	{code: "school-attendance-certificate", agency: "xalq-talimi", rcp: "citizen", cat: "education", events: "going-to-school",
		name:   demoText{"Maktabda oʻqishi haqida maʼlumotnoma", "Справка об обучении в школе", "Certificate of school attendance"},
		desc:   demoText{"Farzandingiz maktabda oʻqishini tasdiqlovchi maʼlumotnomani darhol yuklab oling.", "Сразу скачайте справку о том, что ребёнок учится в школе.", "Download a certificate that your child attends school, straight away."},
		result: demoText{"Elektron maʼlumotnoma", "Электронная справка", "Electronic certificate"},
		days:   1, docs: "birth-record school-record", laws: "education", ch: "pm", level: 4, status: StatusLive},
	{code: "school-certificate-duplicate", agency: "xalq-talimi", rcp: "citizen", cat: "education", events: "going-to-school",
		name:   demoText{"Umumiy oʻrta taʼlim haqidagi attestat dublikati", "Дубликат аттестата об общем среднем образовании", "Duplicate school-leaving certificate"},
		desc:   demoText{"Attestat yoʻqolgan boʻlsa, bitirgan maktabingiz orqali uning dublikatini oling.", "Если аттестат утерян, получите дубликат через школу, которую вы окончили.", "If your school-leaving certificate is lost, get a duplicate through the school you finished."},
		result: demoText{"Attestat dublikati", "Дубликат аттестата", "Duplicate certificate"},
		bca:    0.2, days: 15, docs: "passport school-record photo", laws: "education duty", ch: "ps", level: 2, status: StatusDigitising},

	// Marriage.
	{code: "marriage-registration", agency: "adliya", with: "tibbiyot", rcp: "citizen", cat: "civil-registry", events: "marriage",
		name:   demoText{"Nikohni qayd etish", "Регистрация брака", "Registering a marriage"},
		desc:   demoText{"Ariza bering va nikoh qayd etiladigan kun va joyni tanlang. Kelin va kuyov FHDYo boʻlimiga birga keladi.", "Подайте заявление и выберите день и место регистрации. В отдел ЗАГС будущие супруги приходят вместе.", "Apply and choose the day and place. The couple come to the registry office together."},
		result: demoText{"Nikoh haqidagi guvohnoma", "Свидетельство о заключении брака", "Marriage certificate"},
		bca:    1, days: 30, docs: "passport premarital-exam", laws: "family civil duty", ch: "pmso", level: 3, status: StatusLive},
	{code: "premarital-medical-check", agency: "tibbiyot", rcp: "citizen", cat: "health", events: "marriage",
		name:   demoText{"Nikohdan oldingi tibbiy koʻrik", "Добрачное медицинское обследование", "Pre-marriage medical check"},
		desc:   demoText{"Nikohdan oldin ikkalangiz bepul tibbiy koʻrikdan oʻtasiz; natija FHDYo boʻlimiga oʻzi yuboriladi.", "Перед регистрацией брака оба проходят бесплатное обследование; результат передаётся в ЗАГС сам.", "Before the wedding you both have a free medical check; the result is sent to the registry office for you."},
		result: demoText{"Tibbiy koʻrikdan oʻtgani haqida maʼlumotnoma", "Справка о прохождении обследования", "Certificate of the medical check"},
		days:   5, docs: "passport", laws: "family health", ch: "pso", level: 3, status: StatusLive},
	{code: "marriage-certificate-duplicate", agency: "adliya", rcp: "citizen", cat: "civil-registry", events: "marriage",
		name:   demoText{"Nikoh haqidagi guvohnomaning takroriy nusxasi", "Повторное свидетельство о браке", "Duplicate marriage certificate"},
		desc:   demoText{"Nikoh guvohnomasi yoʻqolgan yoki buzilgan boʻlsa, yangisini buyurtma qiling.", "Закажите новое свидетельство о браке взамен утерянного или испорченного.", "Order a new marriage certificate if the old one is lost or damaged."},
		result: demoText{"Nikoh haqidagi takroriy guvohnoma", "Повторное свидетельство о браке", "Duplicate marriage certificate"},
		bca:    0.1, exempt: "disabled1", days: 3, docs: "passport marriage-record", laws: "civil duty", ch: "pms", level: 4, status: StatusLive},
	{code: "name-change", agency: "adliya", rcp: "citizen", cat: "civil-registry", events: "marriage",
		name:   demoText{"Familiya, ism yoki otasining ismini oʻzgartirish", "Перемена фамилии, имени или отчества", "Changing your surname, first name or patronymic"},
		desc:   demoText{"Familiyangiz, ismingiz yoki otangizning ismini oʻzgartirish uchun ariza bering; yangi guvohnomalar beriladi.", "Подайте заявление о перемене фамилии, имени или отчества; вам выдадут новые свидетельства.", "Apply to change your surname, first name or patronymic; you get new certificates."},
		result: demoText{"Ism oʻzgartirilgani haqida guvohnoma", "Свидетельство о перемене имени", "Certificate of name change"},
		bca:    1, days: 30, docs: "passport birth-record marriage-record", laws: "civil duty", ch: "pso", level: 3, status: StatusLive},
	{code: "id-card-replacement", agency: "iiv-migratsiya", rcp: "citizen", cat: "identity", events: "marriage",
		name:   demoText{"Familiya oʻzgarganda ID-kartani almashtirish", "Замена ID-карты при смене фамилии", "Replacing your ID card after a name change"},
		desc:   demoText{"Nikohdan keyin familiyangiz oʻzgargan boʻlsa, yangi ID-karta uchun ariza bering.", "Если после брака вы сменили фамилию, подайте заявление на новую ID-карту.", "If you changed your surname after marrying, apply for a new ID card."},
		result: demoText{"Yangi ID-karta", "Новая ID-карта", "New ID card"},
		sum:    60000, days: 10, docs: "passport marriage-record photo", laws: "id-card", ch: "pms", level: 3, status: StatusLive},
	{code: "divorce-registration", agency: "adliya", rcp: "citizen", cat: "civil-registry", events: "marriage",
		name:   demoText{"Nikohdan ajralishni qayd etish", "Регистрация расторжения брака", "Registering a divorce"},
		desc:   demoText{"Sud qarori yoki ikkala tomonning roziligi bilan nikohdan ajralishni qayd ettiring.", "Зарегистрируйте расторжение брака по решению суда или по обоюдному согласию.", "Register a divorce on a court decision or by mutual consent."},
		result: demoText{"Nikohdan ajralish haqidagi guvohnoma", "Свидетельство о расторжении брака", "Divorce certificate"},
		bca:    1, days: 30, docs: "passport marriage-record court-decision", laws: "family civil duty", ch: "so", level: 2, status: StatusDigitising},

	// Moving home.
	{code: "residence-registration-change", agency: "iiv-migratsiya", with: "kadastr", rcp: "citizen", cat: "residence", events: "moving-home",
		name:   demoText{"Yangi manzil boʻyicha doimiy roʻyxatdan oʻtish", "Регистрация по новому месту жительства", "Registering your new permanent address"},
		desc:   demoText{"Yangi uyga koʻchganingizda yashash manzilingizni oʻzgartiring. Uy egasi rozilik beradi; mulk maʼlumotlari kadastrdan olinadi.", "При переезде смените адрес регистрации. Нужно согласие владельца жилья; сведения о собственности берутся из кадастра.", "Change your registered address when you move. The owner gives consent; the property details come from the cadastre."},
		result: demoText{"Yangi manzil ID-karta maʼlumotlariga kiritiladi", "Новый адрес вносится в данные ID-карты", "The new address is added to your ID card record"},
		bca:    0.5, exempt: "disabled1", days: 3, docs: "passport address property-title owner-consent", laws: "residence duty", ch: "pmso", level: 4, status: StatusLive},
	{code: "temporary-registration", agency: "iiv-migratsiya", rcp: "citizen", cat: "residence", events: "moving-home",
		name:   demoText{"Vaqtincha roʻyxatga olish", "Временная регистрация", "Temporary registration"},
		desc:   demoText{"Boshqa shahar yoki tumanda vaqtincha yashasangiz, u yerda vaqtincha roʻyxatdan oʻting.", "Если вы временно живёте в другом городе или районе, оформите там временную регистрацию.", "If you are living in another town or district for a while, register there temporarily."},
		result: demoText{"Vaqtincha roʻyxatga olingani haqida maʼlumotnoma", "Справка о временной регистрации", "Temporary registration certificate"},
		bca:    0.1, days: 1, docs: "passport property-title owner-consent", laws: "residence", ch: "pms", level: 4, status: StatusLive},
	{code: "address-certificate", agency: "iiv-migratsiya", rcp: "citizen", cat: "residence", events: "moving-home",
		name:   demoText{"Yashash joyidan maʼlumotnoma", "Справка с места жительства", "Proof of address"},
		desc:   demoText{"Qayerda roʻyxatda turganingiz va siz bilan kimlar yashashini koʻrsatuvchi maʼlumotnomani oling.", "Получите справку о месте регистрации и о том, кто живёт вместе с вами.", "Get a certificate of your registered address and who lives there with you."},
		result: demoText{"Elektron maʼlumotnoma", "Электронная справка", "Electronic certificate"},
		days:   1, docs: "passport address", laws: "residence", ch: "pm", level: 4, status: StatusLive},
	{code: "utility-account-transfer", agency: "hokimiyat-toshkent", rcp: "citizen", cat: "housing", events: "moving-home",
		name:   demoText{"Kommunal hisobvaraqlarni yangi egaga oʻtkazish", "Переоформление коммунальных лицевых счетов", "Moving utility accounts to the new owner"},
		desc:   demoText{"Uy sotib olsangiz, elektr, gaz, suv va chiqindi hisobvaraqlarini bitta ariza bilan oʻz nomingizga oʻtkazing.", "Купив жильё, переоформите счета за свет, газ, воду и вывоз мусора одним заявлением.", "When you buy a home, move the electricity, gas, water and waste accounts into your name with one application."},
		result: demoText{"Yangi shaxsiy hisobvaraq raqamlari", "Номера новых лицевых счетов", "New account numbers"},
		days:   5, docs: "passport property-title", laws: "housing", ch: "pms", level: 3, status: StatusLive},
	{code: "property-registration", agency: "kadastr", rcp: "both", cat: "property", events: "moving-home",
		name:   demoText{"Koʻchmas mulkka boʻlgan huquqni roʻyxatdan oʻtkazish", "Регистрация права на недвижимость", "Registering ownership of property"},
		desc:   demoText{"Uy yoki kvartirani sotib olsangiz, hadya yoki meros sifatida olsangiz, mulk huquqini roʻyxatdan oʻtkazing.", "Зарегистрируйте право собственности на купленный, подаренный или унаследованный дом или квартиру.", "Register your ownership of a house or flat you bought, were given or inherited."},
		result: demoText{"Koʻchmas mulk reyestridan koʻchirma", "Выписка из реестра недвижимости", "Extract from the property register"},
		bca:    1, exempt: "veterans", days: 5, docs: "passport contract tax-id", laws: "cadastre duty", ch: "pms", level: 4, status: StatusLive},
	{code: "property-register-extract", agency: "kadastr", rcp: "both", cat: "property", events: "moving-home building-permit",
		name:   demoText{"Koʻchmas mulk reyestridan koʻchirma", "Выписка из реестра недвижимости", "Property register extract"},
		desc:   demoText{"Uy yoki yer kimga tegishli ekani va unga taqiq qoʻyilmaganini koʻrsatuvchi koʻchirmani oling.", "Получите выписку о том, кому принадлежит дом или участок и нет ли на нём запретов.", "Get an extract showing who owns a home or plot and whether any restrictions apply."},
		result: demoText{"Elektron koʻchirma", "Электронная выписка", "Electronic extract"},
		bca:    0.1, days: 1, docs: "passport property-title", laws: "cadastre", ch: "pm", level: 4, status: StatusLive},
	{code: "cadastral-passport", agency: "kadastr-toshkent", rcp: "citizen", cat: "property", events: "moving-home building-permit",
		name:   demoText{"Uy-joyning kadastr pasportini tayyorlash", "Изготовление кадастрового паспорта жилья", "Cadastral passport for a home"},
		desc:   demoText{"Mutaxassis uyingizni oʻlchab, kadastr pasportini tayyorlaydi; u sotish va qayta qurish uchun kerak.", "Специалист обмерит жильё и подготовит кадастровый паспорт; он нужен для продажи и перепланировки.", "A surveyor measures your home and draws up its cadastral passport, which you need to sell or alter it."},
		result: demoText{"Kadastr pasporti", "Кадастровый паспорт", "Cadastral passport"},
		sum:    150000, days: 10, docs: "passport property-title", laws: "cadastre", ch: "pso", level: 3, status: StatusLive},
	{code: "property-tax-notice", agency: "soliq", rcp: "citizen", cat: "taxes", events: "moving-home",
		name:   demoText{"Mol-mulk va yer soligʻi boʻyicha xabarnoma", "Уведомление по налогу на имущество и земельному налогу", "Property and land tax notice"},
		desc:   demoText{"Soliq qoʻmitasi har yili soligʻingizni oʻzi hisoblab, xabarnomani shaxsiy kabinetingizga yuboradi.", "Налоговый комитет ежегодно сам рассчитывает налог и присылает уведомление в личный кабинет.", "Each year the Tax Committee works out your tax and sends the notice to your personal account."},
		result: demoText{"Soliq xabarnomasi", "Налоговое уведомление", "Tax notice"},
		days:   1, docs: "property-title tax-id", laws: "tax", ch: "pm", level: 5, status: StatusLive},
	{code: "waste-collection-contract", agency: "ekologiya", rcp: "citizen", cat: "housing", events: "moving-home",
		name:   demoText{"Maishiy chiqindini olib chiqish shartnomasi", "Договор на вывоз бытовых отходов", "Household waste collection contract"},
		desc:   demoText{"Yangi manzilingizdan chiqindi olib chiqilishi uchun onlayn shartnoma tuzing.", "Заключите онлайн договор на вывоз мусора по новому адресу.", "Sign an online contract for waste collection at your new address."},
		result: demoText{"Elektron shartnoma", "Электронный договор", "Electronic contract"},
		days:   3, docs: "passport address", laws: "housing", ch: "pm", level: 4, status: StatusLive},

	// Retirement.
	{code: "old-age-pension", agency: "pensiya-jamgarma", with: "mehnat", rcp: "citizen", cat: "social", events: "retirement",
		name:   demoText{"Yoshga doir pensiya tayinlash", "Назначение пенсии по возрасту", "Old-age pension"},
		desc:   demoText{"Pensiya yoshiga yetganingizda pensiya arizasiz tayinlanadi: ish stajingiz va ish haqingiz tizimdan olinadi.", "Когда вы достигнете пенсионного возраста, пенсия назначается без заявления: стаж и заработок берутся из системы.", "When you reach pension age, your pension is granted without an application, from the work record and earnings the state holds."},
		result: demoText{"Pensiya tayinlash haqida qaror", "Решение о назначении пенсии", "Pension decision"},
		days:   10, docs: "passport work-record pension-record", laws: "pension", ch: "pmso", level: 5, status: StatusLive},
	{code: "pension-calculation-statement", agency: "pensiya-jamgarma", rcp: "citizen", cat: "social", events: "retirement",
		name:   demoText{"Pensiya miqdori hisob-kitobi haqida maʼlumotnoma", "Справка о расчёте размера пенсии", "Pension calculation statement"},
		desc:   demoText{"Pensiyangiz qanday hisoblanganini – staj, ish haqi va qoʻshimchalarni koʻrsatuvchi maʼlumotnomani oling.", "Получите справку о том, как рассчитана ваша пенсия: стаж, заработок и надбавки.", "Get a statement showing how your pension was worked out: years of work, earnings and supplements."},
		result: demoText{"Elektron maʼlumotnoma", "Электронная справка", "Electronic statement"},
		days:   1, docs: "passport pension-record", laws: "pension", ch: "pms", level: 4, status: StatusLive},
	{code: "employment-record-extract", agency: "mehnat", rcp: "citizen", cat: "social", events: "retirement",
		name:   demoText{"Elektron mehnat daftarchasidan koʻchirma", "Выписка из электронной трудовой книжки", "Employment record extract"},
		desc:   demoText{"Qayerda va qachon ishlaganingizni koʻrsatuvchi koʻchirmani yuklab oling; u pensiya va kredit uchun kerak boʻladi.", "Скачайте выписку о местах и сроках работы; она нужна для пенсии и кредита.", "Download a record of where and when you worked, useful for your pension or a loan."},
		result: demoText{"Elektron koʻchirma", "Электронная выписка", "Electronic extract"},
		days:   1, docs: "passport work-record", laws: "employment", ch: "pm", level: 4, status: StatusLive},
	{code: "archival-certificate", agency: "arxiv", rcp: "citizen", cat: "archive", events: "retirement",
		name:   demoText{"Arxiv maʼlumotnomasi (ish staji, ish haqi)", "Архивная справка (стаж, заработная плата)", "Archival certificate (employment, pay)"},
		desc:   demoText{"Korxona yopilgan boʻlsa ham, u yerda ishlaganingiz va olgan ish haqingiz haqida davlat arxividan maʼlumotnoma oling.", "Получите в госархиве справку о работе и зарплате, даже если предприятие уже закрыто.", "Get a certificate of your employment and pay from the state archive, even if the employer has closed."},
		result: demoText{"Arxiv maʼlumotnomasi", "Архивная справка", "Archival certificate"},
		bca:    0.2, exempt: "pension", days: 15, docs: "passport archive-request", laws: "archive", ch: "pms", level: 3, status: StatusLive},
	{code: "pension-file-transfer", agency: "pensiya-jamgarma", rcp: "citizen", cat: "social", events: "retirement moving-home",
		name:   demoText{"Pensiya ishini yangi yashash joyiga oʻtkazish", "Перевод пенсионного дела по новому месту жительства", "Moving your pension file to your new address"},
		desc:   demoText{"Boshqa viloyatga koʻchsangiz, pensiyangiz uzilmasdan toʻlanishi uchun pensiya ishingizni oʻtkazing.", "При переезде в другую область переведите пенсионное дело, чтобы пенсия выплачивалась без перерыва.", "If you move to another region, move your pension file so payments continue without a break."},
		result: demoText{"Pensiya ishi yangi hududga oʻtkazildi", "Пенсионное дело переведено", "Pension file transferred"},
		days:   5, docs: "passport address pension-record", laws: "pension", ch: "pms", level: 4, status: StatusLive},
	{code: "pension-to-bank-card", agency: "pensiya-toshkent", rcp: "citizen", cat: "social", events: "retirement",
		name:   demoText{"Pensiyani bank kartasiga oʻtkazish", "Перечисление пенсии на банковскую карту", "Having your pension paid to a bank card"},
		desc:   demoText{"Pensiyani naqd pul oʻrniga oʻzingiz tanlagan bank kartasiga olish uchun ariza bering.", "Подайте заявление, чтобы получать пенсию не наличными, а на карту выбранного банка.", "Apply to have your pension paid to a card at the bank you choose instead of in cash."},
		result: demoText{"Toʻlov usuli oʻzgartirildi", "Способ выплаты изменён", "Payment method changed"},
		days:   3, docs: "passport pension-record bank-card", laws: "pension", ch: "pm", level: 4, status: StatusLive},
	{code: "pensioner-card", agency: "pensiya-jamgarma", rcp: "citizen", cat: "social", events: "retirement",
		name:   demoText{"Elektron pensioner guvohnomasi", "Электронное пенсионное удостоверение", "Electronic pensioner card"},
		desc:   demoText{"Pensioner guvohnomasi telefoningizda boʻladi; imtiyozlardan foydalanganda uni koʻrsatasiz.", "Пенсионное удостоверение будет в телефоне; его можно показать, чтобы воспользоваться льготами.", "Your pensioner card will be on your phone, to show when you use concessions."},
		result: demoText{"Elektron guvohnoma", "Электронное удостоверение", "Electronic card"},
		days:   1, docs: "passport pension-record", laws: "pension", ch: "pm", level: 1, status: StatusPlanned},

	// Starting a business.
	{code: "sole-proprietor-registration", agency: "dxa", with: "soliq", rcp: "both", cat: "business", events: "starting-a-business",
		name:   demoText{"Yakka tartibdagi tadbirkor sifatida roʻyxatdan oʻtish", "Регистрация индивидуального предпринимателя", "Registering as a sole proprietor"},
		desc:   demoText{"Oʻz ishingizni boshlash uchun yakka tartibdagi tadbirkor boʻling; shu bilan birga soliq hisobiga ham qoʻyilasiz.", "Зарегистрируйтесь индивидуальным предпринимателем, чтобы начать своё дело; на налоговый учёт вас поставят одновременно.", "Register as a sole proprietor to start your own business; you are registered for tax at the same time."},
		result: demoText{"Davlat roʻyxatidan oʻtgani haqida guvohnoma", "Свидетельство о государственной регистрации", "Certificate of registration"},
		bca:    0.5, exempt: "disabled", days: 1, docs: "passport tax-id address", laws: "business duty", ch: "pms", level: 4, status: StatusLive},
	{code: "llc-registration", agency: "dxa", with: "soliq", rcp: "business", cat: "business", events: "starting-a-business",
		name:   demoText{"Masʼuliyati cheklangan jamiyatni roʻyxatdan oʻtkazish", "Регистрация общества с ограниченной ответственностью", "Registering a limited liability company"},
		desc:   demoText{"MChJ tuzing: nomini tanlang, taʼsischilarni kiriting va ustavni yuklang; STIR avtomatik beriladi.", "Создайте ООО: выберите название, укажите учредителей и загрузите устав; ИНН присваивается автоматически.", "Set up a limited liability company: choose a name, list the founders and upload the charter; a tax number is assigned automatically."},
		result: demoText{"Davlat roʻyxatidan oʻtgani haqida guvohnoma", "Свидетельство о государственной регистрации", "Certificate of registration"},
		bca:    1, days: 1, docs: "passport charter address", laws: "business duty", ch: "ps", level: 4, status: StatusLive},
	{code: "self-employed-registration", agency: "soliq", rcp: "citizen", cat: "taxes", events: "starting-a-business",
		name:   demoText{"Oʻzini oʻzi band qilgan shaxs sifatida roʻyxatdan oʻtish", "Регистрация в качестве самозанятого", "Registering as self-employed"},
		desc:   demoText{"Tikuvchilik, repetitorlik kabi ishlar bilan shugʻullansangiz, telefoningizdan bir necha daqiqada roʻyxatdan oʻting.", "Если вы шьёте, занимаетесь репетиторством и т. п., зарегистрируйтесь с телефона за несколько минут.", "If you sew, tutor or do similar work, register from your phone in a few minutes."},
		result: demoText{"Roʻyxatdan oʻtgani haqida maʼlumotnoma", "Справка о постановке на учёт", "Registration certificate"},
		days:   1, docs: "passport tax-id", laws: "tax", ch: "pm", level: 4, status: StatusLive},
	{code: "vat-registration", agency: "soliq", rcp: "business", cat: "taxes", events: "starting-a-business",
		name:   demoText{"QQS toʻlovchisi sifatida roʻyxatdan oʻtish", "Регистрация плательщиком НДС", "Registering for VAT"},
		desc:   demoText{"Aylanmangiz belgilangan chegaradan oshsa yoki xohlasangiz, QQS toʻlovchisi boʻling.", "Станьте плательщиком НДС, если оборот превысил порог, или добровольно.", "Register for VAT when your turnover passes the threshold, or voluntarily."},
		result: demoText{"QQS toʻlovchisi guvohnomasi", "Свидетельство плательщика НДС", "VAT registration certificate"},
		days:   3, docs: "business-record tax-id", laws: "tax", ch: "p", level: 4, status: StatusLive},
	{code: "cash-register-registration", agency: "soliq", rcp: "business", cat: "taxes", events: "starting-a-business",
		name:   demoText{"Onlayn nazorat-kassa mashinasini roʻyxatga qoʻyish", "Регистрация онлайн контрольно-кассовой машины", "Registering an online cash register"},
		desc:   demoText{"Doʻkoningizdagi kassani roʻyxatga qoʻying; cheklar Soliq qoʻmitasiga oʻzi yuboriladi.", "Зарегистрируйте кассу магазина; чеки будут сами передаваться в Налоговый комитет.", "Register your shop's till; receipts are then sent to the Tax Committee automatically."},
		result: demoText{"Roʻyxatga qoʻyilgani haqida kartochka", "Регистрационная карточка ККМ", "Registration card"},
		days:   1, docs: "business-record cash-register", laws: "tax", ch: "pm", level: 4, status: StatusLive},
	{code: "sanitary-clearance", agency: "tibbiyot", rcp: "business", cat: "health", events: "starting-a-business",
		name:   demoText{"Sanitariya-epidemiologik xulosa olish", "Санитарно-эпидемиологическое заключение", "Sanitary clearance"},
		desc:   demoText{"Oshxona, doʻkon yoki ustaxona sanitariya talablariga javob berishini tasdiqlating.", "Подтвердите, что кафе, магазин или цех соответствуют санитарным требованиям.", "Confirm that your café, shop or workshop meets sanitary standards."},
		result: demoText{"Sanitariya-epidemiologik xulosa", "Санитарно-эпидемиологическое заключение", "Sanitary clearance"},
		bca:    2, days: 10, docs: "business-record property-title", laws: "sanitary licensing", ch: "ps", level: 3, status: StatusLive},
	{code: "taxi-licence", agency: "transport", with: "iiv-yhxx", rcp: "both", cat: "transport", events: "starting-a-business",
		name:   demoText{"Taksi xizmati uchun litsenziya", "Лицензия на услуги такси", "Taxi licence"},
		desc:   demoText{"Yoʻlovchilarni taksida tashish uchun litsenziya oling; avtomobil maʼlumotlari tizimda tekshiriladi.", "Получите лицензию на перевозку пассажиров на такси; данные автомобиля проверяются автоматически.", "Get a licence to carry passengers by taxi; your car's details are checked automatically."},
		result: demoText{"Litsenziya", "Лицензия", "Licence"},
		bca:    2, days: 5, docs: "passport business-record vehicle-record", laws: "transport licensing", ch: "pm", level: 4, status: StatusLive},
	{code: "retail-trade-notice", agency: "hokimiyat-yunusobod", rcp: "business", cat: "business", events: "starting-a-business",
		name:   demoText{"Chakana savdoni boshlash haqida xabardor qilish", "Уведомление о начале розничной торговли", "Notifying the start of retail trade"},
		desc:   demoText{"Doʻkon ochishdan oldin tuman hokimligini xabardor qiling; ruxsat kutish shart emas.", "Перед открытием магазина уведомите хокимият района; ждать разрешения не нужно.", "Tell the district administration before you open a shop; you do not have to wait for permission."},
		result: demoText{"Xabarnoma qabul qilingani haqida tasdiq", "Подтверждение приёма уведомления", "Acknowledgement of the notice"},
		days:   1, docs: "business-record property-title", laws: "licensing", ch: "pm", level: 4, status: StatusLive},
	{code: "procurement-registration", agency: "iqtisodiyot", rcp: "business", cat: "business", events: "starting-a-business",
		name:   demoText{"Davlat xaridlari ishtirokchisi sifatida roʻyxatdan oʻtish", "Регистрация участника государственных закупок", "Registering to bid for public contracts"},
		desc:   demoText{"Davlat buyurtmalarida qatnashish uchun korxonangizni xaridlar tizimida roʻyxatdan oʻtkazing.", "Зарегистрируйте предприятие в системе закупок, чтобы участвовать в госзаказах.", "Register your company in the procurement system to bid for state contracts."},
		result: demoText{"Ishtirokchining shaxsiy kabineti", "Личный кабинет участника", "Bidder account"},
		days:   1, docs: "business-record tax-id", laws: "procurement", ch: "p", level: 4, status: StatusLive},

	// Building permit.
	{code: "building-permit", agency: "qurilish", with: "hokimiyat-toshkent kadastr", rcp: "both", cat: "construction", events: "building-permit",
		name:   demoText{"Qurilishga ruxsatnoma olish", "Разрешение на строительство", "Building permit"},
		desc:   demoText{"Uy yoki bino qurish yoxud kengaytirish uchun ruxsatnoma oling; yer hujjatlari kadastrdan olinadi, loyihani esa ilova qilasiz.", "Получите разрешение построить или расширить дом или здание; документы на землю берутся из кадастра, проект вы прикладываете.", "Get permission to build or extend a house or building; the land records come from the cadastre, and you attach the design."},
		result: demoText{"Qurilishga ruxsatnoma", "Разрешение на строительство", "Building permit"},
		bca:    1, exempt: "disabled1", days: 10, docs: "passport land-title design-docs", laws: "urban permit duty", ch: "pms", level: 4, status: StatusLive},
	{code: "planning-brief", agency: "hokimiyat-toshkent", with: "qurilish", rcp: "both", cat: "construction", events: "building-permit",
		name:   demoText{"Arxitektura-rejalashtirish topshirigʻini olish", "Архитектурно-планировочное задание", "Planning brief"},
		desc:   demoText{"Yer uchastkasida nima qurish mumkinligi va bino qanday balandlikda boʻlishini belgilovchi hujjatni oling.", "Получите документ о том, что можно строить на участке и какой высоты.", "Get the document that says what you may build on a plot and how high."},
		result: demoText{"Arxitektura-rejalashtirish topshirigʻi", "Архитектурно-планировочное задание", "Planning brief"},
		days:   15, docs: "passport land-title site-plan", laws: "urban", ch: "ps", level: 4, status: StatusLive},
	{code: "design-review", agency: "qurilish", rcp: "business", cat: "construction", events: "building-permit",
		name:   demoText{"Loyiha-smeta hujjatlari ekspertizasi", "Экспертиза проектно-сметной документации", "Review of design and cost documents"},
		desc:   demoText{"Qurilish loyihasi va smetasi meʼyorlarga mos kelishini davlat ekspertizasida tekshirtiring.", "Проверьте проект и смету строительства на соответствие нормам в госэкспертизе.", "Have the state review check your building design and cost estimate against the standards."},
		result: demoText{"Ekspertiza xulosasi", "Заключение экспертизы", "Review report"},
		sum:    2500000, days: 20, docs: "business-record design-docs", laws: "urban", ch: "po", level: 3, status: StatusLive},
	{code: "utility-connection-conditions", agency: "qurilish", rcp: "both", cat: "construction", events: "building-permit",
		name:   demoText{"Muhandislik tarmoqlariga ulanish uchun texnik shartlar", "Технические условия на подключение к инженерным сетям", "Utility connection conditions"},
		desc:   demoText{"Elektr, gaz, suv va kanalizatsiyaga ulanish shartlarini bitta ariza bilan oling.", "Получите условия подключения к электричеству, газу, воде и канализации одним заявлением.", "Get the conditions for connecting to electricity, gas, water and sewerage with one application."},
		result: demoText{"Texnik shartlar", "Технические условия", "Connection conditions"},
		days:   10, docs: "land-title site-plan", laws: "urban", ch: "ps", level: 3, status: StatusDigitising},
	{code: "building-acceptance", agency: "qurilish", with: "hokimiyat-toshkent", rcp: "both", cat: "construction", events: "building-permit",
		name:   demoText{"Qurilishi tugagan obyektni foydalanishga qabul qilish", "Приёмка завершённого объекта в эксплуатацию", "Approving a finished building for use"},
		desc:   demoText{"Qurilish tugagach, komissiya binoni koʻzdan kechiradi va undan foydalanishga ruxsat beradi.", "После окончания строительства комиссия осматривает здание и разрешает его эксплуатацию.", "When building is finished, a commission inspects it and allows it to be used."},
		result: demoText{"Qabul qilish dalolatnomasi", "Акт приёмки", "Acceptance certificate"},
		days:   10, docs: "land-title design-docs", laws: "urban permit", ch: "pso", level: 3, status: StatusLive},
	{code: "home-alteration-permit", agency: "hokimiyat-chilonzor", rcp: "citizen", cat: "construction", events: "building-permit",
		name:   demoText{"Uy-joyni qayta qurishga ruxsat", "Разрешение на перепланировку жилья", "Permission to alter a home"},
		desc:   demoText{"Kvartira yoki uyda devorlarni koʻchirish, ayvon qurish kabi oʻzgarishlar uchun ruxsat oling.", "Получите разрешение на перенос стен, пристройку веранды и другие изменения в квартире или доме.", "Get permission to move walls, add a veranda or make other changes to a flat or house."},
		result: demoText{"Qayta qurishga ruxsatnoma", "Разрешение на перепланировку", "Permission to alter"},
		bca:    0.5, days: 15, docs: "passport property-title design-docs", laws: "housing urban", ch: "pms", level: 3, status: StatusLive},
	{code: "tree-felling-permit", agency: "ekologiya", rcp: "both", cat: "ecology", events: "building-permit",
		name:   demoText{"Daraxt kesishga ruxsatnoma", "Разрешение на вырубку деревьев", "Tree felling permit"},
		desc:   demoText{"Qurilish maydonidagi daraxtlarni kesish yoki koʻchirib oʻtqazishga ruxsat. Hozir daraxt kesishga moratoriy amal qiladi.", "Разрешение на вырубку или пересадку деревьев на стройплощадке. Сейчас действует мораторий на вырубку.", "Permission to cut down or move trees on a building site. A moratorium on felling is in force for now."},
		result: demoText{"Ruxsatnoma", "Разрешение", "Permit"},
		bca:    1, days: 10, docs: "land-title site-plan", laws: "ecology", ch: "pm", level: 3, status: StatusSuspended},
	{code: "environmental-review", agency: "ekologiya", rcp: "business", cat: "ecology", events: "building-permit starting-a-business",
		name:   demoText{"Davlat ekologik ekspertizasi xulosasi", "Заключение государственной экологической экспертизы", "State environmental review"},
		desc:   demoText{"Korxona yoki bino qurishdan oldin uning tabiatga taʼsiri baholanadi.", "Перед строительством предприятия или здания оценивается его влияние на природу.", "Before a plant or building goes up, its effect on the environment is assessed."},
		result: demoText{"Ekologik ekspertiza xulosasi", "Заключение экологической экспертизы", "Environmental review report"},
		bca:    5, days: 20, docs: "business-record design-docs", laws: "ecology", ch: "p", level: 4, status: StatusLive},
	{code: "land-plot-auction", agency: "hokimiyat-toshkent", rcp: "both", cat: "property", events: "building-permit",
		name:   demoText{"Yer uchastkasini elektron auksionda olish", "Земельный участок через электронный аукцион", "Buying a plot at an electronic auction"},
		desc:   demoText{"Qurilish uchun yer uchastkasini onlayn auksionda sotib oling yoki ijaraga oling.", "Купите или возьмите в аренду участок под строительство на онлайн-аукционе.", "Buy or lease a plot for building at an online auction."},
		result: demoText{"Auksion bayonnomasi va shartnoma", "Протокол аукциона и договор", "Auction record and contract"},
		days:   30, docs: "passport tax-id", laws: "land", ch: "pm", level: 4, status: StatusLive},
	{code: "property-archive-copy", agency: "arxiv", rcp: "both", cat: "archive", events: "building-permit moving-home",
		name:   demoText{"Mulkka oid arxiv hujjatlari nusxasi", "Копии архивных документов на недвижимость", "Copies of archived property documents"},
		desc:   demoText{"Uy yoki yer uchastkasiga oid eski qarorlar va shartnomalarning tasdiqlangan nusxasini oling.", "Получите заверенные копии старых решений и договоров на дом или участок.", "Get certified copies of old decisions and contracts about a house or plot."},
		result: demoText{"Tasdiqlangan arxiv nusxasi", "Заверенная архивная копия", "Certified archive copy"},
		bca:    0.2, exempt: "veterans", days: 15, docs: "passport property-title archive-request", laws: "archive", ch: "pms", level: 3, status: StatusLive},

	// Closing a business.
	{code: "company-liquidation", agency: "dxa", with: "soliq", rcp: "business", cat: "business", events: "closing-a-business",
		name:   demoText{"Yuridik shaxsni tugatish", "Ликвидация юридического лица", "Winding up a company"},
		desc:   demoText{"Korxonani yopish uchun taʼsischilar qarori va tugatish balansini yuboring; soliq va boshqa idoralar bilan hisob-kitob bir joyda tekshiriladi.", "Для закрытия компании направьте решение учредителей и ликвидационный баланс; расчёты с налоговой и другими органами проверяются в одном месте.", "To close a company, send the founders' decision and the final balance sheet; accounts with the tax office and others are checked in one place."},
		result: demoText{"Yuridik shaxs reyestrdan chiqarildi", "Юридическое лицо исключено из реестра", "Company removed from the register"},
		days:   30, docs: "business-record founders-decision liquidation-balance", laws: "business", ch: "ps", level: 3, status: StatusLive},
	{code: "sole-proprietor-closure", agency: "dxa", rcp: "both", cat: "business", events: "closing-a-business",
		name:   demoText{"Yakka tartibdagi tadbirkor faoliyatini tugatish", "Прекращение деятельности индивидуального предпринимателя", "Closing a sole proprietorship"},
		desc:   demoText{"Tadbirkorlikni toʻxtatmoqchi boʻlsangiz, ariza bering; soliq qarzingiz yoʻqligi oʻzi tekshiriladi.", "Если вы решили прекратить дело, подайте заявление; отсутствие налогового долга проверяется автоматически.", "If you want to stop trading, apply; whether you owe any tax is checked automatically."},
		result: demoText{"Faoliyat tugatilgani haqida maʼlumotnoma", "Справка о прекращении деятельности", "Certificate of closure"},
		days:   1, docs: "passport business-record", laws: "business", ch: "pms", level: 4, status: StatusLive},
	{code: "tax-deregistration", agency: "soliq-toshkent", rcp: "business", cat: "taxes", events: "closing-a-business",
		name:   demoText{"Tugatishda soliq hisobidan chiqarish", "Снятие с налогового учёта при ликвидации", "Tax deregistration when closing"},
		desc:   demoText{"Yopilayotgan korxona oxirgi soliq hisobotlarini topshiradi va soliq hisobidan chiqariladi.", "Закрывающееся предприятие сдаёт последнюю отчётность и снимается с налогового учёта.", "A closing company files its final tax returns and is removed from the tax register."},
		result: demoText{"Soliq hisobidan chiqarilgani haqida xabarnoma", "Уведомление о снятии с учёта", "Deregistration notice"},
		days:   15, docs: "business-record liquidation-balance", laws: "tax", ch: "p", level: 3, status: StatusLive},
	{code: "cash-register-deregistration", agency: "soliq", rcp: "business", cat: "taxes", events: "closing-a-business",
		name:   demoText{"Nazorat-kassa mashinasini roʻyxatdan chiqarish", "Снятие контрольно-кассовой машины с учёта", "Deregistering a cash register"},
		desc:   demoText{"Doʻkon yopilsa yoki kassa almashtirilsa, eski kassani roʻyxatdan chiqaring.", "Снимите старую кассу с учёта при закрытии магазина или её замене.", "Deregister the old till when you close a shop or replace it."},
		result: demoText{"Roʻyxatdan chiqarilgani haqida xabarnoma", "Уведомление о снятии с учёта", "Deregistration notice"},
		days:   1, docs: "business-record cash-register", laws: "tax", ch: "pm", level: 4, status: StatusLive},
	{code: "no-tax-debt-certificate", agency: "soliq", rcp: "both", cat: "taxes", events: "closing-a-business",
		name:   demoText{"Soliq qarzi yoʻqligi haqida maʼlumotnoma", "Справка об отсутствии налоговой задолженности", "Certificate of no tax debt"},
		desc:   demoText{"Soliqdan qarzingiz yoʻqligini tasdiqlovchi maʼlumotnomani darhol oling.", "Сразу получите справку о том, что у вас нет долгов по налогам.", "Get a certificate that you owe no tax, straight away."},
		result: demoText{"Elektron maʼlumotnoma", "Электронная справка", "Electronic certificate"},
		days:   1, docs: "tax-id", laws: "tax", ch: "pm", level: 4, status: StatusLive},
	{code: "records-to-archive", agency: "arxiv", rcp: "business", cat: "archive", events: "closing-a-business",
		name:   demoText{"Tugatilayotgan tashkilot hujjatlarini arxivga topshirish", "Передача документов ликвидируемой организации в архив", "Handing a closing company's records to the archive"},
		desc:   demoText{"Xodimlarning ish staji va ish haqi haqidagi hujjatlar yoʻqolmasligi uchun ularni davlat arxiviga topshiring.", "Сдайте в госархив документы о стаже и зарплате работников, чтобы они не пропали.", "Hand your staff's employment and pay records to the state archive so they are not lost."},
		result: demoText{"Qabul qilish-topshirish dalolatnomasi", "Акт приёма-передачи", "Transfer certificate"},
		days:   20, docs: "business-record founders-decision", laws: "archive", ch: "so", level: 2, status: StatusLive},

	// Other services.
	{code: "criminal-record-certificate", agency: "iiv", rcp: "citizen", cat: "legal",
		name:   demoText{"Sudlanganlik yoʻqligi haqida maʼlumotnoma", "Справка об отсутствии судимости", "Certificate of no criminal record"},
		desc:   demoText{"Ishga kirish yoki chet elga chiqish uchun sudlanmaganligingizni tasdiqlovchi maʼlumotnoma oling.", "Получите справку об отсутствии судимости для работы или выезда за границу.", "Get a certificate that you have no criminal record, for a job or travel abroad."},
		result: demoText{"Elektron maʼlumotnoma", "Электронная справка", "Electronic certificate"},
		days:   1, docs: "passport", laws: "police", ch: "pms", level: 4, status: StatusLive},
	{code: "driving-licence-replacement", agency: "iiv-yhxx", rcp: "citizen", cat: "transport",
		name:   demoText{"Haydovchilik guvohnomasini almashtirish", "Замена водительского удостоверения", "Replacing a driving licence"},
		desc:   demoText{"Guvohnoma muddati tugasa, yoʻqolsa yoki familiyangiz oʻzgarsa, yangisini oling.", "Получите новое удостоверение, если срок истёк, оно утеряно или вы сменили фамилию.", "Get a new licence when it expires, is lost or your name changes."},
		result: demoText{"Yangi haydovchilik guvohnomasi", "Новое водительское удостоверение", "New driving licence"},
		bca:    0.5, days: 5, docs: "passport driving-licence driver-medical photo", laws: "traffic duty", ch: "pms", level: 3, status: StatusLive},
	{code: "vehicle-registration", agency: "iiv-yhxx", rcp: "both", cat: "transport",
		name:   demoText{"Transport vositasini roʻyxatga qoʻyish", "Регистрация транспортного средства", "Registering a vehicle"},
		desc:   demoText{"Sotib olgan avtomobilingizni roʻyxatga qoʻying va davlat raqamini oling.", "Зарегистрируйте купленный автомобиль и получите госномер.", "Register a car you bought and get its number plates."},
		result: demoText{"Qayd etish guvohnomasi va davlat raqami", "Свидетельство о регистрации и госномер", "Registration certificate and number plates"},
		bca:    1, days: 1, docs: "passport vehicle-record contract", laws: "traffic duty", ch: "pms", level: 3, status: StatusLive},
	{code: "travel-passport", agency: "iiv-migratsiya", rcp: "citizen", cat: "identity",
		name:   demoText{"Xorijga chiqish biometrik pasportini olish", "Биометрический паспорт для выезда за рубеж", "Biometric passport for travel abroad"},
		desc:   demoText{"Chet elga chiqish pasporti uchun ariza bering, soʻng suratga tushish va barmoq izlarini topshirish uchun keling.", "Подайте заявление на заграничный паспорт, затем придите сфотографироваться и сдать отпечатки пальцев.", "Apply for a passport to travel abroad, then come in to have your photo and fingerprints taken."},
		result: demoText{"Biometrik pasport", "Биометрический паспорт", "Biometric passport"},
		sum:    325000, days: 10, docs: "passport", laws: "id-card", ch: "ps", level: 3, status: StatusLive},
	{code: "doctor-appointment", agency: "tibbiyot", rcp: "citizen", cat: "health",
		name:   demoText{"Shifokor qabuliga yozilish", "Запись на приём к врачу", "Booking a doctor's appointment"},
		desc:   demoText{"Oilaviy poliklinikangizdagi shifokorga qulay vaqtga yoziling.", "Запишитесь к врачу своей семейной поликлиники на удобное время.", "Book a convenient time with a doctor at your family clinic."},
		result: demoText{"Qabul vaqti", "Время приёма", "Appointment time"},
		days:   1, docs: "passport", laws: "health", ch: "pm", level: 4, status: StatusLive},
	{code: "disability-assessment", agency: "ijtimoiy-himoya", with: "tibbiyot", rcp: "citizen", cat: "social",
		name:   demoText{"Nogironlikni belgilash", "Установление инвалидности", "Disability assessment"},
		desc:   demoText{"Tibbiy-ijtimoiy ekspert komissiyasi sogʻligʻingizni baholab, nogironlik guruhini belgilaydi.", "Медико-социальная экспертная комиссия оценивает здоровье и устанавливает группу инвалидности.", "A medical and social commission assesses your health and sets the disability group."},
		result: demoText{"Nogironlik haqida maʼlumotnoma", "Справка об инвалидности", "Disability certificate"},
		days:   15, docs: "passport medical-file disability-record", laws: "disability", ch: "so", level: 2, status: StatusDigitising},
	{code: "unemployment-benefit", agency: "mehnat", rcp: "citizen", cat: "social",
		name:   demoText{"Ishsiz sifatida roʻyxatga olish va nafaqa tayinlash", "Регистрация безработного и назначение пособия", "Registering as unemployed and claiming benefit"},
		desc:   demoText{"Ishsiz qolsangiz, roʻyxatdan oʻting: sizga ish takliflari yuboriladi va nafaqa tayinlanadi.", "Если вы остались без работы, зарегистрируйтесь: вам предложат вакансии и назначат пособие.", "If you are out of work, register: you will be offered jobs and granted a benefit."},
		result: demoText{"Ishsiz maqomi va nafaqa haqida qaror", "Статус безработного и решение о пособии", "Unemployed status and benefit decision"},
		days:   10, docs: "passport work-record", laws: "employment", ch: "pms", level: 4, status: StatusLive},
	{code: "work-abroad-registration", agency: "mehnat", rcp: "citizen", cat: "social",
		name:   demoText{"Xorijda ishlash uchun roʻyxatdan oʻtish", "Регистрация для работы за рубежом", "Registering to work abroad"},
		desc:   demoText{"Chet elda qonuniy ishlash uchun roʻyxatdan oʻting va tekshirilgan ish beruvchilarning takliflarini oling.", "Зарегистрируйтесь, чтобы легально работать за рубежом и получать предложения проверенных работодателей.", "Register to work abroad legally and receive offers from vetted employers."},
		result: demoText{"Roʻyxatdan oʻtgani haqida maʼlumotnoma", "Справка о регистрации", "Registration certificate"},
		days:   5, docs: "passport", laws: "employment", ch: "pm", level: 4, status: StatusLive},
	{code: "vocational-courses", agency: "mehnat", rcp: "citizen", cat: "education",
		name:   demoText{"Kasb-hunar kurslariga yozilish", "Запись на курсы профессионального обучения", "Signing up for vocational courses"},
		desc:   demoText{"Ishsizlar va yoshlar bepul kasb-hunar kurslariga yozilishi mumkin.", "Безработные и молодёжь могут записаться на бесплатные курсы профессий.", "Jobseekers and young people can sign up for free vocational courses."},
		result: demoText{"Kursga yoʻllanma", "Направление на курсы", "Course referral"},
		days:   10, docs: "passport work-record", laws: "employment", ch: "pm", level: 1, status: StatusPlanned},
	{code: "hunting-permit", agency: "ekologiya", rcp: "citizen", cat: "ecology",
		name:   demoText{"Ov qilish uchun ruxsatnoma", "Разрешение на охоту", "Hunting permit"},
		desc:   demoText{"Ov mavsumida belgilangan hududlarda ov qilish uchun ruxsatnoma oling. Mavsum yopiq paytda berilmaydi.", "Разрешение на охоту в отведённых угодьях в сезон. Вне сезона не выдаётся.", "A permit to hunt in designated areas during the season. None are issued out of season."},
		result: demoText{"Ruxsatnoma", "Разрешение", "Permit"},
		bca:    0.5, days: 5, docs: "passport", laws: "ecology licensing", ch: "pm", level: 4, status: StatusSuspended},
	{code: "international-haulage-permit", agency: "transport", rcp: "business", cat: "transport",
		name:   demoText{"Xalqaro yuk tashish uchun ruxsatnoma", "Разрешение на международные грузоперевозки", "International haulage permit"},
		desc:   demoText{"Yuk mashinasida chet elga yuk tashish uchun ruxsatnoma blankasini oling.", "Получите бланк разрешения на перевозку грузов за рубеж.", "Get a permit form to carry goods abroad by lorry."},
		result: demoText{"Ruxsatnoma blankasi", "Бланк разрешения", "Permit form"},
		sum:    300000, days: 3, docs: "business-record vehicle-record", laws: "transport", ch: "p", level: 4, status: StatusLive},
	{code: "bus-route-tender", agency: "transport", rcp: "business", cat: "transport",
		name:   demoText{"Avtobus yoʻnalishi tanlovida qatnashish", "Участие в конкурсе на автобусный маршрут", "Bidding for a bus route"},
		desc:   demoText{"Shahar yoki shaharlararo avtobus yoʻnalishiga tashuvchilar tanlovida ishtirok eting.", "Участвуйте в конкурсе перевозчиков на городской или междугородний автобусный маршрут.", "Take part in the tender for a town or intercity bus route."},
		result: demoText{"Tanlov natijalari", "Итоги конкурса", "Tender result"},
		days:   30, docs: "business-record vehicle-record", laws: "transport", ch: "p", level: 1, status: StatusPlanned},
	{code: "apostille", agency: "adliya-samarqand", rcp: "both", cat: "legal",
		name:   demoText{"Rasmiy hujjatga apostil qoʻyish", "Проставление апостиля", "Apostille on an official document"},
		desc:   demoText{"Hujjatingiz chet elda tan olinishi uchun unga apostil qoʻydiring.", "Проставьте апостиль, чтобы документ признавали за рубежом.", "Have an apostille added so your document is accepted abroad."},
		result: demoText{"Apostil qoʻyilgan hujjat", "Документ с апостилем", "Document with an apostille"},
		bca:    1, days: 5, docs: "passport source-document", laws: "apostille duty", ch: "pso", level: 3, status: StatusLive},
	{code: "psc-appointment", agency: "dxm-yunusobod", rcp: "both", cat: "public-services",
		name:   demoText{"Davlat xizmatlari markaziga navbat olish", "Запись в центр государственных услуг", "Booking a visit to a public services centre"},
		desc:   demoText{"Navbatda kutmaslik uchun davlat xizmatlari markaziga qulay vaqtga yoziling.", "Запишитесь в центр госуслуг на удобное время, чтобы не стоять в очереди.", "Book a convenient time at a public services centre so you don't have to queue."},
		result: demoText{"Qabul vaqti", "Время приёма", "Appointment time"},
		days:   1, docs: "passport", laws: "services", ch: "pm", level: 4, status: StatusLive},
}

// LoadDemo adds the demo agencies and services that are not there yet, each
// through CreateAgency and CreateService so they are validated, versioned and
// audited like any other; loading twice changes nothing.
func (r *Registry) LoadDemo(ctx context.Context) error {
	existing, err := r.Agencies(ctx)
	if err != nil {
		return err
	}
	ids := make(map[string]string, len(existing)+len(demoAgencies))
	for _, a := range existing {
		ids[a.Code] = a.ID
	}
	for _, d := range demoAgencies {
		if ids[d.code] != "" {
			continue
		}
		parent := ""
		if d.parent != "" {
			if parent = ids[d.parent]; parent == "" {
				return fmt.Errorf("demo agency %s: no parent %s", d.code, d.parent)
			}
		}
		a, err := r.CreateAgency(ctx, demoActor, Agency{Code: d.code, ParentID: parent, Kind: d.kind, Names: d.name.texts(),
			Phone: d.phone, Email: d.email, Website: d.website, Regions: d.regions})
		if err != nil {
			return fmt.Errorf("demo agency %s: %w", d.code, err)
		}
		ids[d.code] = a.ID
	}
	for _, d := range demoServices {
		_, err := r.ServiceByCode(ctx, d.code)
		if err == nil {
			continue
		}
		if !apperr.Is(err, apperr.ENOTFOUND) {
			return err
		}
		p, err := d.passport(ids)
		if err != nil {
			return err
		}
		if _, err := r.CreateService(ctx, demoActor, p, demoReason); err != nil {
			return fmt.Errorf("demo service %s: %w", d.code, err)
		}
	}
	return r.loadDemoForms(ctx)
}

// loadDemoForms publishes the example forms as the first form version of
// the services they are named after (the file name is the service code
// with underscores), unless the service already has a form.
func (r *Registry) loadDemoForms(ctx context.Context) error {
	examples := form.Examples()
	names := slices.Sorted(maps.Keys(examples))
	for _, name := range names {
		code := strings.ReplaceAll(name, "_", "-")
		versions, err := r.FormVersions(ctx, code)
		if err != nil {
			return err
		}
		if len(versions) > 0 {
			continue
		}
		if _, err := r.PublishForm(ctx, demoActor, code, 0, examples[name], demoReason); err != nil {
			return fmt.Errorf("demo form %s: %w", code, err)
		}
	}
	return nil
}

// passport expands the short form; agencies maps codes to IDs.
func (d demoService) passport(agencies map[string]string) (Passport, error) {
	p := Passport{Code: d.code, AgencyID: agencies[d.agency], Recipients: d.rcp, Category: d.cat, LifeEvents: strings.Fields(d.events),
		Name: d.name.texts(), Description: d.desc.texts(), Result: d.result.texts(),
		Fee: Fee{BCAMultiple: d.bca, FixedSum: d.sum}, TermDays: d.days, Level: d.level, Status: d.status}
	if p.AgencyID == "" {
		return p, fmt.Errorf("demo service %s: no agency %s", d.code, d.agency)
	}
	// The services whose back-office process the workflow's demo deploys
	// (a process key names the service it serves).
	switch d.code {
	case "birth-certificate-duplicate", "sole-proprietor-registration":
		p.ProcessKey = d.code
	}
	// Registering a business takes the applicant's e-signature.
	p.SignatureRequired = d.code == "sole-proprietor-registration"
	if d.status == StatusPlanned || d.status == StatusDigitising {
		// Services not yet live get a plan; every third one is past its
		// deadline, so the plan shows what overdue looks like.
		deadline := time.Date(2027, time.Month(1+len(d.code)%12), 28, 0, 0, 0, 0, time.UTC)
		if len(d.code)%3 == 0 {
			deadline = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
		}
		p.Plan = &Plan{TargetLevel: min(d.level+2, LevelProactive), Deadline: deadline, ResponsibleID: p.AgencyID}
	}
	for _, code := range strings.Fields(d.with) {
		id := agencies[code]
		if id == "" {
			return p, fmt.Errorf("demo service %s: no agency %s", d.code, code)
		}
		p.Participants = append(p.Participants, id)
	}
	if d.exempt != "" {
		e, ok := demoExemptions[d.exempt]
		if !ok {
			return p, fmt.Errorf("demo service %s: no exemption %s", d.code, d.exempt)
		}
		p.Fee.Exemptions = e.texts()
	}
	for _, key := range strings.Fields(d.docs) {
		doc, ok := demoDocuments[key]
		if !ok {
			return p, fmt.Errorf("demo service %s: no document %s", d.code, key)
		}
		p.Documents = append(p.Documents, Document{Name: doc.name.texts(), HeldByState: doc.registry != "", Registry: doc.registry})
	}
	for _, key := range strings.Fields(d.laws) {
		act, ok := demoActs[key]
		if !ok {
			return p, fmt.Errorf("demo service %s: no legal act %s", d.code, key)
		}
		date, err := time.Parse(time.DateOnly, act.date)
		if err != nil {
			return p, fmt.Errorf("demo service %s: legal act %s: %w", d.code, key, err)
		}
		p.LegalBasis = append(p.LegalBasis, LegalAct{Title: act.title.texts(), Number: act.number, Date: date})
	}
	for _, c := range d.ch {
		switch c {
		case 'p':
			p.Channels.Portal = true
		case 'm':
			p.Channels.Mobile = true
		case 's':
			p.Channels.PSC = true
		case 'o':
			p.Channels.Office = true
		default:
			return p, fmt.Errorf("demo service %s: no channel %q", d.code, c)
		}
	}
	return p, nil
}
