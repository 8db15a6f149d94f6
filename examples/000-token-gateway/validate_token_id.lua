-- Seed 000's token check: the sample fetch `lua.validate_token`.
--
--     http-request set-var(txn.token) req.fhdr(Authorization)
--     http-request set-var(txn.is_token_valid) lua.validate_token
--
-- A token is valid when the shared directory (the seed's Azure File Share,
-- mounted at /etc/haproxy/allowed_ids) holds a file named after it:
-- "<token>.txt", made by `echo "Client-ID" >> token_value.txt`. The file is
-- looked up on every request, so a token added to or removed from the share
-- is in service, or out of it, at once: no reload, no restart.
--
-- The directory is $TOKEN_DIR (default /etc/haproxy/allowed_ids). It is an
-- environment variable rather than a lua-load argument because haproxy 2.6
-- does not pass lua-load's arguments to the script (2.7 does). It is read
-- on first use rather than when the script loads, so that a `setenv
-- TOKEN_DIR` (or `presetenv`) in the global section applies wherever it
-- stands relative to the lua-load lines.
--
-- Returns the string "true" or "false", which the seed's ACLs compare with
-- `-m str true`.

local dir

function token_dir()
    if dir == nil then
        dir = os.getenv("TOKEN_DIR") or "/etc/haproxy/allowed_ids"
    end
    return dir
end

-- token_file returns the file of a token, nil for a value that cannot name
-- one: a header value becomes a file name, so anything that could leave the
-- directory ("/", a leading dot) or is not a plain token character is
-- refused.
function token_file(token)
    if token == nil or token == "" or #token > 512 then
        return nil
    end
    if not token:match("^[%w%-_%.~+=]+$") or token:sub(1, 1) == "." then
        return nil
    end
    return token_dir() .. "/" .. token .. ".txt"
end

core.register_fetches("validate_token", function(txn)
    local path = token_file(txn:get_var("txn.token"))
    if path == nil then
        return "false"
    end
    local f = io.open(path, "r")
    if f == nil then
        return "false"
    end
    f:close()
    return "true"
end)
