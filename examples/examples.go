// Package examples holds runnable configurations. The quickstart is embedded
// so that `switchyard demo` runs exactly the file users read.
package examples

import _ "embed"

// Quickstart is examples/quickstart.cfg.
//
//go:embed quickstart.cfg
var Quickstart []byte
