package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/xuri/excelize/v2"
)

// These tests are inside the package so that the parsers can be fuzzed
// without a database.

var transferStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func transferSchema() []db.Migrations { return []db.Migrations{audit.Migrations(), Migrations()} }

// transferRegistry is a registry on a fresh database of the engine, with a
// clock at transferStart, and its audit log.
func transferRegistry(t *testing.T, d *db.DB) (*Registry, *audit.Log) {
	c := clock.NewManual(transferStart)
	log := audit.New(d, c)
	return New(d, c, log), log
}

// demoRegistry is a registry loaded with the demo data.
func demoRegistry(t *testing.T, d *db.DB) (*Registry, *audit.Log) {
	t.Helper()
	reg, log := transferRegistry(t, d)
	if err := reg.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return reg, log
}

// exportAs returns one export: "json", "agencies", "services" or "xlsx".
func exportAs(t *testing.T, reg *Registry, what string) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch what {
	case "json":
		err = reg.ExportJSON(context.Background(), &b)
	case "xlsx":
		err = reg.ExportXLSX(context.Background(), &b)
	default:
		err = reg.ExportCSV(context.Background(), &b, what)
	}
	if err != nil {
		t.Fatalf("export %s: %v", what, err)
	}
	return b.Bytes()
}

func importOK(t *testing.T, reg *Registry, format string, data []byte, reason string, may func(string) bool) ImportResult {
	t.Helper()
	res, err := reg.Import(context.Background(), "importer", format, bytes.NewReader(data), reason, may)
	if err != nil {
		t.Fatalf("import %s: %v", format, err)
	}
	return res
}

// importProblems imports data expecting a refusal and returns its problems.
func importProblems(t *testing.T, reg *Registry, format string, data []byte, may func(string) bool) []ImportProblem {
	t.Helper()
	_, err := reg.Import(context.Background(), "importer", format, bytes.NewReader(data), "Tuzatish", may)
	var ie *ImportError
	if !errors.As(err, &ie) || !apperr.Is(err, apperr.EINVALID) {
		t.Fatalf("import %s: want an ImportError, got %v", format, err)
	}
	if e := apperr.As(err); e.Message != msgImportInvalid || len(e.Fields) != len(ie.Problems) {
		t.Errorf("apperr = %v, %d fields for %d problems", e, len(e.Fields), len(ie.Problems))
	}
	return ie.Problems
}

func hasImportProblem(ps []ImportProblem, line int, field, msg string) bool {
	return slices.ContainsFunc(ps, func(p ImportProblem) bool { return p.Line == line && p.Field == field && p.Message == msg })
}

// readCSVRows and writeCSVRows edit an exported CSV file.
func readCSVRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSVRows(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	return b.Bytes()
}

func columnIndex(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, header)
	}
	return i
}

