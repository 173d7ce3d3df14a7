package bpmn

import (
	"embed"
	"io/fs"
)

//go:embed locales
var localeFS embed.FS

// Locales is the message catalog of the problems Parse reports
// (workflow.bpmn.*), in uz-Latn, uz-Cyrl, ru and en.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}
