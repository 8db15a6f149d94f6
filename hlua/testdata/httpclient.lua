-- httpclient requests and the response tables they give. Servers: HTTP
-- answers 201 with repeated fields, CHUNKED a chunked body, CLOSEDELIM an
-- HTTP/1.0 body up to the close, SLOW nothing; REFUSED has no listener.
local function base(p) return "http://127.0.0.1:" .. p end
function test()
  local hc
  out("object", tostring(core.httpclient()), type(core.httpclient()))
  hc = core.httpclient(); try("get", hc.get, hc, {url=base(HTTP) .. "/path?q=1", headers={["X-Test"]={"v1","v2"}}})
  hc = core.httpclient(); try("post", hc.post, hc, {url=base(HTTP) .. "/p", body="abcdef"})
  hc = core.httpclient(); try("put", hc.put, hc, {url=base(HTTP) .. "/p", body=""})
  hc = core.httpclient(); try("head", hc.head, hc, {url=base(HTTP) .. "/h"})
  hc = core.httpclient(); try("delete", hc.delete, hc, {url=base(HTTP) .. "/d", headers={host={"example.org"}, ["user-agent"]={"mine"}}})
  hc = core.httpclient(); try("nopath", hc.get, hc, {url=base(HTTP)})
  hc = core.httpclient(); try("chunked", hc.get, hc, {url=base(CHUNKED) .. "/"})
  hc = core.httpclient(); try("closedelim", hc.get, hc, {url=base(CLOSEDELIM) .. "/"})
  hc = core.httpclient(); try("refused", hc.get, hc, {url=base(REFUSED) .. "/"})
  hc = core.httpclient(); try("dst", hc.get, hc, {url="http://example.com/x", dst="127.0.0.1:" .. HTTP})
  hc = core.httpclient(); try("timeout", hc.get, hc, {url=base(SLOW) .. "/", timeout=200})
  hc = core.httpclient(); try("badparam", hc.get, hc, {url=base(HTTP) .. "/", foo=1})
  hc = core.httpclient(); try("nourl", hc.get, hc, {})
  hc = core.httpclient(); try("badurltype", hc.get, hc, {url=5})
  hc = core.httpclient(); try("badtimeout", hc.get, hc, {url=base(HTTP) .. "/", timeout="5"})
  hc = core.httpclient(); try("badheaders", hc.get, hc, {url=base(HTTP) .. "/", headers="x"})
  hc = core.httpclient(); try("badbody", hc.get, hc, {url=base(HTTP) .. "/", body=5})
  hc = core.httpclient(); try("baddst", hc.get, hc, {url=base(HTTP) .. "/", dst="nonsense"})
  hc = core.httpclient(); try("notable", hc.get, hc, base(HTTP) .. "/")
  hc = core.httpclient(); try("noscheme", hc.get, hc, {url="127.0.0.1:" .. HTTP .. "/"})
  out("done")
end