func TestTransferRoundTrip(t *testing.T) {
	dbtest.Each(t, transferSchema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		src, srcLog := demoRegistry(t, d)
		js, agenciesCSV, servicesCSV := exportAs(t, src, "json"), exportAs(t, src, "agencies"), exportAs(t, src, "services")
		agencies, _ := src.Agencies(ctx)
		_, services, _ := src.Services(ctx, ServiceFilter{Limit: 1})

		var doc map[string]any
		if err := json.Unmarshal(js, &doc); err != nil || doc["format"] != TransferFormat {
			t.Fatalf("export is not a registry document: %v", err)
		}
		if n := bytes.Count(agenciesCSV, []byte("\r\n")); n != len(agencies)+1 {
			t.Errorf("agencies CSV has %d lines, want %d", n, len(agencies)+1)
		}

		// JSON into an empty registry reproduces it.
		viaJSON, _ := transferRegistry(t, dbtest.Open(t, d.Engine(), transferSchema()))
		res := importOK(t, viaJSON, ImportJSON, js, "Koʻchirildi", nil)
		if want := (ImportResult{AgenciesCreated: len(agencies), ServicesCreated: services}); res != want {
			t.Errorf("json import = %+v, want %+v", res, want)
		}
		if got := exportAs(t, viaJSON, "json"); !bytes.Equal(got, js) {
			t.Errorf("JSON round trip differs:\n%s", firstDifference(js, got))
		}
		list, err := viaJSON.Agencies(ctx) // the cache was cleared
		if err != nil || len(list) != len(agencies) {
			t.Errorf("agencies after import: %d, %v", len(list), err)
		}

		// CSV, agencies then services, does too.
		viaCSV, _ := transferRegistry(t, dbtest.Open(t, d.Engine(), transferSchema()))
		importOK(t, viaCSV, ImportCSVAgencies, agenciesCSV, "Koʻchirildi", nil)
		importOK(t, viaCSV, ImportCSVServices, servicesCSV, "Koʻchirildi", nil)
		if got := exportAs(t, viaCSV, "json"); !bytes.Equal(got, js) {
			t.Errorf("CSV round trip differs:\n%s", firstDifference(js, got))
		}

		// Importing the registry's own export changes nothing.
		_, audited, _ := srcLog.List(ctx, audit.Filter{})
		for _, in := range []struct {
			format string
			data   []byte
		}{{ImportJSON, js}, {ImportCSVAgencies, agenciesCSV}, {ImportCSVServices, servicesCSV}} {
			res := importOK(t, src, in.format, in.data, "Qayta", nil)
			if res.Changed() || res.AgenciesUnchanged+res.ServicesUnchanged == 0 {
				t.Errorf("re-import %s = %+v", in.format, res)
			}
		}
		if _, n, _ := srcLog.List(ctx, audit.Filter{}); n != audited {
			t.Errorf("re-import audited %d records", n-audited)
		}
		if got := exportAs(t, src, "json"); !bytes.Equal(got, js) {
			t.Errorf("re-import changed the registry:\n%s", firstDifference(js, got))
		}
	})
}

// firstDifference shows where two exports part.
func firstDifference(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d and %d lines", len(al), len(bl))
}

func TestImportEditedRow(t *testing.T) {
	dbtest.Each(t, transferSchema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg, log := demoRegistry(t, d)
		rows := readCSVRows(t, exportAs(t, reg, "services"))
		code, term, nameRu := columnIndex(t, rows[0], "code"), columnIndex(t, rows[0], "term_days"), columnIndex(t, rows[0], "name.ru")
		edited := rows[5]
		edited[term] = "2"
		edited[nameRu] += " (обновлено)"
		before, _ := reg.ServiceByCode(ctx, edited[code])

		const reason = "Muddat ikki kunga qisqartirildi"
		res := importOK(t, reg, ImportCSVServices, writeCSVRows(rows), reason, nil)
		if res.ServicesUpdated != 1 || res.ServicesCreated != 0 || res.ServicesUnchanged != len(rows)-2 {
			t.Errorf("result = %+v", res)
		}
		after, err := reg.ServiceByCode(ctx, edited[code])
		if err != nil || after.Version != before.Version+1 || after.TermDays != 2 || !strings.HasSuffix(after.Name[i18n.Ru], "(обновлено)") ||
			after.UpdatedBy != "importer" {
			t.Errorf("after = v%d term %d %q by %s, %v", after.Version, after.TermDays, after.Name[i18n.Ru], after.UpdatedBy, err)
		}
		hist, err := reg.History(ctx, edited[code])
		if err != nil || len(hist) != 2 || hist[0].Reason != reason || hist[0].ChangedBy != "importer" || hist[1].Passport.TermDays == 2 {
			t.Errorf("history = %+v, %v", hist, err)
		}
		entries, _, _ := log.List(ctx, audit.Filter{Limit: 2})
		if len(entries) != 2 || entries[0].Action != "catalog.registry.imported" || entries[1].Action != "catalog.service.updated" {
			t.Errorf("audit = %+v", entries)
		}
	})
}

