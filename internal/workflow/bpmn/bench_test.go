package bpmn_test

import (
	"os"
	"testing"

	"github.com/egovuz/egov/internal/workflow/bpmn"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/certificate_c8.bpmn")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := bpmn.ParseBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}
