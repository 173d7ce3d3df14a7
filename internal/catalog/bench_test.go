package catalog_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// syntheticRegistry fills a registry with n services whose names combine
// real Uzbek, Russian and English words, so searches hit realistic postings.
func syntheticRegistry(b *testing.B, reg *catalog.Registry, n int) {
	ctx := context.Background()
	ag, err := reg.CreateAgency(ctx, "bench", catalog.Agency{Code: "bench-agency", Kind: catalog.KindAgency,
		Names: catalog.Texts{i18n.UzLatn: "Sinov idorasi", i18n.Ru: "Тестовое ведомство", i18n.En: "Test agency"}})
	if err != nil {
		b.Fatal(err)
	}
	uz := []string{"guvohnoma", "maʼlumotnoma", "ruxsatnoma", "roʻyxatdan oʻtkazish", "nafaqa", "pensiya", "litsenziya", "yer uchastkasi", "tugʻilganlik", "nikoh"}
	ru := []string{"свидетельство", "справка", "разрешение", "регистрация", "пособие", "пенсия", "лицензия", "земельный участок", "рождение", "брак"}
	en := []string{"certificate", "statement", "permit", "registration", "allowance", "pension", "licence", "land plot", "birth", "marriage"}
	for i := range n {
		a, c := i%len(uz), (i/len(uz))%len(uz)
		p := catalog.Passport{Code: fmt.Sprintf("svc-%05d", i), AgencyID: ag.ID, Recipients: "citizen", Category: "bench",
			Name:        catalog.Texts{i18n.UzLatn: uz[a] + " " + uz[c] + fmt.Sprintf(" %d", i), i18n.Ru: ru[a] + " " + ru[c], i18n.En: en[a] + " " + en[c]},
			Description: catalog.Texts{i18n.UzLatn: "Xizmat tavsifi " + uz[c], i18n.Ru: "Описание услуги " + ru[c], i18n.En: "About the " + en[c]},
			Result:      catalog.Texts{i18n.UzLatn: uz[a], i18n.Ru: ru[a], i18n.En: en[a]},
			Level:       catalog.Level(1 + i%5), Status: catalog.StatusLive, Channels: catalog.Channels{Portal: true, Mobile: i%4 != 0}}
		if _, err := reg.CreateService(ctx, "bench", p, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSearch measures catalogue searches per second on a registry of
// 5,000 services: a Cyrillic query, a Latin query, and a typo that needs the
// fallback to near words.
func BenchmarkSearch(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine, schema())
			reg := catalog.New(d, clock.System{}, audit.New(d, clock.System{}))
			syntheticRegistry(b, reg, 5000)
			for _, q := range []string{"туғилганлик гувоҳнома", "pensiya", "licensia"} {
				b.Run(q, func(b *testing.B) {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if _, err := reg.Search(context.Background(), q, 20); err != nil {
								b.Fatal(err)
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "searches/s")
				})
			}
		})
	}
}
