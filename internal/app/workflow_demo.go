package app

import (
	"context"
	"log/slog"

	"github.com/egovuz/egov/internal/workflow"
)

// demoTaskTypes are the service-task types of the demo processes that no
// module runs yet (bus.call is the exchange bus's own): the demo answers
// them itself: each logs what it was asked and succeeds, so
// the demo processes run end to end.
var demoTaskTypes = []string{"registry.check", "notify.send", "documents.check", "permit.issue",
	"tax.register", "tax.assign-regime", "vat.register", "cash-register.register", "bench.work"}

// registerDemoHandlers registers the demo's answers to the demo processes'
// service tasks; only with --demo.
func registerDemoHandlers(e *workflow.Engine, log *slog.Logger) {
	for _, typ := range demoTaskTypes {
		e.Register(typ, func(_ context.Context, t workflow.ServiceTask) (map[string]any, error) {
			log.Info("demo service task", "type", t.Type, "instance", t.InstanceID, "element", t.ElementID, "key", t.Key)
			return map[string]any{t.ElementID + "Done": true}, nil
		})
	}
}
