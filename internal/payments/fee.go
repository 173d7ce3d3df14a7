package payments

import (
	"math"
	"math/big"
	"strconv"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Fee is what a service passport says the service costs: a multiple of the
// base calculation amount or a fixed sum in soʻm, never both. The zero Fee
// is a free service.
type Fee struct {
	BCAMultiple float64
	FixedSum    int64
}

// maxSom bounds an amount in soʻm so that it fits in tiyin.
const maxSom = math.MaxInt64 / 100

// Amount returns a fee in tiyin: bcaMultiple times bca (both as written,
// in decimal, so 0.1 BCA is exactly a tenth) rounded to a whole soʻm, half
// up, or else fixedSum soʻm; 0 when both are 0. It returns EINVALID for a
// negative, non-finite or too large value, for both parts set and for a
// BCA that is not positive.
func Amount(bcaMultiple float64, fixedSum int64, bca int64) (int64, error) {
	bad := apperr.New(apperr.EINVALID, "payments.error.fee")
	switch {
	case bca <= 0, bcaMultiple < 0, fixedSum < 0, math.IsNaN(bcaMultiple), math.IsInf(bcaMultiple, 0),
		bcaMultiple > 0 && fixedSum > 0, fixedSum > maxSom:
		return 0, bad
	case bcaMultiple == 0:
		return fixedSum * 100, nil
	}
	// The shortest decimal that reads back as bcaMultiple is the number
	// the passport's author wrote; big.Rat keeps it exact.
	m, ok := new(big.Rat).SetString(strconv.FormatFloat(bcaMultiple, 'f', -1, 64))
	if !ok {
		return 0, bad
	}
	m.Mul(m, new(big.Rat).SetInt64(bca))
	m.Add(m, big.NewRat(1, 2))
	som := new(big.Int).Quo(m.Num(), m.Denom()) // positive, so truncation is floor
	if !som.IsInt64() || som.Int64() > maxSom {
		return 0, bad
	}
	return som.Int64() * 100, nil
}

// Due returns what a payer owes for a service with fee f, in tiyin, at the
// configured BCA: 0 for a free service or when exempt is true (the caller
// decides exemptions from the passport's list and the payer's data). A
// caller creates an invoice only for a positive amount. It returns
// EINVALID for an invalid fee.
func (s *Service) Due(f Fee, exempt bool) (int64, error) {
	if exempt {
		return 0, nil
	}
	return Amount(f.BCAMultiple, f.FixedSum, s.bca)
}
