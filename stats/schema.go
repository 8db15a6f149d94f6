package stats

import "strconv"

// The JSON schema of the JSON outputs (`show schema json`, the stats
// page's ";json-schema"). Clients validate against it, so it is the same
// document haproxy 2.6 serves, quirks included (the stat item's title
// "InfoItem" and its "typedValue" property name). It is built from a small
// ordered tree because encoding/json would sort the keys.

type jkv struct {
	k string
	v any
}
type jobj []jkv

// jraw is printed as it is: haproxy's schema has one stray space, in the
// natures' enum, and a byte-for-byte copy keeps naive comparisons happy.
type jraw string

func appendJ(dst []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendJSONString(dst, v)
	case jraw:
		return append(dst, v...)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJ(dst, e)
		}
		return append(dst, ']')
	case jobj:
		dst = append(dst, '{')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, e.k)
			dst = append(dst, ':')
			dst = appendJ(dst, e.v)
		}
		return append(dst, '}')
	}
	panic("stats: unexpected schema node")
}

func strs(s ...string) []any {
	a := make([]any, len(s))
	for i := range s {
		a[i] = s[i]
	}
	return a
}

func ref(path string) jobj { return jobj{{"$ref", "#/definitions/" + path}} }

func intRange(min, max int64) jobj {
	return jobj{{"type", "integer"}, {"minimum", min}, {"maximum", max}}
}

// typedValueDef is one of the value kinds: its "type" name and the schema
// of its "value".
func typedValueDef(name string, value jobj) jobj {
	return jobj{
		{"properties", jobj{
			{"type", jobj{{"type", "string"}, {"enum", strs(name)}}},
			{"value", value},
		}},
		{"required", strs("type", "value")},
	}
}

func jsonSchema() jobj {
	const jsonIntMax = 1<<53 - 1
	common := func(first ...jkv) jobj {
		return append(jobj(first),
			jkv{"field", ref("field")},
			jkv{"processNum", ref("processNum")},
			jkv{"tags", ref("tags")})
	}
	infoProps := append(common(), jkv{"value", ref("typedValue")})
	statProps := append(common(
		jkv{"objType", jobj{{"enum", strs("Frontend", "Backend", "Listener", "Server", "Unknown")}}},
		jkv{"proxyId", jobj{{"type", "integer"}, {"minimum", 0}}},
		jkv{"id", jobj{{"type", "integer"}, {"minimum", 0}}},
	), jkv{"typedValue", ref("typedValue")})
	kinds := []string{"s32", "s64", "u32", "u64", "str"}
	var oneOf []any
	for _, k := range kinds {
		oneOf = append(oneOf, ref("typedValue/definitions/"+k+"Value"))
	}
	return jobj{
		{"$schema", "http://json-schema.org/draft-04/schema#"},
		{"oneOf", []any{
			jobj{{"title", "Info"}, {"type", "array"}, {"items", jobj{
				{"title", "InfoItem"}, {"type", "object"},
				{"properties", infoProps},
				{"required", strs("field", "processNum", "tags", "value")},
			}}},
			jobj{{"title", "Stat"}, {"type", "array"}, {"items", jobj{
				{"title", "InfoItem"}, {"type", "object"},
				{"properties", statProps},
				{"required", strs("objType", "proxyId", "id", "field", "processNum", "tags", "value")},
			}}},
			jobj{{"title", "Error"}, {"type", "object"},
				{"properties", jobj{{"errorStr", jobj{{"type", "string"}}}}},
				{"required", strs("errorStr")},
			},
		}},
		{"definitions", jobj{
			{"field", jobj{
				{"type", "object"},
				{"pos", jobj{{"type", "integer"}, {"minimum", 0}}},
				{"name", jobj{{"type", "string"}}},
				{"required", strs("pos", "name")},
			}},
			{"processNum", jobj{{"type", "integer"}, {"minimum", 1}}},
			{"tags", jobj{
				{"type", "object"},
				{"origin", jobj{{"type", "string"}, {"enum", strs("Metric", "Status", "Key", "Config", "Product", "Unknown")}}},
				{"nature", jobj{{"type", "string"}, {"enum", append(strs("Gauge", "Limit", "Min", "Max", "Rate", "Counter", "Duration", "Age", "Time", "Name", "Output", "Avg"), jraw(` "Unknown"`))}}},
				{"scope", jobj{{"type", "string"}, {"enum", strs("Cluster", "Process", "Service", "System", "Unknown")}}},
				{"required", strs("origin", "nature", "scope")},
			}},
			{"typedValue", jobj{
				{"type", "object"},
				{"oneOf", oneOf},
				{"definitions", jobj{
					{"s32Value", typedValueDef("s32", intRange(-1<<31, 1<<31-1))},
					{"s64Value", typedValueDef("s64", intRange(-jsonIntMax, jsonIntMax))},
					{"u32Value", typedValueDef("u32", intRange(0, 1<<32-1))},
					{"u64Value", typedValueDef("u64", intRange(0, jsonIntMax))},
					{"strValue", typedValueDef("str", jobj{{"type", "string"}})},
					{"unknownValue", jobj{
						{"properties", jobj{
							{"type", jobj{{"type", "integer"}, {"minimum", 0}}},
							{"value", jobj{{"type", "string"}, {"enum", strs("unknown")}}},
						}},
						{"required", strs("type", "value")},
					}},
				}},
			}},
		}},
	}
}

// AppendJSONSchema appends the schema, followed by "\n".
func AppendJSONSchema(dst []byte) []byte {
	return append(appendJ(dst, jsonSchema()), '\n')
}
