package bpmn_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/workflow/bpmn"
)

// FuzzParse checks that Parse never panics and refuses bad input only with
// an EINVALID *ParseError that lists at least one problem.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.bpmn"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimal))
	f.Add([]byte(file(around(`<bpmn:exclusiveGateway id="X" default="f2" />`))))
	f.Add([]byte(file(`<bpmn:startEvent id="Start" />
<bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="T" />
<bpmn:intermediateCatchEvent id="T"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/P1WD</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="T" targetRef="G" />
<bpmn:exclusiveGateway id="G" default="f4" />
<bpmn:sequenceFlow id="f3" sourceRef="G" targetRef="E"><bpmn:conditionExpression>${a eq "x = y" &amp;&amp; b != null}</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f4" sourceRef="G" targetRef="E" />
<bpmn:endEvent id="E" />`)))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	f.Add([]byte(`<a><b></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		defs, err := bpmn.ParseBytes(data)
		if err == nil {
			if defs == nil || len(defs.Processes) == 0 {
				t.Fatal("accepted without processes")
			}
			for _, p := range defs.Processes {
				for _, fl := range p.Flows {
					if fl.Source == nil || fl.Target == nil || fl.Condition != "" && fl.Program == nil {
						t.Fatalf("accepted flow %s is incomplete", fl.ID)
					}
				}
			}
			return
		}
		var pe *bpmn.ParseError
		if !errors.As(err, &pe) || len(pe.Problems) == 0 {
			t.Fatalf("error %T %v is not a ParseError with problems", err, err)
		}
		if !apperr.Is(err, apperr.EINVALID) {
			t.Fatalf("error %v is not EINVALID", err)
		}
		_ = err.Error()
	})
}
