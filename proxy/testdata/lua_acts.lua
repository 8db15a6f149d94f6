-- Each action returns the act.* value named by its argument.
core.register_action("ret", {"http-req", "http-res"}, function(txn, what)
  return act[what]
end, 1)
core.register_action("edit", {"http-req"}, function(txn)
  txn.http:req_set_header("x-edited", "yes")
  txn.http:req_set_path("/rewritten")
  txn:set_var("txn.from_lua", "hello")
end)
core.register_action("resedit", {"http-res"}, function(txn)
  local hs = txn.http:res_get_headers()
  txn.http:res_set_header("x-origin-said", hs["x-origin"][0])
  txn.http:res_set_status(299, "Fine")
end)