func TestImportRefusesWholeFile(t *testing.T) {
	dbtest.Each(t, transferSchema(), func(t *testing.T, d *db.DB) {
		reg, _ := demoRegistry(t, d)
		before := exportAs(t, reg, "json")
		rows := readCSVRows(t, exportAs(t, reg, "services"))
		h := rows[0]
		// Line 1 is the header, so line n is rows[n-1]; line 5 is a good
		// edit that must not be applied either.
		rows[2][columnIndex(t, h, "level")] = "four"
		rows[2][columnIndex(t, h, "name.en")] = ""
		rows[4][columnIndex(t, h, "term_days")] = "1"
		rows[6][columnIndex(t, h, "agency")] = "no-such-agency"
		rows[6][columnIndex(t, h, "plan.deadline")] = "31.12.2027"
		ps := importProblems(t, reg, ImportCSVServices, writeCSVRows(rows), nil)
		for _, want := range []struct {
			line       int
			field, msg string
		}{{3, "level", msgImportNumber}, {3, "name.en", msgTextMissing}, {7, "agency", msgAgency}, {7, "plan.deadline", msgImportDate}} {
			if !hasImportProblem(ps, want.line, want.field, want.msg) {
				t.Errorf("no problem %+v in %+v", want, ps)
			}
		}
		for _, p := range ps {
			if p.Line != 3 && p.Line != 7 || p.Code != rows[p.Line-1][0] {
				t.Errorf("unexpected problem %+v", p)
			}
		}
		if after := exportAs(t, reg, "json"); !bytes.Equal(before, after) {
			t.Errorf("a refused import changed the registry:\n%s", firstDifference(before, after))
		}

		// In JSON, problems are at the record's position in its list.
		var doc map[string]any
		_ = json.Unmarshal(before, &doc)
		svcs := doc["services"].([]any)
		svcs[1].(map[string]any)["status"] = "gone"
		svcs[3].(map[string]any)["participants"] = []string{"nowhere"}
		svcs[3].(map[string]any)["colour"] = "red"
		doc["agencies"].([]any)[0].(map[string]any)["parent"] = doc["agencies"].([]any)[1].(map[string]any)["code"]
		doc["agencies"].([]any)[1].(map[string]any)["parent"] = doc["agencies"].([]any)[0].(map[string]any)["code"]
		data, _ := json.Marshal(doc)
		ps = importProblems(t, reg, ImportJSON, data, nil)
		for _, want := range []struct {
			record, field, msg string
			line               int
		}{{"service", "status", msgStatus, 2}, {"service", "participants", msgNoSuchAgency, 4}, {"service", "colour", msgImportField, 4},
			{"agency", "parent", msgImportParentCycle, 1}, {"agency", "parent", msgImportParentCycle, 2}} {
			if !slices.ContainsFunc(ps, func(p ImportProblem) bool {
				return p.Record == want.record && p.Line == want.line && p.Field == want.field && p.Message == want.msg
			}) {
				t.Errorf("no problem %+v in %+v", want, ps)
			}
		}
		if after := exportAs(t, reg, "json"); !bytes.Equal(before, after) {
			t.Errorf("a refused import changed the registry:\n%s", firstDifference(before, after))
		}
	})
}

