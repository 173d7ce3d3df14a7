package payments

import "io/fs"

// Templates exposes the page templates to the message-key check.
func Templates() fs.FS { return templateFS }
