-- Stand-in for seed 000's validate_token_id.lua, which the seed does not
-- show: the fetches lua.validate_token and lua.validate_id_for_token, which
-- answer "true" or "false" from the variables txn.token and txn.id (the
-- Authorization and Client-ID headers) and read_token() (read_token.lua).
core.register_fetches("validate_token", function(txn)
  if read_token(txn:get_var("txn.token")) then
    return "true"
  end
  return "false"
end)

core.register_fetches("validate_id_for_token", function(txn)
  local ids = read_token(txn:get_var("txn.token"))
  local id = txn:get_var("txn.id")
  if ids and id and ids[id] then
    return "true"
  end
  return "false"
end)
