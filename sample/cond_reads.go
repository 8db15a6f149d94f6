package sample

import "slices"

// ReadsOnly reports whether every ACL the condition uses reads one of the
// named fetches and nothing else: no converter, no other fetch. The
// condition's value then depends on those fetches alone, so evaluating it
// on any request that gives them the same values gives the same answer:
// the configuration checks use it to decide what a rule does to a known
// request (a health check's).
func (c *Cond) ReadsOnly(fetches ...string) bool {
	for _, suite := range c.suites {
		for _, t := range suite {
			for _, e := range t.acl.exprs {
				if len(e.expr.convs) > 0 || !slices.Contains(fetches, e.expr.fetch.name) {
					return false
				}
			}
		}
	}
	return true
}
