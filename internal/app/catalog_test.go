package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// seedCatalog puts two agencies and three services into a node's registry.
func seedCatalog(t *testing.T, n *node) {
	t.Helper()
	ctx := context.Background()
	tx := func(uz, ru, en string) catalog.Texts { return catalog.Texts{i18n.UzLatn: uz, i18n.Ru: ru, i18n.En: en} }
	justice, err := n.app.Registry.CreateAgency(ctx, "admin", catalog.Agency{Code: "adliya", Kind: catalog.KindMinistry,
		Names: tx("Adliya vazirligi", "Министерство юстиции", "Ministry of Justice")})
	if err != nil {
		t.Fatal(err)
	}
	tax, err := n.app.Registry.CreateAgency(ctx, "admin", catalog.Agency{Code: "soliq", Kind: catalog.KindCommittee,
		Names: tx("Soliq qoʻmitasi", "Налоговый комитет", "Tax Committee")})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []catalog.Passport{
		{Code: "birth-certificate-duplicate", AgencyID: justice.ID, Recipients: "citizen", Category: "civil-registry", LifeEvents: []string{"birth-of-a-child"},
			Name:        tx("Tugʻilganlik haqidagi guvohnomaning takroriy nusxasi", "Повторное свидетельство о рождении", "Duplicate birth certificate"),
			Description: tx("Yoʻqolgan guvohnoma oʻrniga yangisi.", "Новое свидетельство взамен утерянного.", "A new certificate for a lost one."),
			Result:      tx("Guvohnoma", "Свидетельство", "Certificate"), Fee: catalog.Fee{BCAMultiple: 0.1}, TermDays: 3,
			Channels: catalog.Channels{Portal: true, Mobile: true}, Level: catalog.LevelTransactional, Status: catalog.StatusLive},
		{Code: "sole-proprietor-registration", AgencyID: tax.ID, Recipients: "business", Category: "business", LifeEvents: []string{"starting-a-business"},
			Name:        tx("Yakka tartibdagi tadbirkorni roʻyxatdan oʻtkazish", "Регистрация индивидуального предпринимателя", "Registering a sole proprietor"),
			Description: tx("Oʻz biznesingizni boshlang.", "Начните своё дело.", "Start your own business."),
			Result:      tx("Guvohnoma", "Свидетельство", "Certificate"), TermDays: 1,
			Channels: catalog.Channels{Portal: true}, Level: catalog.LevelSubmission, Status: catalog.StatusLive},
		{Code: "tax-debt-statement", AgencyID: tax.ID, Recipients: "both", Category: "taxes",
			Name:        tx("Soliq qarzi yoʻqligi haqida maʼlumotnoma", "Справка об отсутствии налоговой задолженности", "No tax debt statement"),
			Description: tx("Qarz yoʻqligini tasdiqlaydi.", "Подтверждает отсутствие долга.", "Confirms you owe no tax."),
			Result:      tx("Maʼlumotnoma", "Справка", "Statement"), Channels: catalog.Channels{Office: true}, Level: catalog.LevelInformation, Status: catalog.StatusPlanned},
	} {
		if _, err := n.app.Registry.CreateService(ctx, "admin", s, "seed"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCatalogueThroughTheSite(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		seedCatalog(t, n)
		c := &http.Client{}

		// The home page's life event leads to its services.
		_, home := fetch(t, c, "GET", n.base+"/?lang=en", nil)
		if !strings.Contains(home, `href="/services?event=birth-of-a-child"`) {
			t.Errorf("home page life event does not link to its services")
		}
		_, page := fetch(t, c, "GET", n.base+"/services?event=birth-of-a-child&lang=ru", nil)
		if !strings.Contains(page, "Повторное свидетельство о рождении") || strings.Contains(page, "индивидуального предпринимателя") {
			t.Errorf("life event filter")
		}
		// Search finds the service whichever script the query is in.
		for _, q := range []string{"tug%27ilganlik", "%D1%82%D1%83%D2%93%D0%B8%D0%BB%D0%B3%D0%B0%D0%BD%D0%BB%D0%B8%D0%BA", "tugilgenlik"} {
			_, page := fetch(t, c, "GET", n.base+"/services?lang=en&q="+q, nil)
			if !strings.Contains(page, `href="/services/birth-certificate-duplicate"`) {
				t.Errorf("search %s did not find the birth certificate", q)
			}
		}
		resp, page := fetch(t, c, "GET", n.base+"/services/birth-certificate-duplicate?lang=uz-Cyrl", nil)
		if resp.StatusCode != 200 || !strings.Contains(page, "Туғилганлик ҳақидаги гувоҳноманинг такрорий нусхаси") || !strings.Contains(page, "3 иш куни") {
			t.Errorf("service page: %d", resp.StatusCode)
		}
		if resp, _ := fetch(t, c, "GET", n.base+"/services/no-such", nil); resp.StatusCode != 404 {
			t.Errorf("missing service: %d", resp.StatusCode)
		}

		// KPIs agree with a direct count in the database.
		var live, automated, mobile int
		n.app.DB.Reader().QueryRow(`SELECT count(*) FROM catalog_services WHERE status = 'live'`).Scan(&live)
		n.app.DB.Reader().QueryRow(`SELECT count(*) FROM catalog_services WHERE status = 'live' AND level >= 4`).Scan(&automated)
		n.app.DB.Reader().QueryRow(`SELECT count(*) FROM catalog_services WHERE status = 'live' AND mobile`).Scan(&mobile)
		var k struct {
			Overall struct {
				Live, Automated, Mobile int
				AutomatedShare          float64 `json:"automated_share"`
			}
			Targets struct{ Live int }
		}
		resp, body := fetch(t, c, "GET", n.base+"/api/v1/kpis", nil)
		if err := json.Unmarshal([]byte(body), &k); err != nil || resp.StatusCode != 200 {
			t.Fatalf("kpis: %d %v", resp.StatusCode, err)
		}
		if k.Overall.Live != live || k.Overall.Automated != automated || k.Overall.Mobile != mobile || live != 2 || k.Targets.Live != 700 {
			t.Errorf("kpis %+v; database live=%d automated=%d mobile=%d", k, live, automated, mobile)
		}
		_, kpiPage := fetch(t, c, "GET", n.base+"/kpi?lang=en", nil)
		if !strings.Contains(kpiPage, `<p class="kpi-figure">2 <span class="small">/ 700</span></p>`) || !strings.Contains(kpiPage, "50 %") {
			t.Errorf("KPI page does not show the counts")
		}

		// The API pages and filters; errors are problem documents.
		var list struct {
			Items []struct{ Code, Agency string }
			Total int
		}
		_, body = fetch(t, c, "GET", n.base+"/api/v1/services?agency=soliq&status=any", nil)
		json.Unmarshal([]byte(body), &list)
		if list.Total != 2 || list.Items[0].Agency != "soliq" {
			t.Errorf("services by agency: %+v", list)
		}
		resp, body = fetch(t, c, "GET", n.base+"/api/v1/services?limit=abc", nil)
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("bad limit: %d %s", resp.StatusCode, body)
		}
		resp, body = fetch(t, c, "GET", n.base+"/api/v1/openapi.json", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `"/api/v1/services/{code}"`) || !strings.Contains(body, `"openapi":"3.1.0"`) {
			t.Errorf("openapi: %d", resp.StatusCode)
		}
	})
}
