package web

import "io/fs"

// ShellTemplates exposes the layout and error templates to the key check.
func ShellTemplates() fs.FS { return shellTemplates }
