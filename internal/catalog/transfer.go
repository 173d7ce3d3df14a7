package catalog

// Import and export of the whole registry, for administrators moving it
// between installations or editing many passports at once in a spreadsheet.
//
// The JSON document is the API's representation of agencies and services
// (agencyJSON, serviceJSON) with every agency named by its code, so a file
// written by one installation means the same in another. CSV files and the
// XLSX workbook have one column per flat field, named by its path in the
// JSON document (code, name.ru, fee.bca_multiple, plan.deadline…), lists
// joined with ';', and the nested lists (documents, legal_basis) as JSON.
//
// An import is all or nothing: the file is parsed and every record checked
// against the registry before anything is written, every problem is listed
// with its line and field, and the changes are applied in one transaction.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/xuri/excelize/v2"
)

// TransferFormat names the JSON document's format and version.
const TransferFormat = "egov-registry/1"

// The formats Import reads.
const (
	ImportJSON        = "json"         // the document ExportJSON writes
	ImportCSVAgencies = "csv-agencies" // ExportCSV(…, "agencies")
	ImportCSVServices = "csv-services" // ExportCSV(…, "services")
)

// What ExportCSV writes.
const (
	ExportAgencies = "agencies"
	ExportServices = "services"
)

// Import limits, so a hostile or mistaken file costs a bounded amount of
// memory and time. The messages catalog.import.too_large, too_many and
// more_problems state these figures: change them together.
const (
	MaxImportBytes    = 20 << 20 // 20 MiB
	MaxImportRecords  = 20000    // agencies and services together
	maxImportProblems = 1000     // problems listed; the rest are counted
)

// The sheets of the XLSX export.
const (
	SheetAgencies = "Agencies"
	SheetServices = "Services"
)

// Message keys of import and export.
const (
	msgImportInvalid          = "catalog.import.invalid"
	msgImportTooLarge         = "catalog.import.too_large"
	msgImportTooMany          = "catalog.import.too_many"
	msgImportMoreProblems     = "catalog.import.more_problems"
	msgImportEmpty            = "catalog.import.empty"
	msgImportFormat           = "catalog.import.format"
	msgImportSyntax           = "catalog.import.syntax"
	msgImportEncoding         = "catalog.import.encoding"
	msgImportColumns          = "catalog.import.columns"
	msgImportColumnUnknown    = "catalog.import.column_unknown"
	msgImportColumnMissing    = "catalog.import.column_missing"
	msgImportColumnTwice      = "catalog.import.column_twice"
	msgImportField            = "catalog.import.field"
	msgImportNumber           = "catalog.import.number"
	msgImportBool             = "catalog.import.bool"
	msgImportDate             = "catalog.import.date"
	msgImportJSONCell         = "catalog.import.json_cell"
	msgImportLocale           = "catalog.import.locale"
	msgImportDuplicate        = "catalog.import.duplicate"
	msgImportParentCycle      = "catalog.import.parent_cycle"
	msgImportForbiddenAgency  = "catalog.import.forbidden_agency"
	msgImportForbiddenService = "catalog.import.forbidden_service"
	msgExportWhat             = "catalog.export.what"
	msgExportTooLong          = "catalog.export.too_long"
)

// ImportProblem is one thing wrong with an import file.
type ImportProblem struct {
	// Line is where the problem is: in a CSV file the line the record
	// starts on (the header is line 1); in a JSON document the position of
	// the record in its list, from 1. 0 is the file as a whole.
	Line int `json:"line"`
	// Record is "agency" or "service"; empty for the file as a whole.
	Record string `json:"record,omitempty"`
	// Code is the record's code, when it could be read.
	Code string `json:"code,omitempty"`
	// Field is the column or field, by its path in the JSON document
	// ("name.ru", "plan.deadline"); empty for the whole record or file.
	Field string `json:"field,omitempty"`
	// Message is the message key of what is wrong.
	Message string `json:"message"`
}

// ImportError is an import that was refused and changed nothing, with every
// problem found. It unwraps to an *apperr.Error EINVALID with the message
// catalog.import.invalid whose Fields hold one entry per problem (keyed
// "line 07 (code): field" for CSV, "service 07 (code): field" for JSON), so
// the generic error page and problem document list them all; a dedicated
// page can show Problems instead.
type ImportError struct {
	// Problems are in file order (problems of the file as a whole first,
	// then agencies, then services), at most maxImportProblems of them; a
	// last problem catalog.import.more_problems says when there are more.
	Problems []ImportProblem
	err      *apperr.Error
}

// Error implements error.
func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "import refused: %d problems", len(e.Problems))
	for i, p := range e.Problems {
		if i == 3 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; line %d %s %s: %s", p.Line, p.Code, p.Field, p.Message)
	}
	return b.String()
}

// Unwrap returns the *apperr.Error EINVALID the web layer shows.
func (e *ImportError) Unwrap() error { return e.err }

// newImportError builds the error for problems found in a file read as
// format.
func newImportError(format string, problems []ImportProblem) *ImportError {
	width := 1
	for _, p := range problems {
		width = max(width, len(strconv.Itoa(p.Line)))
	}
	fields := make(map[string]string, len(problems))
	for _, p := range problems {
		var key string
		switch {
		case p.Line == 0:
			key = "file"
		case format == ImportJSON:
			key = fmt.Sprintf("%s %0*d", p.Record, width, p.Line)
		default:
			key = fmt.Sprintf("line %0*d", width, p.Line)
		}
		if p.Code != "" {
			key += " (" + p.Code + ")"
		}
		if p.Field != "" {
			key += ": " + p.Field
		}
		for k, n := key, 2; ; n++ {
			if _, taken := fields[k]; !taken {
				fields[k] = p.Message
				break
			}
			k = fmt.Sprintf("%s [%d]", key, n)
		}
	}
	return &ImportError{Problems: problems, err: apperr.Invalid(msgImportInvalid, fields)}
}

