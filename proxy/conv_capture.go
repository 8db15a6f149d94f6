package proxy

import (
	"switchyard/config"
	"switchyard/sample"
)

// The converters capture-req(ID) and capture-res(ID): they store the
// sample in the frontend's capture slot ID (declare capture, capture
// request|response header), cut to the slot's length, and pass it on
// whole. A slot the frontend does not have is no sample.

func init() {
	for _, response := range []bool{false, true} {
		name := "capture-req"
		if response {
			name = "capture-res"
		}
		sample.RegisterConverter(sample.ConverterDef{Name: name, Args: []sample.ArgType{sample.ArgInt}, MinArgs: 1,
			In: sample.TypeStr, Out: sample.TypeStr,
			Compile: func(_ *sample.Env, args []sample.Arg) (sample.ConvFunc, error) {
				idx := args[0].Int
				return func(c *sample.Ctx, v sample.Value) (sample.Value, bool) {
					sc, ok := c.Owner.(scoper)
					if !ok {
						return sample.Value{}, false
					}
					_, fe, _ := sc.scope()
					if fe == nil {
						return sample.Value{}, false
					}
					slots := fe.cfg.Log.ReqCaptures
					if response {
						slots = fe.cfg.Log.ResCaptures
					}
					if idx < 0 || idx >= int64(len(slots)) {
						return sample.Value{}, false
					}
					storeCapture(c.Owner, response, int(idx), v.Str, slots[idx])
					return v, true
				}, nil
			}})
	}
}

// storeCapture keeps v in the stream's capture slot i, where the log
// (%hr, %hs) and capture.req.hdr / capture.res.hdr read it.
func storeCapture(owner any, response bool, i int, v []byte, slot config.Capture) {
	if s, ok := owner.(*httpStream); ok {
		if s.t == nil || s.fe.log == nil {
			return
		}
		slots := s.t.lg.reqCaps
		if response {
			slots = s.t.lg.resCaps
		}
		s.setCapture(slots, i, v, slot.Len)
		return
	}
	if cp, ok := owner.(capturer); ok && !response {
		cp.captureRequest(i, v, slot.Len)
	}
}