func TestImportMay(t *testing.T) {
	dbtest.Each(t, transferSchema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg, _ := demoRegistry(t, d)
		agencies, _ := reg.Agencies(ctx)
		ids := map[string]string{}
		for _, a := range agencies {
			ids[a.Code] = a.ID
		}
		adliya := func(id string) bool { return id == ids["adliya"] } // an agency admin of adliya
		rows := readCSVRows(t, exportAs(t, reg, "services"))
		h := rows[0]
		agency, term := columnIndex(t, h, "agency"), columnIndex(t, h, "term_days")
		own := slices.IndexFunc(rows, func(r []string) bool { return r[agency] == "adliya" })
		other := slices.IndexFunc(rows, func(r []string) bool { return r[agency] != "adliya" && r[agency] != "agency" })
		if own < 0 || other < 0 {
			t.Fatal("demo data has no services of adliya and of others")
		}

		rows[own][term] = "9"
		rows[other][term] = "9"
		ps := importProblems(t, reg, ImportCSVServices, writeCSVRows(rows), adliya)
		if len(ps) != 1 || !hasImportProblem(ps, other+1, "agency", msgImportForbiddenService) {
			t.Errorf("problems = %+v", ps)
		}

		// Moving an own service to another agency is changing that one's.
		rows[other][term] = readCSVRows(t, exportAs(t, reg, "services"))[other][term]
		rows[own][agency] = "soliq"
		ps = importProblems(t, reg, ImportCSVServices, writeCSVRows(rows), adliya)
		if len(ps) != 1 || !hasImportProblem(ps, own+1, "agency", msgImportForbiddenService) {
			t.Errorf("problems = %+v", ps)
		}
		rows[own][agency] = "adliya"
		if res := importOK(t, reg, ImportCSVServices, writeCSVRows(rows), "Muddat", adliya); res.ServicesUpdated != 1 {
			t.Errorf("own service: %+v", res)
		}

		// Agencies are for platform administrators only; unchanged rows are
		// no change.
		arows := readCSVRows(t, exportAs(t, reg, "agencies"))
		if res := importOK(t, reg, ImportCSVAgencies, writeCSVRows(arows), "Qayta", adliya); res.Changed() {
			t.Errorf("unchanged agencies: %+v", res)
		}
		arows[1][columnIndex(t, arows[0], "phone")] = "+998 71 000 00 00"
		ps = importProblems(t, reg, ImportCSVAgencies, writeCSVRows(arows), adliya)
		if len(ps) != 1 || !hasImportProblem(ps, 2, "", msgImportForbiddenAgency) {
			t.Errorf("problems = %+v", ps)
		}
		res := importOK(t, reg, ImportCSVAgencies, writeCSVRows(arows), "Telefon", func(string) bool { return true })
		if res.AgenciesUpdated != 1 || res.AgenciesUnchanged != len(arows)-2 {
			t.Errorf("platform admin: %+v", res)
		}
		list, _ := reg.Agencies(ctx) // the cache was cleared
		if i := slices.IndexFunc(list, func(a Agency) bool { return a.Code == arows[1][0] }); i < 0 || list[i].Phone != "+998 71 000 00 00" {
			t.Errorf("agency not updated: %+v", list)
		}
	})
}

func TestImportAgencies(t *testing.T) {
	dbtest.Each(t, transferSchema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg, _ := transferRegistry(t, d)
		// Children before parents, and an existing agency moved under a new one.
		if _, err := reg.CreateAgency(ctx, "admin", Agency{Code: "tuman", Kind: KindDistrict, Names: Texts{i18n.UzLatn: "Tuman", i18n.Ru: "Район", i18n.En: "District"}}); err != nil {
			t.Fatal(err)
		}
		file := "code,parent,kind,names.uz-Latn,names.uz-Cyrl,names.ru,names.en,phone,email,website,regions\r\n" +
			"tuman,viloyat,district,Tuman,,Район,District,,,,UZ-SA\r\n" +
			"viloyat,vazirlik,regional,Viloyat,,Область,Region,,,,UZ-SA;UZ-TK\r\n" +
			"vazirlik,,ministry,Vazirlik,,Министерство,Ministry,+998 71 1,a@b.uz,,\r\n"
		res := importOK(t, reg, ImportCSVAgencies, []byte(file), "Tuzilma", nil)
		if res != (ImportResult{AgenciesCreated: 2, AgenciesUpdated: 1}) {
			t.Errorf("result = %+v", res)
		}
		list, _ := reg.Agencies(ctx)
		byCode := map[string]Agency{}
		for _, a := range list {
			byCode[a.Code] = a
		}
		if byCode["tuman"].ParentID != byCode["viloyat"].ID || byCode["viloyat"].ParentID != byCode["vazirlik"].ID ||
			byCode["viloyat"].Names[i18n.UzCyrl] != "Вилоят" || !slices.Equal(byCode["viloyat"].Regions, []string{"UZ-SA", "UZ-TK"}) {
			t.Errorf("agencies = %+v", list)
		}
		// A cycle through the database is refused too.
		ps := importProblems(t, reg, ImportCSVAgencies, []byte(strings.Replace(file, "vazirlik,,ministry", "vazirlik,tuman,ministry", 1)), nil)
		if !hasImportProblem(ps, 4, "parent", msgImportParentCycle) {
			t.Errorf("problems = %+v", ps)
		}
	})
}

