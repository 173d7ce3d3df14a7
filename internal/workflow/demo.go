package workflow

import (
	"context"
	"fmt"
	"io/fs"
	"sort"

	"github.com/egovuz/egov/internal/workflow/demo"
)

// LoadDemo deploys the demo services' processes whose keys are not
// deployed yet; loading twice changes nothing.
func (e *Engine) LoadDemo(ctx context.Context) error {
	names, err := fs.Glob(demo.Files, "*.bpmn")
	if err != nil {
		return err
	}
	sort.Strings(names)
	have, err := e.Definitions(ctx)
	if err != nil {
		return err
	}
	deployed := map[string]bool{}
	for _, d := range have {
		deployed[d.Key] = true
	}
	for _, name := range names {
		key := name[:len(name)-len(".bpmn")]
		if deployed[key] {
			continue
		}
		src, err := fs.ReadFile(demo.Files, name)
		if err != nil {
			return err
		}
		if _, err := e.Deploy(ctx, "demo", src); err != nil {
			return fmt.Errorf("demo process %s: %w", name, err)
		}
	}
	return nil
}