// ImportResult counts what an import did.
type ImportResult struct {
	AgenciesCreated   int `json:"agencies_created"`
	AgenciesUpdated   int `json:"agencies_updated"`
	AgenciesUnchanged int `json:"agencies_unchanged"`
	ServicesCreated   int `json:"services_created"`
	ServicesUpdated   int `json:"services_updated"`
	ServicesUnchanged int `json:"services_unchanged"`
}

// Changed tells whether the import wrote anything.
func (r ImportResult) Changed() bool {
	return r.AgenciesCreated+r.AgenciesUpdated+r.ServicesCreated+r.ServicesUpdated > 0
}

// transferService is a service in an export: the API's representation with
// the participating and responsible agencies named by code too.
type transferService struct {
	serviceJSON
	// Participants are agency codes; they hide the passport's IDs.
	Participants []string `json:"participants,omitempty"`
	// Plan names the responsible agency by code; it hides the passport's.
	Plan *transferPlan `json:"plan,omitempty"`
}

// transferPlan is a digitisation plan with the responsible agency's code.
type transferPlan struct {
	TargetLevel Level     `json:"target_level"`
	Deadline    time.Time `json:"deadline"`
	Responsible string    `json:"responsible"`
}

// transferDoc is the JSON export.
type transferDoc struct {
	Format   string            `json:"format"`
	Agencies []agencyJSON      `json:"agencies"`
	Services []transferService `json:"services"`
}

// toAgencyJSON is an agency in the API's representation; codes maps agency
// IDs to codes.
func toAgencyJSON(a Agency, codes map[string]string) agencyJSON {
	return agencyJSON{Code: a.Code, Parent: codes[a.ParentID], Kind: string(a.Kind), Names: a.Names,
		Phone: a.Phone, Email: a.Email, Website: a.Website, Regions: a.Regions}
}

// toTransferService is a service as exported; codes maps agency IDs to
// codes.
func toTransferService(s *Service, codes map[string]string) transferService {
	t := transferService{serviceJSON: serviceJSON{Passport: s.Passport, Agency: codes[s.AgencyID], Version: s.Version, UpdatedAt: s.UpdatedAt}}
	t.Passport.AgencyID, t.Passport.Participants, t.Passport.Plan = "", nil, nil
	for _, id := range s.Participants {
		t.Participants = append(t.Participants, codes[id])
	}
	if s.Plan != nil {
		t.Plan = &transferPlan{TargetLevel: s.Plan.TargetLevel, Deadline: s.Plan.Deadline, Responsible: codes[s.Plan.ResponsibleID]}
	}
	return t
}

// exportData reads the whole registry in the export's representation:
// agencies by code, services by code.
func (r *Registry) exportData(ctx context.Context) ([]agencyJSON, []transferService, error) {
	// Services first: agencies are never deleted, so every service's
	// agency is in the list read after.
	services, err := allServices(ctx, r.db.Reader())
	if err != nil {
		return nil, nil, err
	}
	agencies, err := loadAgencies(ctx, r.db.Reader())
	if err != nil {
		return nil, nil, err
	}
	codes := agencyCodes(agencies)
	as := make([]agencyJSON, 0, len(agencies))
	for _, a := range agencies {
		as = append(as, toAgencyJSON(a, codes))
	}
	ss := make([]transferService, 0, len(services))
	for _, s := range services {
		ss = append(ss, toTransferService(s, codes))
	}
	return as, ss, nil
}

// allServices reads the current version of every service, by code.
func allServices(ctx context.Context, q querier) ([]*Service, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, version, updated_at, updated_by, passport FROM catalog_services ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("all services: %w", err)
	}
	defer rows.Close()
	var out []*Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ExportFormat is a download of the registry: the format Export takes, its
// media type and its file name extension.
type ExportFormat struct {
	Name, MediaType, Ext string
}

// ExportFormats are the formats Export writes: the three Import reads and
// the workbook.
var ExportFormats = []ExportFormat{
	{ImportJSON, "application/json", "json"},
	{ImportCSVServices, "text/csv; charset=utf-8", "csv"},
	{ImportCSVAgencies, "text/csv; charset=utf-8", "csv"},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
}

// Export writes the registry in the format named (one of ExportFormats);
// an unknown format is EINVALID.
func (r *Registry) Export(ctx context.Context, w io.Writer, format string) error {
	switch format {
	case ImportJSON:
		return r.ExportJSON(ctx, w)
	case ImportCSVServices:
		return r.ExportCSV(ctx, w, ExportServices)
	case ImportCSVAgencies:
		return r.ExportCSV(ctx, w, ExportAgencies)
	case "xlsx":
		return r.ExportXLSX(ctx, w)
	}
	return apperr.Invalid(msgExportFormat, map[string]string{"format": msgExportFormat})
}

// ExportJSON writes the whole registry as one JSON document:
// {"format": "egov-registry/1", "agencies": […], "services": […]}, agencies
// and services ordered by code, in the API's representation with every
// agency named by its code (participants and plan.responsible too).
// version and updated_at are for information; Import ignores them.
func (r *Registry) ExportJSON(ctx context.Context, w io.Writer) error {
	agencies, services, err := r.exportData(ctx)
	if err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(transferDoc{Format: TransferFormat, Agencies: agencies, Services: services}); err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	return nil
}

