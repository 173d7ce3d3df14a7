package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogueThroughTheSite(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		c := &http.Client{}

		// The home page's life event leads to its services.
		_, home := fetch(t, c, "GET", n.base+"/?lang=en", nil)
		if !strings.Contains(home, `href="/services?event=birth-of-a-child"`) {
			t.Errorf("home page life event does not link to its services")
		}
		_, page := fetch(t, c, "GET", n.base+"/services?event=birth-of-a-child&lang=ru", nil)
		if !strings.Contains(page, `href="/services/birth-certificate-duplicate"`) || strings.Contains(page, `href="/services/sole-proprietor-registration"`) {
			t.Errorf("life event filter")
		}
		// Search finds the service whichever script the query is in.
		for _, q := range []string{"tug%27ilganlik", "%D1%82%D1%83%D2%93%D0%B8%D0%BB%D0%B3%D0%B0%D0%BD%D0%BB%D0%B8%D0%BA", "tugilgenlik"} {
			_, page := fetch(t, c, "GET", n.base+"/services?lang=en&q="+q, nil)
			if !strings.Contains(page, `href="/services/birth-certificate-duplicate"`) {
				t.Errorf("search %s did not find the birth certificate", q)
			}
		}
		// The API names agencies by code, never by internal ID.
		_, all := fetch(t, c, "GET", n.base+"/api/v1/services?status=any&limit=500", nil)
		if !strings.Contains(all, `"responsible":"`) || regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-`).MatchString(all) {
			t.Error("the API shows internal agency IDs or no plans")
		}
		// The whole list comes in pages of fifty, ordered by name.
		_, first := fetch(t, c, "GET", n.base+"/services?lang=en", nil)
		_, second := fetch(t, c, "GET", n.base+"/services?lang=en&page=2", nil)
		if !strings.Contains(first, "Page 1 of 2") || !strings.Contains(first, `rel="next" href="/services?page=2"`) ||
			!strings.Contains(second, "Page 2 of 2") || strings.Count(first, `<li>
    <h3>`) != 50 {
			t.Errorf("catalogue pages")
		}
		names := regexp.MustCompile(`<h3><a href="/services/[^"]+">([^<]+)</a></h3>`).FindAllStringSubmatch(first+second, -1)
		for i := 1; i < len(names); i++ {
			if strings.ToLower(names[i-1][1]) > strings.ToLower(names[i][1]) && names[i-1][1] > names[i][1] {
				t.Errorf("not ordered by name: %q before %q", names[i-1][1], names[i][1])
			}
		}
		if resp, _ := fetch(t, c, "GET", n.base+"/services?page=x", nil); resp.StatusCode != 400 {
			t.Errorf("bad page: %d", resp.StatusCode)
		}
		resp, page := fetch(t, c, "GET", n.base+"/services/birth-certificate-duplicate?lang=uz-Cyrl", nil)
		if resp.StatusCode != 200 || !strings.Contains(page, "<h1>Туғилганлик") || !strings.Contains(page, " иш куни") {
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
		if k.Overall.Live != live || k.Overall.Automated != automated || k.Overall.Mobile != mobile || live < 60 || k.Targets.Live != 700 {
			t.Errorf("kpis %+v; database live=%d automated=%d mobile=%d", k, live, automated, mobile)
		}
		_, kpiPage := fetch(t, c, "GET", n.base+"/kpi?lang=en", nil)
		if !strings.Contains(kpiPage, fmt.Sprintf(`<p class="kpi-figure">%d <span class="small">/ 700</span></p>`, live)) ||
			!strings.Contains(kpiPage, fmt.Sprintf(`<p class="kpi-figure">%d %% <span class="small">/ 65 %%</span></p>`, int(float64(automated)/float64(live)*100+0.5))) {
			t.Errorf("KPI page does not show the counts")
		}

		// The plan flags services past their deadline.
		var planned int
		n.app.DB.Reader().QueryRow(`SELECT count(*) FROM catalog_services WHERE status IN ('planned', 'digitising')`).Scan(&planned)
		if planned == 0 || strings.Count(kpiPage, `<tr class="overdue">`) == 0 || !strings.Contains(kpiPage, "Digitisation plan") {
			t.Errorf("KPI page has no digitisation plan with overdue items (%d planned)", planned)
		}

		// The API pages and filters; errors are problem documents.
		var list struct {
			Items []struct{ Code, Agency string }
			Total int
		}
		var taxServices int
		n.app.DB.Reader().QueryRow(`SELECT count(*) FROM catalog_services s JOIN catalog_agencies a ON a.id = s.agency_id WHERE a.code = 'soliq'`).Scan(&taxServices)
		_, body = fetch(t, c, "GET", n.base+"/api/v1/services?agency=soliq&status=any&limit=500", nil)
		json.Unmarshal([]byte(body), &list)
		if list.Total != taxServices || taxServices == 0 || len(list.Items) != taxServices || list.Items[0].Agency != "soliq" {
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
