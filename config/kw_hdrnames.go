package config

import "fmt"

// HdrNamePolicy is option http-restrict-req-hdr-names: what happens to a
// request whose header names step outside [A-Za-z0-9-], which some servers
// (FastCGI ones, where '-' and '_' both become '_') cannot tell apart.
type HdrNamePolicy uint8

const (
	HdrNamesPreserve HdrNamePolicy = iota // the default: nothing
	HdrNamesDelete                        // such headers are removed
	HdrNamesReject                        // the request gets a 403
)

func init() {
	register(SecProxy, "option http-restrict-req-hdr-names", func(p *parser, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("missing parameter. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option.")
		}
		if len(args) > 1 {
			return fmt.Errorf("'option' cannot handle unexpected argument '%s'.", args[1])
		}
		switch args[0] {
		case "preserve":
			p.cur.RestrictHdrNames = HdrNamesPreserve
		case "delete":
			p.cur.RestrictHdrNames = HdrNamesDelete
		case "reject":
			p.cur.RestrictHdrNames = HdrNamesReject
		default:
			return fmt.Errorf("invalid parameter '%s'. option 'http-restrict-req-hdr-names' expects 'preserve', 'reject' or 'delete' option.", args[0])
		}
		return nil
	})
}
