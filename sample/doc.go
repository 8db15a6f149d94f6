// Package sample is haproxy's sample engine: fetches that extract data
// from a request or its connection, converters that transform it, and
// ACLs that match it against patterns (configuration manual, chapter 7).
// Everything is compiled once, when the configuration is loaded: ParseExpr
// for expressions ("req.hdr(host),lower"), ACLSet.Add for acl lines and
// ParseCond for the conditions of rules. Evaluating them on a Ctx reads the
// request in place and does not allocate.
//
// A fetch or converter is a row in a table (see registry.go); an ACL
// keyword such as path_beg is an alias for a fetch and a match method
// (acl_keywords.go).
package sample