// ExportCSV writes the agencies or the services (what is ExportAgencies or
// ExportServices; anything else is EINVALID) as RFC 4180 CSV with a header
// row: one column per flat field and language, lists joined with ';', the
// documents and legal basis of a service as JSON.
func (r *Registry) ExportCSV(ctx context.Context, w io.Writer, what string) error {
	if what != ExportAgencies && what != ExportServices {
		return apperr.Invalid(msgExportWhat, map[string]string{"what": msgExportWhat})
	}
	agencies, services, err := r.exportData(ctx)
	if err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	var header []string
	var rows [][]string
	if what == ExportAgencies {
		header, rows = csvTable(csvAgencyFields, agencies)
	} else {
		header, rows = csvTable(csvServiceFields, services)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	_ = cw.Write(header)
	_ = cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

// ExportXLSX writes the registry as one workbook with the sheets Agencies
// and Services, with the CSV's columns: header row bold and frozen, columns
// as wide as their contents (within limits), numbers and yes/no fields as
// such. A cell too long for a spreadsheet (32,767 characters) is EINVALID
// naming the record and column: export JSON or CSV instead.
func (r *Registry) ExportXLSX(ctx context.Context, w io.Writer) error {
	agencies, services, err := r.exportData(ctx)
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	if err := f.SetSheetName(f.GetSheetName(0), SheetAgencies); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	if _, err := f.NewSheet(SheetServices); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	header, rows := csvTable(csvAgencyFields, agencies)
	if err := writeXLSXSheet(f, SheetAgencies, bold, header, csvKinds(csvAgencyFields), rows); err != nil {
		return err
	}
	header, rows = csvTable(csvServiceFields, services)
	if err := writeXLSXSheet(f, SheetServices, bold, header, csvKinds(csvServiceFields), rows); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

// Spreadsheet limits: the longest text a cell holds, in UTF-16 units, and
// the column widths used, in characters.
const (
	xlsxMaxCell  = 32767
	xlsxMinWidth = 8
	xlsxMaxWidth = 60
)

// writeXLSXSheet streams one sheet: the header in bold and frozen, the rows
// with cells typed by kind.
func writeXLSXSheet(f *excelize.File, sheet string, bold int, header []string, kinds []cellKind, rows [][]string) error {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	for i, h := range header {
		width := utf8.RuneCountInString(h)
		for _, row := range rows {
			width = max(width, utf8.RuneCountInString(row[i]))
		}
		if err := sw.SetColWidth(i+1, i+1, float64(min(max(width+2, xlsxMinWidth), xlsxMaxWidth))); err != nil {
			return fmt.Errorf("export xlsx: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{StyleID: bold}); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	for n, row := range rows {
		cells := make([]any, len(row))
		for i, v := range row {
			if utf16Len(v) > xlsxMaxCell {
				return apperr.New(apperr.EINVALID, msgExportTooLong, row[0], header[i])
			}
			cells[i] = kinds[i].value(v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("export xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export xlsx: %w", err)
	}
	return nil
}

// utf16Len is the length of s in UTF-16 units, as spreadsheets count.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf8.RuneLen(r)/4 + 1 // runes beyond the BMP are two units
	}
	return n
}

// cellKind is what a column holds, for typed spreadsheet cells.
type cellKind int

const (
	cellText cellKind = iota
	cellInt
	cellNumber
	cellBool
)

// value is a cell's value in a spreadsheet: nil when empty, a number or a
// boolean where the column holds one, else the text.
func (k cellKind) value(s string) any {
	if s == "" {
		return nil
	}
	switch k {
	case cellInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case cellNumber:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case cellBool:
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return s
}

// csvField is one column of a CSV or spreadsheet export of records of type T,
// named by its path in the JSON document.
type csvField[T any] struct {
	name string
	kind cellKind
	get  func(*T) string
	// set reads a cell (trimmed, non-empty or empty) into the record and
	// returns "" or the message key of what is wrong with it. It is nil for
	// the columns written for information only (version, updated_at):
	// those may be left out of an import and are not read.
	set func(*T, string) string
}

// csvTable is the header and rows of records.
func csvTable[T any](fields []csvField[T], records []T) ([]string, [][]string) {
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = f.name
	}
	rows := make([][]string, 0, len(records))
	for i := range records {
		row := make([]string, len(fields))
		for j, f := range fields {
			row[j] = f.get(&records[i])
		}
		rows = append(rows, row)
	}
	return header, rows
}

// csvKinds lists what each column holds.
func csvKinds[T any](fields []csvField[T]) []cellKind {
	out := make([]cellKind, len(fields))
	for i, f := range fields {
		out[i] = f.kind
	}
	return out
}

// listSeparator joins the items of a list in one cell.
const listSeparator = ";"

// csvText is a column of a string.
func csvText[T any](name string, at func(*T) *string) csvField[T] {
	return csvField[T]{name: name, get: func(t *T) string { return *at(t) },
		set: func(t *T, v string) string { *at(t) = v; return "" }}
}

// csvTexts are the columns of a text in every language: name.uz-Latn,
// name.uz-Cyrl, name.ru, name.en.
func csvTexts[T any](name string, at func(*T) *Texts) []csvField[T] {
	var out []csvField[T]
	for _, loc := range i18n.All() {
		out = append(out, csvField[T]{name: name + "." + string(loc),
			get: func(t *T) string { return (*at(t))[loc] },
			set: func(t *T, v string) string {
				if v != "" {
					if *at(t) == nil {
						*at(t) = Texts{}
					}
					(*at(t))[loc] = v
				}
				return ""
			}})
	}
	return out
}

// csvList is a column of a list, its items joined with ';'.
func csvList[T any](name string, at func(*T) *[]string) csvField[T] {
	return csvField[T]{name: name, get: func(t *T) string { return strings.Join(*at(t), listSeparator) },
		set: func(t *T, v string) string {
			for item := range strings.SplitSeq(v, listSeparator) {
				if item = strings.TrimSpace(item); item != "" {
					*at(t) = append(*at(t), item)
				}
			}
			return ""
		}}
}

// csvInt is a column of a whole number; zero is written as an empty cell
// when blankZero is set (a fee of 0 is no fee).
func csvInt[T any](name string, blankZero bool, get func(*T) int64, set func(*T, int64)) csvField[T] {
	return csvField[T]{name: name, kind: cellInt,
		get: func(t *T) string {
			if n := get(t); n != 0 || !blankZero {
				return strconv.FormatInt(n, 10)
			}
			return ""
		},
		set: func(t *T, v string) string {
			if v == "" {
				return ""
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return msgImportNumber
			}
			set(t, n)
			return ""
		}}
}

// csvLevel is a column of a digitisation level.
func csvLevel[T any](name string, at func(*T) *Level) csvField[T] {
	return csvInt(name, false, func(t *T) int64 { return int64(*at(t)) }, func(t *T, n int64) {
		*at(t) = Level(max(min(n, math.MaxInt32), math.MinInt32))
	})
}

// csvBool is a column of a yes/no: true, false or empty (false).
func csvBool[T any](name string, at func(*T) *bool) csvField[T] {
	return csvField[T]{name: name, kind: cellBool, get: func(t *T) string { return strconv.FormatBool(*at(t)) },
		set: func(t *T, v string) string {
			if v == "" {
				return ""
			}
			b, err := strconv.ParseBool(v)
			if err != nil {
				return msgImportBool
			}
			*at(t) = b
			return ""
		}}
}

// csvJSON is a column of a list written as JSON, as in the JSON export.
func csvJSON[T, E any](name string, at func(*T) *[]E) csvField[T] {
	return csvField[T]{name: name,
		get: func(t *T) string {
			if len(*at(t)) == 0 {
				return ""
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(*at(t))
			return strings.TrimSuffix(b.String(), "\n")
		},
		set: func(t *T, v string) string {
			if v == "" {
				return ""
			}
			dec := json.NewDecoder(strings.NewReader(v))
			dec.DisallowUnknownFields()
			var list []E
			if err := dec.Decode(&list); err != nil || dec.More() {
				return msgImportJSONCell
			}
			if _, err := dec.Token(); err != io.EOF {
				return msgImportJSONCell
			}
			*at(t) = list
			return ""
		}}
}

// csvAgencyFields are the columns of agencies.
var csvAgencyFields = slices.Concat(
	[]csvField[agencyJSON]{
		csvText("code", func(a *agencyJSON) *string { return &a.Code }),
		csvText("parent", func(a *agencyJSON) *string { return &a.Parent }),
		csvText("kind", func(a *agencyJSON) *string { return &a.Kind }),
	},
	csvTexts("names", func(a *agencyJSON) *Texts { return &a.Names }),
	[]csvField[agencyJSON]{
		csvText("phone", func(a *agencyJSON) *string { return &a.Phone }),
		csvText("email", func(a *agencyJSON) *string { return &a.Email }),
		csvText("website", func(a *agencyJSON) *string { return &a.Website }),
		csvList("regions", func(a *agencyJSON) *[]string { return &a.Regions }),
	},
)

// plan returns the service's plan, adding an empty one to fill in.
func (t *transferService) plan() *transferPlan {
	if t.Plan == nil {
		t.Plan = &transferPlan{}
	}
	return t.Plan
}

// csvServiceFields are the columns of services.
var csvServiceFields = slices.Concat(
	[]csvField[transferService]{
		csvText("code", func(t *transferService) *string { return &t.Code }),
		csvText("agency", func(t *transferService) *string { return &t.Agency }),
		csvList("participants", func(t *transferService) *[]string { return &t.Participants }),
		csvText("recipients", func(t *transferService) *string { return &t.Recipients }),
		csvText("category", func(t *transferService) *string { return &t.Category }),
		csvList("life_events", func(t *transferService) *[]string { return &t.LifeEvents }),
	},
	csvTexts("name", func(t *transferService) *Texts { return &t.Name }),
	csvTexts("description", func(t *transferService) *Texts { return &t.Description }),
	csvTexts("result", func(t *transferService) *Texts { return &t.Result }),
	[]csvField[transferService]{
		{name: "fee.bca_multiple", kind: cellNumber,
			get: func(t *transferService) string {
				if t.Fee.BCAMultiple == 0 {
					return ""
				}
				return strconv.FormatFloat(t.Fee.BCAMultiple, 'f', -1, 64)
			},
			set: func(t *transferService, v string) string {
				if v == "" {
					return ""
				}
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
					return msgImportNumber
				}
				t.Fee.BCAMultiple = f
				return ""
			}},
		csvInt("fee.fixed_sum", true, func(t *transferService) int64 { return t.Fee.FixedSum }, func(t *transferService, n int64) { t.Fee.FixedSum = n }),
	},
	csvTexts("fee.exemptions", func(t *transferService) *Texts { return &t.Fee.Exemptions }),
	[]csvField[transferService]{
		csvInt("term_days", false, func(t *transferService) int64 { return int64(t.TermDays) },
			func(t *transferService, n int64) { t.TermDays = int(max(min(n, math.MaxInt32), math.MinInt32)) }),
		csvBool("channels.portal", func(t *transferService) *bool { return &t.Channels.Portal }),
		csvBool("channels.mobile", func(t *transferService) *bool { return &t.Channels.Mobile }),
		csvBool("channels.psc", func(t *transferService) *bool { return &t.Channels.PSC }),
		csvBool("channels.office", func(t *transferService) *bool { return &t.Channels.Office }),
		csvLevel("level", func(t *transferService) *Level { return &t.Level }),
		{name: "status", get: func(t *transferService) string { return string(t.Status) },
			set: func(t *transferService, v string) string { t.Status = Status(v); return "" }},
		csvText("process_key", func(t *transferService) *string { return &t.ProcessKey }),
		csvBool("signature_required", func(t *transferService) *bool { return &t.SignatureRequired }),
		{name: "plan.target_level", kind: cellInt,
			get: func(t *transferService) string {
				if t.Plan == nil {
					return ""
				}
				return strconv.Itoa(int(t.Plan.TargetLevel))
			},
			set: func(t *transferService, v string) string {
				if v == "" {
					return ""
				}
				n, err := strconv.Atoi(v)
				if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
					return msgImportNumber
				}
				t.plan().TargetLevel = Level(n)
				return ""
			}},
		{name: "plan.deadline",
			get: func(t *transferService) string {
				if t.Plan == nil {
					return ""
				}
				return formatCellDate(t.Plan.Deadline)
			},
			set: func(t *transferService, v string) string {
				if v == "" {
					return ""
				}
				d, ok := parseCellDate(v)
				if !ok {
					return msgImportDate
				}
				t.plan().Deadline = d
				return ""
			}},
		{name: "plan.responsible",
			get: func(t *transferService) string {
				if t.Plan == nil {
					return ""
				}
				return t.Plan.Responsible
			},
			set: func(t *transferService, v string) string {
				if v != "" {
					t.plan().Responsible = v
				}
				return ""
			}},
		csvJSON("documents", func(t *transferService) *[]Document { return &t.Documents }),
		csvJSON("legal_basis", func(t *transferService) *[]LegalAct { return &t.LegalBasis }),
		{name: "version", kind: cellInt, get: func(t *transferService) string { return strconv.Itoa(t.Version) }},
		{name: "updated_at", get: func(t *transferService) string { return t.UpdatedAt.UTC().Format(time.RFC3339) }},
	},
)

// formatCellDate writes a date as 2006-01-02 when it is a day in UTC, else as
// RFC 3339, so that parseCellDate reads back the same time.
func formatCellDate(t time.Time) string {
	if t.Location() == time.UTC && t.Equal(t.Truncate(24*time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}

// parseCellDate reads 2006-01-02 (a day in UTC) or an RFC 3339 time.
func parseCellDate(s string) (time.Time, bool) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// importFile is a parsed import file: its records in file order with the
// problems found while reading them.
type importFile struct {
	format   string
	agencies []agencyRecord
	services []serviceRecord
	problems problemList
	// fatal is set when the file as a whole cannot be read (too large, not
	// the right format, bad header): its records are not checked further.
	fatal bool
}

type agencyRecord struct {
	line int
	a    agencyJSON
}

type serviceRecord struct {
	line int
	s    transferService
}

// problemList collects import problems, at most one per line, record and
// field, and at most maxImportProblems.
type problemList struct {
	list []ImportProblem
	seen map[[3]string]bool
	more bool
}

func (ps *problemList) add(p ImportProblem) {
	key := [3]string{strconv.Itoa(p.Line), p.Record, p.Field}
	if ps.seen[key] {
		return
	}
	if len(ps.list) == maxImportProblems {
		ps.more = true
		return
	}
	if ps.seen == nil {
		ps.seen = map[[3]string]bool{}
	}
	ps.seen[key] = true
	ps.list = append(ps.list, p)
}

// err is the ImportError for the problems, nil when there are none.
func (ps *problemList) err(format string) error {
	if len(ps.list) == 0 {
		return nil
	}
	// File problems first, then agencies before services, each by line.
	rank := func(p ImportProblem) int {
		switch {
		case p.Line == 0:
			return 0
		case p.Record == "agency":
			return 1
		}
		return 2
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b ImportProblem) int {
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return a.Line - b.Line
	})
	if ps.more {
		list = append(list, ImportProblem{Message: msgImportMoreProblems})
	}
	return newImportError(format, list)
}

// parseImport reads a whole import file of format without looking at the
// registry. Unknown formats and files over MaxImportBytes are refused at
// once; everything else wrong is in the returned file's problems.
func parseImport(format string, r io.Reader) (*importFile, error) {
	switch format {
	case ImportJSON, ImportCSVAgencies, ImportCSVServices:
	default:
		return nil, newImportError(format, []ImportProblem{{Field: "format", Message: msgImportFormat}})
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	if len(data) > MaxImportBytes {
		return nil, newImportError(format, []ImportProblem{{Message: msgImportTooLarge}})
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	f := &importFile{format: format}
	if format == ImportJSON {
		f.parseJSON(data)
	} else {
		f.parseCSV(data)
	}
	return f, nil
}

// fail records a problem with the file as a whole.
func (f *importFile) fail(p ImportProblem) {
	f.problems.add(p)
	f.fatal = true
}

// parseJSON reads a JSON document as ExportJSON writes it.
func (f *importFile) parseJSON(data []byte) {
	if !utf8.Valid(data) {
		f.fail(ImportProblem{Message: msgImportEncoding})
		return
	}
	var doc struct {
		Format   string            `json:"format"`
		Agencies []json.RawMessage `json:"agencies"`
		Services []json.RawMessage `json:"services"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		field, msg := decodeProblem(err)
		f.fail(ImportProblem{Field: field, Message: msg})
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		f.fail(ImportProblem{Message: msgImportSyntax})
		return
	}
	if doc.Format != TransferFormat {
		f.fail(ImportProblem{Field: "format", Message: msgImportFormat})
		return
	}
	if len(doc.Agencies)+len(doc.Services) > MaxImportRecords {
		f.fail(ImportProblem{Message: msgImportTooMany})
		return
	}
	for i, raw := range doc.Agencies {
		rec := agencyRecord{line: i + 1}
		f.decodeRecord(raw, &rec.a, ImportProblem{Line: i + 1, Record: "agency"}, func() string { return rec.a.Code })
		f.agencies = append(f.agencies, rec)
	}
	for i, raw := range doc.Services {
		rec := serviceRecord{line: i + 1}
		f.decodeRecord(raw, &rec.s, ImportProblem{Line: i + 1, Record: "service"}, func() string { return rec.s.Code })
		f.services = append(f.services, rec)
	}
}

// decodeRecord decodes one record of a JSON document into v, refusing
// unknown fields and strings with NUL characters (which no database text
// holds); at is the record's place for problems, code reads its code.
func (f *importFile) decodeRecord(raw json.RawMessage, v any, at ImportProblem, code func() string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	at.Code = strings.TrimSpace(code())
	if at.Code == "" {
		var c struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(raw, &c)
		at.Code = strings.TrimSpace(c.Code)
	}
	if !utf8.ValidString(at.Code) || strings.ContainsRune(at.Code, 0) || len(at.Code) > 100 {
		at.Code = ""
	}
	if err != nil {
		at.Field, at.Message = decodeProblem(err)
		if at.Message == msgImportSyntax {
			at.Message = msgImportField
		}
		f.problems.add(at)
	}
	if hasNULEscape(raw) {
		at.Field, at.Message = "", msgImportEncoding
		f.problems.add(at)
	}
}

// decodeProblem is the field and message key of a JSON decoding error.
func decodeProblem(err error) (field, msg string) {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return jsonPath(typeErr.Field), msgImportField
	}
	if s, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name, err := strconv.Unquote(s); err == nil && utf8.ValidString(name) && len(name) <= 100 {
			return name, msgImportField
		}
		return "", msgImportField
	}
	return "", msgImportSyntax
}

// jsonPath drops the names of embedded Go types from a decoding error's
// field path ("serviceJSON.Passport.level" is "level").
func jsonPath(path string) string {
	var out []string
	for part := range strings.SplitSeq(path, ".") {
		if r, _ := utf8.DecodeRuneInString(part); r == utf8.RuneError || unicode.IsUpper(r) || part == "serviceJSON" {
			continue
		}
		out = append(out, part)
	}
	return strings.Join(out, ".")
}

// hasNULEscape tells whether valid JSON text holds a string with a NUL
// character, written \u0000.
func hasNULEscape(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] == 'u' && i+6 <= len(raw) && string(raw[i+2:i+6]) == "0000" {
			return true
		}
		i++ // skip the escaped character, so \\u0000 is not one
	}
	return false
}

// parseCSV reads a CSV file of agencies or services as ExportCSV writes it.
// The columns may come in any order; version and updated_at may be left
// out. A cell that cannot be read is a problem at its line and column.
func (f *importFile) parseCSV(data []byte) {
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		f.fail(ImportProblem{Line: 1, Message: msgImportEmpty})
		return
	}
	if err != nil {
		f.fail(ImportProblem{Line: csvLine(err, 1), Message: msgImportSyntax})
		return
	}
	if f.format == ImportCSVAgencies {
		readCSVRecords(f, cr, header, csvAgencyFields, "agency", func(line int, a agencyJSON) {
			f.agencies = append(f.agencies, agencyRecord{line: line, a: a})
		})
	} else {
		readCSVRecords(f, cr, header, csvServiceFields, "service", func(line int, s transferService) {
			f.services = append(f.services, serviceRecord{line: line, s: s})
		})
	}
}

// csvLine is the line of a CSV parse error, or def.
func csvLine(err error, def int) int {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Line
	}
	return def
}

// readCSVRecords matches the header to fields and reads each record with them.
func readCSVRecords[T any](f *importFile, cr *csv.Reader, header []string, fields []csvField[T], record string, add func(line int, rec T)) {
	byName := make(map[string]int, len(fields))
	for i, fl := range fields {
		byName[fl.name] = i
	}
	cols := make([]int, len(header)) // column -> field, -1 for none
	found := map[int]bool{}
	codeCol := -1
	for i, h := range header {
		h = strings.TrimSpace(h)
		cols[i] = -1
		j, ok := byName[h]
		switch {
		case h == "":
			// A column without a name (a spreadsheet's trailing
			// separators) is not read.
		case !ok:
			f.fail(ImportProblem{Line: 1, Field: columnLabel(h), Message: msgImportColumnUnknown})
		case found[j]:
			f.fail(ImportProblem{Line: 1, Field: h, Message: msgImportColumnTwice})
		default:
			found[j], cols[i] = true, j
			if h == "code" {
				codeCol = i
			}
		}
	}
	for j, fl := range fields {
		if fl.set != nil && !found[j] {
			f.fail(ImportProblem{Line: 1, Field: fl.name, Message: msgImportColumnMissing})
		}
	}
	if f.fatal {
		return
	}
	for n := 0; ; n++ {
		row, err := cr.Read()
		if err == io.EOF {
			return
		}
		if n == MaxImportRecords {
			f.fail(ImportProblem{Message: msgImportTooMany})
			return
		}
		if err != nil {
			f.problems.add(ImportProblem{Line: csvLine(err, 0), Record: record, Message: msgImportSyntax})
			return
		}
		line, _ := cr.FieldPos(0)
		at := ImportProblem{Line: line, Record: record}
		if codeCol >= 0 && codeCol < len(row) && cleanCell(row[codeCol]) && len(row[codeCol]) <= 100 {
			at.Code = strings.TrimSpace(row[codeCol])
		}
		if len(row) != len(header) {
			at.Message = msgImportColumns
			f.problems.add(at)
			continue
		}
		var rec T
		for i, cell := range row {
			if cols[i] < 0 || fields[cols[i]].set == nil {
				continue
			}
			fl := fields[cols[i]]
			p := at
			p.Field = fl.name
			if !cleanCell(cell) {
				p.Message = msgImportEncoding
				f.problems.add(p)
				continue
			}
			if p.Message = fl.set(&rec, strings.TrimSpace(cell)); p.Message != "" {
				f.problems.add(p)
			}
		}
		add(line, rec)
	}
}

// columnLabel is a column name fit to show in a problem: valid UTF-8, short.
func columnLabel(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "?")
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return s
}

// cleanCell tells whether a cell is text a database can hold: valid UTF-8
// without NUL characters.
func cleanCell(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// importState is what the registry holds, as an import is checked against
// it.
type importState struct {
	agencies []Agency
	// services are the current versions, by code.
	services map[string]*Service
}

// importPlan is what an import will write.
type importPlan struct {
	// agencies are created or updated in this order: parents first.
	agencies []plannedAgency
	// services are created or updated in file order.
	services []plannedService
	result   ImportResult
}

type plannedAgency struct {
	a      Agency
	create bool
}

type plannedService struct {
	p Passport
	// expected is the current version of a service to update; 0 to create.
	expected int
}

// check validates every record of a parsed file against the registry and
// returns what to write, or the ImportError listing every problem: the
// file's own, bad passports and agencies, unknown agency codes, duplicate
// codes, parent cycles, changes that may forbids, and a missing reason.
// New agencies get their IDs here.
func (f *importFile) check(st importState, reason string, may func(agencyID string) bool) (*importPlan, error) {
	ps := &f.problems
	if f.fatal {
		return nil, ps.err(f.format)
	}
	if !validReason(reason) {
		ps.add(ImportProblem{Field: "reason", Message: msgReason})
	}
	allowed := func(id string) bool { return may == nil || may(id) }
	plan := &importPlan{}

	ids := make(map[string]string, len(st.agencies)+len(f.agencies)) // code -> ID
	existing := make(map[string]*Agency, len(st.agencies))           // code -> agency
	parents := make(map[string]string, len(st.agencies)+len(f.agencies))
	for i, a := range st.agencies {
		ids[a.Code], existing[a.Code], parents[a.ID] = a.ID, &st.agencies[i], a.ParentID
	}

	// Agencies: each checked alone, then their parents once every code of
	// the file is known.
	type pending struct {
		rec agencyRecord
		a   Agency
		at  ImportProblem
	}
	var agencies []*pending
	fileCodes := map[string]bool{}
	for _, rec := range f.agencies {
		at := ImportProblem{Line: rec.line, Record: "agency", Code: strings.TrimSpace(rec.a.Code)}
		a := Agency{Code: rec.a.Code, Kind: AgencyKind(rec.a.Kind), Names: rec.a.Names,
			Phone: rec.a.Phone, Email: rec.a.Email, Website: rec.a.Website, Regions: rec.a.Regions}
		checkLocales(ps, at, "names", a.Names)
		a, fields := a.normalize()
		for name, msg := range fields {
			addFieldProblems(ps, at, name, msg, rec.a.Names)
		}
		if fields["code"] != "" {
			continue
		}
		if fileCodes[a.Code] {
			p := at
			p.Field, p.Message = "code", msgImportDuplicate
			ps.add(p)
			continue
		}
		fileCodes[a.Code] = true
		if old := existing[a.Code]; old != nil {
			a.ID = old.ID
		} else {
			a.ID = db.NewID()
		}
		ids[a.Code] = a.ID
		agencies = append(agencies, &pending{rec: rec, a: a, at: at})
	}
	for _, p := range agencies {
		parent := strings.TrimSpace(p.rec.a.Parent)
		p.a.ParentID = ""
		if parent != "" {
			if p.a.ParentID = ids[parent]; p.a.ParentID == "" {
				q := p.at
				q.Field, q.Message = "parent", msgNoSuchAgency
				ps.add(q)
			}
		}
		parents[p.a.ID] = p.a.ParentID
	}
	for _, p := range agencies {
		// Walk up from the agency: reaching it again, or walking longer
		// than there are agencies, is a cycle.
		for id, n := parents[p.a.ID], 0; id != ""; id, n = parents[id], n+1 {
			if id == p.a.ID || n > len(parents) {
				q := p.at
				q.Field, q.Message = "parent", msgImportParentCycle
				ps.add(q)
				break
			}
		}
	}
	// Parent-first order: an agency after its parent when both are in the
	// file; cycles were refused above, and the depth bound ends any walk.
	depth := func(p *pending) int {
		n := 0
		for id := p.a.ParentID; id != "" && n <= len(parents); id = parents[id] {
			n++
		}
		return n
	}
	slices.SortStableFunc(agencies, func(x, y *pending) int { return depth(x) - depth(y) })
	for _, p := range agencies {
		old := existing[p.a.Code]
		if old != nil && sameAgency(*old, p.a) {
			plan.result.AgenciesUnchanged++
			continue
		}
		if !allowed("") {
			q := p.at
			q.Message = msgImportForbiddenAgency
			ps.add(q)
			continue
		}
		plan.agencies = append(plan.agencies, plannedAgency{a: p.a, create: old == nil})
		if old == nil {
			plan.result.AgenciesCreated++
		} else {
			plan.result.AgenciesUpdated++
		}
	}

	// Services: each passport normalized and its agencies resolved.
	seen := map[string]bool{}
	for _, rec := range f.services {
		t := rec.s
		at := ImportProblem{Line: rec.line, Record: "service", Code: strings.TrimSpace(t.Code)}
		p := t.Passport
		p.AgencyID, p.Participants, p.Plan = "", nil, nil
		problem := func(field, msg string) {
			q := at
			q.Field, q.Message = field, msg
			ps.add(q)
		}
		if p.AgencyID = ids[strings.TrimSpace(t.Agency)]; p.AgencyID == "" {
			problem("agency", msgAgency)
		}
		for _, code := range t.Participants {
			id := ids[strings.TrimSpace(code)]
			if id == "" {
				problem("participants", msgNoSuchAgency)
			}
			p.Participants = append(p.Participants, id)
		}
		if t.Plan != nil {
			p.Plan = &Plan{TargetLevel: t.Plan.TargetLevel, Deadline: t.Plan.Deadline}
			if code := strings.TrimSpace(t.Plan.Responsible); code != "" {
				if p.Plan.ResponsibleID = ids[code]; p.Plan.ResponsibleID == "" {
					problem("plan.responsible", msgNoSuchAgency)
				}
			}
		}
		checkLocales(ps, at, "name", p.Name)
		checkLocales(ps, at, "description", p.Description)
		checkLocales(ps, at, "result", p.Result)
		checkLocales(ps, at, "fee.exemptions", p.Fee.Exemptions)
		for _, d := range p.Documents {
			checkLocales(ps, at, "documents", d.Name)
		}
		for _, l := range p.LegalBasis {
			checkLocales(ps, at, "legal_basis", l.Title)
		}
		given := t.Passport
		p, err := p.normalize()
		if e := apperr.As(err); e != nil {
			for name, msg := range e.Fields {
				addPassportProblems(ps, at, name, msg, given)
			}
			continue
		}
		if seen[p.Code] {
			problem("code", msgImportDuplicate)
			continue
		}
		seen[p.Code] = true
		old := st.services[p.Code]
		if old != nil && samePassport(old.Passport, p) {
			plan.result.ServicesUnchanged++
			continue
		}
		// Changing a service takes the right to change its agency's
		// services, and moving one away from another agency that one's too.
		if p.AgencyID != "" && (!allowed(p.AgencyID) || (old != nil && old.AgencyID != p.AgencyID && !allowed(old.AgencyID))) {
			problem("agency", msgImportForbiddenService)
			continue
		}
		planned := plannedService{p: p}
		if old != nil {
			planned.expected = old.Version
			plan.result.ServicesUpdated++
		} else {
			plan.result.ServicesCreated++
		}
		plan.services = append(plan.services, planned)
	}
	if err := ps.err(f.format); err != nil {
		return nil, err
	}
	return plan, nil
}

// checkLocales reports texts in languages the platform does not have.
func checkLocales(ps *problemList, at ImportProblem, field string, t Texts) {
	for loc := range t {
		if !slices.Contains(i18n.All(), loc) {
			at.Field, at.Message = field, msgImportLocale
			ps.add(at)
			return
		}
	}
}

// addFieldProblems reports an agency's field problem; missing names are
// reported per language, as the CSV columns are.
func addFieldProblems(ps *problemList, at ImportProblem, field, msg string, names Texts) {
	if field == "names" && msg == msgTextMissing {
		addMissingTexts(ps, at, "names", names)
		return
	}
	at.Field, at.Message = field, msg
	ps.add(at)
}

// addPassportProblems reports a passport's field problem under the
// import's field names: missing texts per language, the agency as agency.
func addPassportProblems(ps *problemList, at ImportProblem, field, msg string, given Passport) {
	if msg == msgTextMissing {
		switch field {
		case "name":
			addMissingTexts(ps, at, field, given.Name)
			return
		case "description":
			addMissingTexts(ps, at, field, given.Description)
			return
		case "result":
			addMissingTexts(ps, at, field, given.Result)
			return
		case "fee":
			addMissingTexts(ps, at, "fee.exemptions", given.Fee.Exemptions)
			return
		}
	}
	if field == "agency_id" {
		field = "agency"
	}
	at.Field, at.Message = field, msg
	ps.add(at)
}

// addMissingTexts reports each language a text is missing in (Uzbek
// Cyrillic only when Latin is missing too, as it is transliterated).
func addMissingTexts(ps *problemList, at ImportProblem, field string, t Texts) {
	_, missing := t.complete()
	for _, loc := range missing {
		at.Field, at.Message = field+"."+string(loc), msgTextMissing
		ps.add(at)
	}
}

// sameAgency tells whether an import leaves an agency as it is.
func sameAgency(a, b Agency) bool {
	return a.ParentID == b.ParentID && a.Kind == b.Kind && maps.Equal(a.Names, b.Names) && a.Phone == b.Phone &&
		a.Email == b.Email && a.Website == b.Website && slices.Equal(a.Regions, b.Regions)
}

// samePassport tells whether two passports say the same, as stored.
func samePassport(a, b Passport) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// Import reads a registry file of format (ImportJSON, ImportCSVAgencies or
// ImportCSVServices) and applies it as actor, all or nothing.
//
// The whole file is read (at most MaxImportBytes and MaxImportRecords) and
// every record checked before anything is written: passports as
// CreateService checks them, agencies as CreateAgency does, agency codes
// against the registry and the file, no code twice, no parent cycles. may
// tells whether the actor may change the services of an agency (by ID); nil
// allows everything. Agencies may be created or changed only when may("")
// allows it. If anything is wrong the import changes nothing and the error
// is an *ImportError (an apperr EINVALID) listing every problem.
//
// Then, in one transaction, agencies are created or updated by code,
// parents first; services are created as version 1 or, when their passport
// differs from the current one, updated to a new version with reason,
// recorded in the history and audited like UpdateService; unchanged
// records are left alone. A service changed by someone else meanwhile makes
// the import ECONFLICT, changing nothing.
func (r *Registry) Import(ctx context.Context, actor, format string, rd io.Reader, reason string, may func(agencyID string) bool) (ImportResult, error) {
	f, err := parseImport(format, rd)
	if err != nil {
		return ImportResult{}, err
	}
	var plan *importPlan
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		agencies, err := loadAgencies(ctx, tx)
		if err != nil {
			return err
		}
		services, err := allServices(ctx, tx)
		if err != nil {
			return err
		}
		st := importState{agencies: agencies, services: make(map[string]*Service, len(services))}
		for _, s := range services {
			st.services[s.Code] = s
		}
		if plan, err = f.check(st, reason, may); err != nil {
			return err
		}
		return r.applyImport(ctx, tx, actor, format, reason, plan)
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import: %w", err)
	}
	if plan.result.AgenciesCreated+plan.result.AgenciesUpdated > 0 {
		r.clearAgencies()
	}
	r.clearStats()
	return plan.result, nil
}

// applyImport writes a checked import in the caller's transaction, through
// the same helpers as CreateAgency, CreateService and UpdateService, and
// audits the import as a whole.
func (r *Registry) applyImport(ctx context.Context, tx *sql.Tx, actor, format, reason string, plan *importPlan) error {
	if !plan.result.Changed() {
		return nil
	}
	now := r.clock.Now()
	for _, p := range plan.agencies {
		write := r.updateAgency
		if p.create {
			write = r.insertAgency
		}
		if err := write(ctx, tx, actor, p.a, now, reason); err != nil {
			return fmt.Errorf("agency %s: %w", p.a.Code, err)
		}
	}
	for _, s := range plan.services {
		var err error
		if s.expected == 0 {
			_, err = r.insertService(ctx, tx, actor, s.p, reason, now)
		} else {
			_, err = r.updateService(ctx, tx, actor, s.expected, s.p, reason, now)
		}
		if err != nil {
			return fmt.Errorf("service %s: %w", s.p.Code, err)
		}
	}
	res := plan.result
	return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "catalog.registry.imported", ObjectType: "registry",
		Details: map[string]any{"format": format, "reason": strings.TrimSpace(reason),
			"agencies_created": res.AgenciesCreated, "agencies_updated": res.AgenciesUpdated,
			"services_created": res.ServicesCreated, "services_updated": res.ServicesUpdated}})
}
