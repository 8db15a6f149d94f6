-- Stand-in for seed 000's read_token.lua, which the seed does not show.
-- The client IDs allowed with a token are the lines of the token's file on
-- the share, as the seed's operators write them:
--     cd /mnt/azurefiles/allowed_ids; echo "Client-ID" >> token_value.txt
-- (assumed: the file is named <token>.txt).
allowed_ids_dir = "/etc/haproxy/allowed_ids"

function read_token(token)
  if token == nil or token == "" or token:find("[/%.]") then
    return nil
  end
  local f = io.open(allowed_ids_dir .. "/" .. token .. ".txt", "r")
  if f == nil then
    return nil
  end
  local ids = {}
  for line in f:lines() do
    line = line:match("^%s*(.-)%s*$")
    if line ~= "" then
      ids[line] = true
    end
  end
  f:close()
  return ids
end
