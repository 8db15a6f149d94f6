// Package hlua runs haproxy's Lua API on gopher-lua: `lua-load` and
// `lua-load-per-thread` scripts, what they register with core.register_*
// (fetches, converters, actions, services, tasks, init functions, CLI
// commands), and the classes those functions are handed (TXN, HTTP,
// Fetches, Converters, AppletHTTP, AppletTCP…).
//
// A configuration's scripts make one Program. `lua-load` scripts share one
// Lua state, as in haproxy: their globals are common to every request and
// to their tasks. Code runs in that state one call at a time, each call in
// a Lua thread of its own, and a call that waits (core.sleep, a socket)
// lets the others run meanwhile, as haproxy's yield does. Scripts loaded
// with `lua-load-per-thread` get a pool of states instead, each loading
// them once, so that no request waits for another: this is the mode for
// speed, with haproxy's per-thread rule that globals are not shared.
//
// The package knows nothing of the proxy: the stream a call runs on is
// reached through the Stream interface, the process through Host.
package hlua
