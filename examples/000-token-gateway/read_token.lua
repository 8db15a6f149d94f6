-- Seed 000's Client-ID check: the sample fetch `lua.validate_id_for_token`.
--
--     http-request set-var(txn.token) req.fhdr(Authorization)
--     http-request set-var(txn.id) req.fhdr(Client-ID)
--     http-request set-var(txn.is_id_valid) lua.validate_id_for_token
--
-- The token's file ("<token>.txt" in $TOKEN_DIR, see validate_token_id.lua)
-- lists the client IDs allowed with the token, one a line, as
-- `echo "Client-ID" >> token_value.txt` appends them. The file is read on
-- every request, so an ID added or removed applies to the next request.
-- Lines are compared byte for byte (case-sensitive) once trimmed of blanks
-- and of a Windows line end; empty lines and lines starting with '#' are
-- skipped.
--
-- It loads after validate_token_id.lua and uses its token_file(), as both
-- scripts share one Lua state (lua-load); it has a copy of its own should
-- it be loaded alone.
--
-- Returns "true" or "false".

local dir

local file_of = token_file or function(token)
    if token == nil or token == "" or #token > 512 then
        return nil
    end
    if not token:match("^[%w%-_%.~+=]+$") or token:sub(1, 1) == "." then
        return nil
    end
    dir = dir or os.getenv("TOKEN_DIR") or "/etc/haproxy/allowed_ids"
    return dir .. "/" .. token .. ".txt"
end

local function trim(s)
    return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

core.register_fetches("validate_id_for_token", function(txn)
    local id = txn:get_var("txn.id")
    if id == nil or id == "" then
        return "false"
    end
    local path = file_of(txn:get_var("txn.token"))
    if path == nil then
        return "false"
    end
    local f = io.open(path, "r")
    if f == nil then
        return "false"
    end
    for line in f:lines() do
        line = trim(line)
        if line ~= "" and line:sub(1, 1) ~= "#" and line == id then
            f:close()
            return "true"
        end
    end
    f:close()
    return "false"
end)
