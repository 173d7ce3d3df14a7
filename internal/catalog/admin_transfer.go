package catalog

import (
	"errors"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// exportFormats are the downloads of the whole registry, with their media
// type and file extension.
var exportFormats = map[string]struct{ mediaType, ext string }{
	"json":         {"application/json", "json"},
	"csv-services": {"text/csv; charset=utf-8", "csv"},
	"csv-agencies": {"text/csv; charset=utf-8", "csv"},
	"xlsx":         {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
}

func (m *Module) adminExport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	f, ok := exportFormats[format]
	if !ok {
		return apperr.Invalid(msgExportFormat, map[string]string{"format": msgExportFormat})
	}
	name := "egov-registry-" + format + "-" + time.Now().UTC().Format("2006-01-02") + "." + f.ext
	w.Header().Set("Content-Type", f.mediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	ctx := r.Context()
	switch format {
	case "json":
		return m.reg.ExportJSON(ctx, w)
	case "xlsx":
		return m.reg.ExportXLSX(ctx, w)
	case "csv-agencies":
		return m.reg.ExportCSV(ctx, w, ExportAgencies)
	}
	return m.reg.ExportCSV(ctx, w, ExportServices)
}

// importView is the outcome of an import: what changed, or every problem
// that stopped it.
type importView struct {
	Result   ImportResult
	Problems []ImportProblem
	Errors   map[string]string
}

func (m *Module) adminImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	file, _, err := r.FormFile("file")
	if err != nil {
		return apperr.Invalid(msgImportFile, map[string]string{"file": msgImportFile})
	}
	defer file.Close()
	may := func(agencyID string) bool { return m.staff.MayEdit(ctx, agencyID) }
	res, err := m.reg.Import(ctx, m.staff.Actor(ctx), r.PostFormValue("format"), file, r.PostFormValue("reason"), may)
	var ie *ImportError
	switch {
	case errors.As(err, &ie):
		return m.pages.adminImport.Render(w, r, http.StatusUnprocessableEntity, importView{Problems: ie.Problems})
	case err != nil:
		return err
	}
	return m.pages.adminImport.Render(w, r, http.StatusOK, importView{Result: res})
}
