package docgen

import "github.com/egovuz/egov/internal/platform/i18n"

// words are the fixed texts of a document page in one language. They are part
// of the document rather than of the web UI, so they live here and not in the
// message catalogs. Uzbek Latin text spells oʻ/gʻ with U+02BB and the tutuq
// with U+02BC, as the platform's catalogs do.
type words struct {
	Number    string // "Application number"
	Issued    string // the date of issue
	IssuedBy  string // the issuing agency
	DecidedBy string // the officer who decided
	Scan      string // the caption beside the QR code
	Signed    string // the note on the electronic signature
	Page      string // "Page", in the footer's "Page 1 / 2"
}

// supported returns loc if the platform speaks it and i18n.Default if not.
func supported(loc i18n.Locale) i18n.Locale {
	for _, l := range i18n.All() {
		if l == loc {
			return l
		}
	}
	return i18n.Default
}

// wordsFor returns the fixed texts in loc, those of i18n.Default for an
// unsupported locale.
func wordsFor(loc i18n.Locale) words {
	switch loc {
	case i18n.UzCyrl:
		return words{
			Number:    "Ариза рақами",
			Issued:    "Берилган сана",
			IssuedBy:  "Берган идора",
			DecidedBy: "Қарор қабул қилган мансабдор шахс",
			Scan:      "Ҳужжатнинг ҳақиқийлигини текшириш учун QR-кодни сканерланг",
			Signed:    "Ушбу ҳужжат электрон рақамли имзо билан имзоланган",
			Page:      "Саҳифа",
		}
	case i18n.Ru:
		return words{
			Number:    "Номер заявления",
			Issued:    "Дата выдачи",
			IssuedBy:  "Орган, выдавший документ",
			DecidedBy: "Решение принял",
			Scan:      "Отсканируйте QR-код, чтобы проверить подлинность документа",
			Signed:    "Документ подписан электронной цифровой подписью",
			Page:      "Страница",
		}
	case i18n.En:
		return words{
			Number:    "Application number",
			Issued:    "Issued",
			IssuedBy:  "Issued by",
			DecidedBy: "Decided by",
			Scan:      "Scan the QR code to verify this document",
			Signed:    "This document is signed with an electronic digital signature",
			Page:      "Page",
		}
	}
	return words{
		Number:    "Ariza raqami",
		Issued:    "Berilgan sana",
		IssuedBy:  "Bergan idora",
		DecidedBy: "Qaror qabul qilgan mansabdor shaxs",
		Scan:      "Hujjatning haqiqiyligini tekshirish uchun QR-kodni skanerlang",
		Signed:    "Ushbu hujjat elektron raqamli imzo bilan imzolangan",
		Page:      "Sahifa",
	}
}