func TestExportXLSX(t *testing.T) {
	dbtest.Each(t, transferSchema(), func(t *testing.T, d *db.DB) {
		reg, _ := demoRegistry(t, d)
		f, err := excelize.OpenReader(bytes.NewReader(exportAs(t, reg, "xlsx")))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{SheetAgencies, SheetServices}) {
			t.Errorf("sheets = %v", got)
		}
		for _, s := range []struct{ sheet, csv string }{{SheetAgencies, "agencies"}, {SheetServices, "services"}} {
			want := readCSVRows(t, exportAs(t, reg, s.csv))
			rows, err := f.GetRows(s.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) || !slices.Equal(rows[0], want[0]) {
				t.Errorf("%s: %d rows, header %v; want %d, %v", s.sheet, len(rows), rows[0], len(want), want[0])
				continue
			}
			if !slices.Equal(rows[1][:3], want[1][:3]) {
				t.Errorf("%s: first row %v, want %v", s.sheet, rows[1][:3], want[1][:3])
			}
			panes, err := f.GetPanes(s.sheet)
			if err != nil || !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("%s: panes %+v, %v", s.sheet, panes, err)
			}
			id, _ := f.GetCellStyle(s.sheet, "B1")
			if style, err := f.GetStyle(id); err != nil || style.Font == nil || !style.Font.Bold {
				t.Errorf("%s: header not bold: %+v, %v", s.sheet, style, err)
			}
			if w, _ := f.GetColWidth(s.sheet, "A"); w < xlsxMinWidth || w > xlsxMaxWidth {
				t.Errorf("%s: column A is %v wide", s.sheet, w)
			}
		}
	})
}

// --- Without a database -----------------------------------------------

// importTestState is a registry of two agencies and one service, in memory.
func importTestState() importState {
	names := Texts{i18n.UzLatn: "Adliya", i18n.UzCyrl: "Адлия", i18n.Ru: "Юстиция", i18n.En: "Justice"}
	st := importState{agencies: []Agency{
		{ID: "a1", Code: "adliya", Kind: KindMinistry, Names: names, Regions: []string{}},
		{ID: "a2", Code: "soliq", Kind: KindCommittee, Names: names, Regions: []string{}},
	}, services: map[string]*Service{}}
	return st
}

// demoTransfer is the demo data in the export's representation, built in
// memory: the seeds of the fuzz tests.
func demoTransfer(t testing.TB) ([]agencyJSON, []transferService) {
	ids, codes := map[string]string{}, map[string]string{}
	var agencies []agencyJSON
	for _, d := range demoAgencies {
		ids[d.code], codes[d.code] = d.code, d.code
		names, _ := d.name.texts().complete()
		agencies = append(agencies, agencyJSON{Code: d.code, Parent: d.parent, Kind: string(d.kind), Names: names,
			Phone: d.phone, Email: d.email, Website: d.website, Regions: d.regions})
	}
	var services []transferService
	for _, d := range demoServices[:12] {
		p, err := d.passport(ids)
		if err != nil {
			t.Fatal(err)
		}
		if p, err = p.normalize(); err != nil {
			t.Fatal(err)
		}
		services = append(services, toTransferService(&Service{Version: 1, UpdatedAt: transferStart, Passport: p}, codes))
	}
	return agencies, services
}

