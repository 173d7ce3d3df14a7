package catalog

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

func (m *Module) adminExport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	i := slices.IndexFunc(ExportFormats, func(f ExportFormat) bool { return f.Name == format })
	if i < 0 {
		return apperr.Invalid(msgExportFormat, map[string]string{"format": msgExportFormat})
	}
	f := ExportFormats[i]
	name := "egov-registry-" + f.Name + "-" + time.Now().UTC().Format("2006-01-02") + "." + f.Ext
	w.Header().Set("Content-Type", f.MediaType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return m.reg.Export(r.Context(), w, f.Name)
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
