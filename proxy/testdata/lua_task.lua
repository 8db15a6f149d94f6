-- A task that counts in a proc variable until its configuration goes.
local name = ...
core.register_task(function()
  while true do
    local n = core.get_var("proc.ticks") or 0
    core.set_var("proc.ticks", n + 1)
    core.set_var("proc.owner", name)
    core.msleep(5)
  end
end)
