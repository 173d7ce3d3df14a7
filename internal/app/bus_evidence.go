package app

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
)

// unsafeFileChars are the characters left out of a download's file name.
var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// downloadEvidence gives an auditor the evidence of one exchange, by
// gateway and query ID, as the bundle msglog.WriteEvidence makes: from the
// database or, once archived, from the archive files. Each download is
// audited, since it shows who exchanged what with whom.
func (a *App) downloadEvidence(w http.ResponseWriter, r *http.Request) error {
	gw, query := strings.TrimSpace(r.URL.Query().Get("gateway")), strings.TrimSpace(r.URL.Query().Get("query"))
	if gw == "" || query == "" {
		return &apperr.Error{Code: apperr.EINVALID, Message: "error.invalid"}
	}
	m, err := a.MessageLogAudit(r.Context())
	if err != nil {
		return err
	}
	ev, err := m.Log.FindEvidence(r.Context(), m.Bucket, gw, query)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := msglog.WriteEvidence(&buf, ev, m.Authorities...); err != nil {
		return fmt.Errorf("evidence of %s on %s: %w", query, gw, err)
	}
	actor := catalogStaff{}.Actor(r.Context())
	if err := a.DB.Tx(r.Context(), func(tx *sql.Tx) error {
		return a.Audit.Record(r.Context(), tx, audit.Record{Actor: actor, Action: "bus.evidence.downloaded", ObjectType: "bus_message_log",
			ObjectID: query, Details: map[string]any{"gateway": gw, "exchanges": len(ev)}})
	}); err != nil {
		return err
	}
	name := unsafeFileChars.ReplaceAllString("evidence-"+gw+"-"+query, "_") + ".zip"
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

// routeEvidence mounts the download where the message-log pages link it.
func (a *App) routeEvidence() {
	a.Web.Router().Handle("GET "+bus.PathEvidence, identity.PermBusAdmin, a.downloadEvidence)
}