func TestParseImport(t *testing.T) {
	agencies, services := demoTransfer(t)
	ah, arows := csvTable(csvAgencyFields, agencies)
	sh, srows := csvTable(csvServiceFields, services)
	csvOf := func(header []string, rows [][]string) string {
		return string(writeCSVRows(append([][]string{header}, rows...)))
	}
	goodServices := csvOf(sh, srows)
	jsonDoc, _ := json.Marshal(transferDoc{Format: TransferFormat, Agencies: agencies, Services: services})

	tests := []struct {
		name, format, data string
		want               []ImportProblem // each must be among the problems
	}{
		{"unknown format", "xml", "<x/>", []ImportProblem{{Field: "format", Message: msgImportFormat}}},
		{"empty", ImportCSVServices, "", []ImportProblem{{Line: 1, Message: msgImportEmpty}}},
		{"unknown and missing columns", ImportCSVAgencies, "code,colour\r\nx,red\r\n",
			[]ImportProblem{{Line: 1, Field: "colour", Message: msgImportColumnUnknown}, {Line: 1, Field: "kind", Message: msgImportColumnMissing}}},
		{"column twice", ImportCSVAgencies, strings.Join(append(ah, "code"), ",") + "\r\n",
			[]ImportProblem{{Line: 1, Field: "code", Message: msgImportColumnTwice}}},
		{"bad quote", ImportCSVServices, strings.Replace(goodServices, "\n"+srows[1][0], "\n\"x\"y"+srows[1][0], 1),
			[]ImportProblem{{Line: 3, Record: "service", Message: msgImportSyntax}}},
		{"short row", ImportCSVServices, strings.Join(sh, ",") + "\r\nonly-code\r\n",
			[]ImportProblem{{Line: 2, Record: "service", Code: "only-code", Message: msgImportColumns}}},
		{"bad cells", ImportCSVServices, csvOf(sh, [][]string{editRow(sh, srows[0], map[string]string{
			"fee.bca_multiple": "NaN", "channels.mobile": "maybe", "documents": "[{\"nmae\":{}}]", "life_events": "Bad Event", "name.uz-Latn": "a\x00b"})}),
			[]ImportProblem{{Line: 2, Field: "fee.bca_multiple", Message: msgImportNumber}, {Line: 2, Field: "channels.mobile", Message: msgImportBool},
				{Line: 2, Field: "documents", Message: msgImportJSONCell}, {Line: 2, Field: "life_events", Message: msgLifeEvent},
				{Line: 2, Field: "name.uz-Latn", Message: msgImportEncoding}}},
		{"duplicate code", ImportCSVServices, csvOf(sh, [][]string{srows[0], srows[0]}),
			[]ImportProblem{{Line: 3, Field: "code", Message: msgImportDuplicate}}},
		{"multi-line cell keeps line numbers", ImportCSVServices, csvOf(sh, [][]string{editRow(sh, srows[0], map[string]string{"description.en": "one\ntwo"}),
			editRow(sh, srows[1], map[string]string{"status": "x"})}),
			[]ImportProblem{{Line: 4, Field: "status", Message: msgStatus}}},
		{"not json", ImportJSON, "{", []ImportProblem{{Message: msgImportSyntax}}},
		{"wrong format tag", ImportJSON, `{"format":"egov-registry/9","agencies":[],"services":[]}`, []ImportProblem{{Field: "format", Message: msgImportFormat}}},
		{"trailing data", ImportJSON, string(jsonDoc) + "{}", []ImportProblem{{Message: msgImportSyntax}}},
		{"bad utf-8", ImportJSON, string(jsonDoc[:20]) + "\xff" + string(jsonDoc[20:]), []ImportProblem{{Message: msgImportEncoding}}},
		{"json record problems", ImportJSON, `{"format":"egov-registry/1","agencies":[{"code":"x","kind":"ministry","names":{"uz-Latn":"X","ru":"X","en":"X","fr":"X"}}],
			"services":[{"code":"s1","agency":"x","level":"4"},{"code":"s2","name":{"uz-Latn":"a\u0000"}}]}`,
			[]ImportProblem{{Line: 1, Record: "agency", Code: "x", Field: "names", Message: msgImportLocale},
				{Line: 1, Record: "service", Code: "s1", Field: "level", Message: msgImportField},
				{Line: 2, Record: "service", Code: "s2", Message: msgImportEncoding}}},
		{"missing reason", ImportCSVServices, goodServices, []ImportProblem{{Field: "reason", Message: msgReason}}},
	}
	b := transferBundle(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason := "Sinov"
			if tt.name == "missing reason" {
				reason = " "
			}
			_, err := parseAndCheck(tt.format, []byte(tt.data), reason, nil)
			var ie *ImportError
			if !errors.As(err, &ie) || !apperr.Is(err, apperr.EINVALID) {
				t.Fatalf("want an ImportError, got %v", err)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(ie.Problems, func(p ImportProblem) bool {
					return p.Line == w.Line && p.Field == w.Field && p.Message == w.Message &&
						(w.Record == "" || p.Record == w.Record) && (w.Code == "" || p.Code == w.Code)
				}) {
					t.Errorf("no problem %+v in %+v", w, ie.Problems)
				}
			}
			for _, p := range ie.Problems {
				if !b.Has(p.Message) {
					t.Errorf("message %q has no translation", p.Message)
				}
			}
		})
	}

	// The good files pass, and every demo agency and service is new.
	for _, in := range []struct{ format, data string }{{ImportJSON, string(jsonDoc)}, {ImportCSVAgencies, csvOf(ah, arows)}} {
		plan, err := parseAndCheck(in.format, []byte(in.data), "Sinov", nil)
		if err != nil || plan.result.AgenciesCreated != len(agencies)-2 || plan.result.AgenciesUpdated != 2 {
			t.Errorf("%s: %+v, %v", in.format, plan, err)
		}
	}
}

