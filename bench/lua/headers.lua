-- wrk script for bench/lua-gateway.cfg: every request carries the token
-- pair that bench/lua/tokens/bench-token.txt allows, as the seed's
-- clients send it (Authorization: <token>, Client-ID: <id>).
wrk.headers["Authorization"] = "bench-token"
wrk.headers["Client-ID"] = "bench-client"
