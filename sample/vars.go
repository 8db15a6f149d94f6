package sample

// Vars holds the variables of one transaction (txn.*, req.*, res.*) and of
// its session (sess.*). Placeholder: the sample engine owns the real shape.
type Vars struct {
	m map[string]Value
}

// Reset drops transaction-scoped variables.
func (v *Vars) Reset() {
	for k := range v.m {
		delete(v.m, k)
	}
}