// editRow returns a copy of row with the named cells changed.
func editRow(header, row []string, cells map[string]string) []string {
	out := slices.Clone(row)
	for name, v := range cells {
		out[slices.Index(header, name)] = v
	}
	return out
}

func TestImportLimits(t *testing.T) {
	_, err := parseImport(ImportJSON, bytes.NewReader(make([]byte, MaxImportBytes+1)))
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Message != msgImportTooLarge {
		t.Errorf("too large: %v", err)
	}
	header, _ := csvTable(csvServiceFields, nil)
	var b strings.Builder
	b.WriteString(strings.Join(header, ",") + "\n")
	for range MaxImportRecords + 1 {
		b.WriteString(strings.Repeat(",", len(header)-1) + "\n")
	}
	f, err := parseImport(ImportCSVServices, strings.NewReader(b.String()))
	if err != nil || !f.fatal || !slices.ContainsFunc(f.problems.list, func(p ImportProblem) bool { return p.Message == msgImportTooMany }) {
		t.Errorf("too many: %v", err)
	}
	// Problems are capped, and the list says there were more.
	_, err = parseAndCheck(ImportCSVServices, []byte(strings.SplitN(b.String(), "\n", maxImportProblems+2)[0]+"\n"+
		strings.Repeat(strings.Repeat(",", len(header)-1)+"\n", maxImportProblems)), "x", nil)
	if !errors.As(err, &ie) || len(ie.Problems) != maxImportProblems+1 || ie.Problems[maxImportProblems].Message != msgImportMoreProblems {
		t.Errorf("capped: %d problems", len(ie.Problems))
	}
}

func TestImportErrorFields(t *testing.T) {
	err := newImportError(ImportCSVServices, []ImportProblem{{Line: 3, Code: "a", Field: "level", Message: msgLevel},
		{Line: 12, Code: "b", Field: "agency", Message: msgAgency}, {Field: "reason", Message: msgReason}})
	e := apperr.As(err)
	want := map[string]string{"line 03 (a): level": msgLevel, "line 12 (b): agency": msgAgency, "file: reason": msgReason}
	if e == nil || e.Code != apperr.EINVALID || len(e.Fields) != len(want) {
		t.Fatalf("apperr = %v", e)
	}
	for k, v := range want {
		if e.Fields[k] != v {
			t.Errorf("fields = %v", e.Fields)
		}
	}
	e = apperr.As(newImportError(ImportJSON, []ImportProblem{{Line: 2, Record: "service", Field: "x", Message: msgImportField}}))
	if e.Fields["service 2: x"] != msgImportField {
		t.Errorf("json fields = %v", e.Fields)
	}
}

