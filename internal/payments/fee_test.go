package payments_test

import (
	"math"
	"testing"

	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

func TestAmount(t *testing.T) {
	tests := []struct {
		name     string
		multiple float64
		fixed    int64
		bca      int64
		want     int64 // tiyin
	}{
		{"free", 0, 0, payments.DefaultBCA, 0},
		{"a tenth of the BCA", 0.1, 0, payments.DefaultBCA, 41_200_00},
		{"one BCA", 1, 0, payments.DefaultBCA, 412_000_00},
		{"two and a half BCA", 2.5, 0, payments.DefaultBCA, 1_030_000_00},
		{"three tenths, not 0.30000000000000004", 0.3, 0, payments.DefaultBCA, 123_600_00},
		{"fraction rounds down", 0.0001, 0, payments.DefaultBCA, 41_00},              // 41.2 soʻm
		{"fraction rounds half up", 0.0001, 0, 375000, 38_00},                        // 37.5 soʻm
		{"fraction above a half rounds up", 0.0000037, 0, payments.DefaultBCA, 2_00}, // 1.5244 soʻm
		{"half of an odd BCA", 0.5, 0, 5, 3_00},
		{"fixed sum", 0, 25000, payments.DefaultBCA, 25000_00},
		{"the largest BCA multiple a passport allows", 10000, 0, payments.DefaultBCA, 4_120_000_000_00},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := payments.Amount(tt.multiple, tt.fixed, tt.bca)
			if err != nil || got != tt.want {
				t.Errorf("Amount(%v, %d, %d) = %d, %v; want %d", tt.multiple, tt.fixed, tt.bca, got, err, tt.want)
			}
		})
	}
}

func TestAmountRefusesInvalidFees(t *testing.T) {
	tests := []struct {
		name     string
		multiple float64
		fixed    int64
		bca      int64
	}{
		{"negative multiple", -1, 0, payments.DefaultBCA},
		{"negative sum", 0, -1, payments.DefaultBCA},
		{"both", 1, 1000, payments.DefaultBCA},
		{"not a number", math.NaN(), 0, payments.DefaultBCA},
		{"infinite", math.Inf(1), 0, payments.DefaultBCA},
		{"too large", 1e300, 0, payments.DefaultBCA},
		{"sum too large for tiyin", 0, math.MaxInt64 / 10, payments.DefaultBCA},
		{"no BCA", 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := payments.Amount(tt.multiple, tt.fixed, tt.bca); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("Amount(%v, %d, %d) = %d, %v; want EINVALID", tt.multiple, tt.fixed, tt.bca, got, err)
			}
		})
	}
}

func TestDue(t *testing.T) {
	svc, err := payments.New(nil, nil, nil, nil, payments.Config{BCA: 375000})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Due(payments.Fee{BCAMultiple: 1}, false); err != nil || got != 375000_00 {
		t.Errorf("1 BCA at a configured BCA = %d, %v", got, err)
	}
	if got, err := svc.Due(payments.Fee{BCAMultiple: 1}, true); err != nil || got != 0 {
		t.Errorf("exempt payer owes %d, %v", got, err)
	}
	if got, err := svc.Due(payments.Fee{}, false); err != nil || got != 0 {
		t.Errorf("free service costs %d, %v", got, err)
	}
	if _, err := payments.New(nil, nil, nil, nil, payments.Config{BCA: -1}); err == nil {
		t.Error("negative BCA accepted")
	}
}

func TestFormatSum(t *testing.T) {
	tests := []struct {
		loc   i18n.Locale
		tiyin int64
		want  string
	}{
		{i18n.UzLatn, 41_200_00, "41\u00a0200"},
		{i18n.Ru, 1_030_000_50, "1\u00a0030\u00a0000,50"},
		{i18n.En, 41_200_05, "41,200.05"},
		{i18n.UzCyrl, 99, "0,99"},
	}
	for _, tt := range tests {
		if got := payments.FormatSum(tt.loc, tt.tiyin); got != tt.want {
			t.Errorf("FormatSum(%s, %d) = %q, want %q", tt.loc, tt.tiyin, got, tt.want)
		}
	}
}
