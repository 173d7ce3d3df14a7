package i18n

// category is a CLDR plural category.
type category uint8

const (
	catZero category = iota
	catOne
	catTwo
	catFew
	catMany
	catOther
	numCategories
)

// String returns the CLDR name of c, as written in catalog files.
func (c category) String() string {
	switch c {
	case catZero:
		return "zero"
	case catOne:
		return "one"
	case catTwo:
		return "two"
	case catFew:
		return "few"
	case catMany:
		return "many"
	}
	return "other"
}

// parseCategory returns the category named s, or false.
func parseCategory(s string) (category, bool) {
	for c := range numCategories {
		if c.String() == s {
			return c, true
		}
	}
	return 0, false
}

// categories returns the plural categories that integers take in l, in
// CLDR order; a catalog must give a form for each of them and no others.
// Russian "other" is only reached by fractions, which N does not take, but
// CLDR requires it and it serves T.
func (l Locale) categories() []category {
	if l == Ru {
		return []category{catOne, catFew, catMany, catOther}
	}
	return []category{catOne, catOther}
}

// pluralCategory returns the CLDR cardinal plural category of the integer n
// in l (CLDR operands for an integer: n = i = |n|, v = 0):
//
//   - uz (both scripts): one if n = 1, else other.
//   - en: one if i = 1 and v = 0, else other.
//   - ru: one if i%10 = 1 and i%100 ≠ 11; few if i%10 is 2–4 and i%100 is
//     not 12–14; else many (the other integers).
func pluralCategory(l Locale, n int64) category {
	i := uint64(n)
	if n < 0 {
		i = -i // two's complement: right for math.MinInt64 too
	}
	if l != Ru {
		if i == 1 {
			return catOne
		}
		return catOther
	}
	switch mod10, mod100 := i%10, i%100; {
	case mod10 == 1 && mod100 != 11:
		return catOne
	case mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14):
		return catFew
	}
	return catMany
}