func TestTransferMessagesTranslated(t *testing.T) {
	b := transferBundle(t)
	for _, k := range []string{msgImportInvalid, msgImportTooLarge, msgImportTooMany, msgImportMoreProblems, msgImportEmpty,
		msgImportFormat, msgImportSyntax, msgImportEncoding, msgImportColumns, msgImportColumnUnknown, msgImportColumnMissing,
		msgImportColumnTwice, msgImportField, msgImportNumber, msgImportBool, msgImportDate, msgImportJSONCell, msgImportLocale,
		msgImportDuplicate, msgImportParentCycle, msgImportForbiddenAgency, msgImportForbiddenService, msgExportWhat, msgExportTooLong} {
		if !b.Has(k) {
			t.Errorf("message %q has no translation", k)
		}
	}
}

func transferBundle(t testing.TB) *i18n.Bundle {
	b, err := i18n.Load(web.Locales(), Locales())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseAndCheck parses a file and checks it against testState.
func parseAndCheck(format string, data []byte, reason string, may func(string) bool) (*importPlan, error) {
	f, err := parseImport(format, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return f.check(importTestState(), reason, may)
}

// fuzzImport checks that parsing and checking never panic, refuse only
// with an ImportError whose messages are translated, and accept only
// passports that can be stored. The actor is an agency admin, so the
// permission checks run too.
func fuzzImport(t *testing.T, b *i18n.Bundle, format string, data []byte) {
	plan, err := parseAndCheck(format, data, "Sinov", func(id string) bool { return id == "a1" })
	if err != nil {
		var ie *ImportError
		if !errors.As(err, &ie) || !apperr.Is(err, apperr.EINVALID) || len(ie.Problems) == 0 {
			t.Fatalf("error %v is not an import refusal", err)
		}
		for _, p := range ie.Problems {
			if !b.Has(p.Message) {
				t.Fatalf("problem %+v has no translated message", p)
			}
		}
		return
	}
	for _, s := range plan.services {
		if _, err := json.Marshal(s.p); err != nil {
			t.Fatalf("accepted a passport that cannot be stored: %v", err)
		}
	}
}

// The fuzz seeds are small, as the fuzzer minimizes every input that finds
// new code, each at the cost of a parse.
const fuzzSeedRecords = 3

func FuzzImportCSV(f *testing.F) {
	agencies, services := demoTransfer(f)
	for _, t := range []struct {
		header []string
		rows   [][]string
	}{csvSeed(csvTable(csvAgencyFields, agencies[:fuzzSeedRecords])), csvSeed(csvTable(csvServiceFields, services[:fuzzSeedRecords]))} {
		f.Add(writeCSVRows(append([][]string{t.header}, t.rows...)), len(t.header) == len(csvAgencyFields))
		f.Add(writeCSVRows(append([][]string{t.header}, t.rows[0])), len(t.header) == len(csvAgencyFields))
	}
	f.Add([]byte("code,kind\n\"a\"b,c\n"), true)
	b := transferBundle(f)
	f.Fuzz(func(t *testing.T, data []byte, agencies bool) {
		format := ImportCSVServices
		if agencies {
			format = ImportCSVAgencies
		}
		fuzzImport(t, b, format, data)
	})
}

func csvSeed(h []string, rows [][]string) struct {
	header []string
	rows   [][]string
} {
	return struct {
		header []string
		rows   [][]string
	}{h, rows}
}

func FuzzImportJSON(f *testing.F) {
	agencies, services := demoTransfer(f)
	doc, _ := json.Marshal(transferDoc{Format: TransferFormat, Agencies: agencies[:fuzzSeedRecords], Services: services[:fuzzSeedRecords]})
	f.Add(doc)
	one, _ := json.Marshal(transferDoc{Format: TransferFormat, Agencies: agencies[:2], Services: services[:1]})
	f.Add(one)
	f.Add([]byte(`{"format":"egov-registry/1","agencies":[null],"services":[{"code":"a\u0000","level":1e99}]}`))
	b := transferBundle(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzImport(t, b, ImportJSON, data)
	})
}
