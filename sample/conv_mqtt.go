package sample

import (
	"fmt"
	"strconv"
)

// mqttConvs read the first MQTT packet of a stream (CONNECT from the
// client, CONNACK from the server), for MQTT 3.1, 3.1.1 and 5.0, with the
// checks of haproxy 2.6's mqtt.c, quirks included: a configuration that
// relies on what haproxy accepts must see the same verdicts here.
var mqttConvs = []convDef{
	{name: "mqtt_is_valid", in: TypeBin, out: TypeBool, fn: convMQTTIsValid},
	{name: "mqtt_field_value", args: args(2, ArgStr, ArgStr), validate: validateMQTTField, in: TypeBin, out: TypeStr, fn: convMQTTFieldValue},
}

// MQTT control packet types.
const (
	mqttConnect = 1
	mqttConnack = 2
)

var mqttTypeNames = [...]string{
	"", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE",
	"SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
}

// mqttTypeFlags are the fixed-header flags each packet type must carry.
// haproxy 2.6 compares PUBLISH's flags to 0xF as if it were a value, so
// only a PUBLISH with DUP, QoS 3 and RETAIN gets past its first check.
var mqttTypeFlags = [16]byte{6: 0x02, 8: 0x02, 10: 0x02, 3: 0x0F}

// Fields without a property identifier; property fields are named by
// their identifier, in decimal, and numbered by it here (1 to 42).
const (
	mqttFlags = 64 + iota
	mqttReasonCode
	mqttProtocolName
	mqttProtocolVersion
	mqttClientID
	mqttWillTopic
	mqttWillPayload
	mqttUsername
	mqttPassword
	mqttKeepalive
)

var mqttFieldNames = map[string]int{
	"flags": mqttFlags, "reason_code": mqttReasonCode, "protocol_name": mqttProtocolName,
	"protocol_version": mqttProtocolVersion, "client_identifier": mqttClientID, "will_topic": mqttWillTopic,
	"will_payload": mqttWillPayload, "username": mqttUsername, "password": mqttPassword, "keepalive": mqttKeepalive,
}

// MQTT 5.0 property identifiers.
const (
	mqttPropPayloadFormat      = 0x01
	mqttPropMessageExpiry      = 0x02
	mqttPropContentType        = 0x03
	mqttPropResponseTopic      = 0x08
	mqttPropCorrelationData    = 0x09
	mqttPropSubscriptionID     = 0x0B
	mqttPropSessionExpiry      = 0x11
	mqttPropAssignedClientID   = 0x12
	mqttPropServerKeepalive    = 0x13
	mqttPropAuthMethod         = 0x15
	mqttPropAuthData           = 0x16
	mqttPropRequestProblem     = 0x17
	mqttPropWillDelay          = 0x18
	mqttPropRequestResponse    = 0x19
	mqttPropResponseInfo       = 0x1A
	mqttPropServerReference    = 0x1C
	mqttPropReasonString       = 0x1F
	mqttPropReceiveMaximum     = 0x21
	mqttPropTopicAliasMaximum  = 0x22
	mqttPropTopicAlias         = 0x23
	mqttPropMaximumQoS         = 0x24
	mqttPropRetainAvailable    = 0x25
	mqttPropUserProperty       = 0x26
	mqttPropMaximumPacketSize  = 0x27
	mqttPropWildcardSubAvail   = 0x28
	mqttPropSubIDsAvailable    = 0x29
	mqttPropSharedSubAvailable = 0x2A
	mqttPropMax                = mqttPropSharedSubAvailable
)

// mqttFieldsOf lists the fields the configuration may ask of each packet
// type. Most can never give a value: haproxy parses CONNECT and CONNACK
// only, and no user property (38) anywhere, but accepts them all.
var mqttFieldsOf = [16][]int{
	mqttConnect: {mqttProtocolName, mqttProtocolVersion, mqttFlags, mqttKeepalive, mqttPropSessionExpiry,
		mqttPropReceiveMaximum, mqttPropMaximumPacketSize, mqttPropTopicAliasMaximum, mqttPropRequestResponse,
		mqttPropRequestProblem, mqttPropUserProperty, mqttPropAuthMethod, mqttPropAuthData, mqttClientID,
		mqttPropWillDelay, mqttPropPayloadFormat, mqttPropMessageExpiry, mqttPropContentType,
		mqttPropResponseTopic, mqttPropCorrelationData, mqttWillTopic, mqttWillPayload, mqttUsername, mqttPassword},
	mqttConnack: {mqttFlags, mqttProtocolVersion, mqttReasonCode, mqttPropSessionExpiry, mqttPropReceiveMaximum,
		mqttPropMaximumQoS, mqttPropRetainAvailable, mqttPropMaximumPacketSize, mqttPropAssignedClientID,
		mqttPropTopicAliasMaximum, mqttPropReasonString, mqttPropWildcardSubAvail, mqttPropSubIDsAvailable,
		mqttPropSharedSubAvailable, mqttPropServerKeepalive, mqttPropResponseInfo, mqttPropServerReference,
		mqttPropUserProperty, mqttPropAuthMethod, mqttPropAuthData},
	3: {mqttPropPayloadFormat, mqttPropMessageExpiry, mqttPropContentType, mqttPropResponseTopic,
		mqttPropCorrelationData, mqttPropSubscriptionID, mqttPropTopicAlias, mqttPropUserProperty},
	4:  {mqttReasonCode, mqttPropReasonString, mqttPropUserProperty},
	5:  {mqttReasonCode, mqttPropReasonString, mqttPropUserProperty},
	6:  {mqttReasonCode, mqttPropReasonString, mqttPropUserProperty},
	7:  {mqttReasonCode, mqttPropReasonString, mqttPropUserProperty},
	8:  {mqttPropSubscriptionID, mqttPropUserProperty},
	9:  {mqttPropReasonString, mqttPropUserProperty},
	10: {mqttPropUserProperty},
	11: {mqttPropReasonString, mqttPropUserProperty},
	14: {mqttReasonCode, mqttPropSessionExpiry, mqttPropServerReference, mqttPropReasonString, mqttPropUserProperty},
	15: {mqttPropAuthMethod, mqttPropAuthData, mqttPropReasonString, mqttPropUserProperty},
}

// mqttTypeID reads a packet type as haproxy's mqtt_typeid: first as a
// number with its unchecked conversion (so a name that happens to compute
// to 1..15 is that type), then as a name in any ASCII case.
func mqttTypeID(s []byte) int {
	if id := int32(strl2ui(s)); id >= 1 && id < 16 {
		return int(id)
	}
	for i := 1; i < len(mqttTypeNames); i++ {
		if equalFold(s, mqttTypeNames[i]) {
			return i
		}
	}
	return 0
}

// mqttFieldID returns the field s names if packet type typ has it, else 0.
func mqttFieldID(typ int, s []byte) int {
	id := 0
	for name, f := range mqttFieldNames {
		if equalFold(s, name) {
			id = f
		}
	}
	if id == 0 {
		n, used := readUint32(s)
		// Property fields are written exactly as haproxy's table spells
		// them: no sign, no leading zero.
		if used != len(s) || used == 0 || n > mqttPropMax || strconv.Itoa(int(n)) != string(s) {
			return 0
		}
		id = int(n)
	}
	for _, f := range mqttFieldsOf[typ] {
		if f == id {
			return id
		}
	}
	return 0
}

// validateMQTTField resolves the packet type and the field once, at load.
func validateMQTTField(a []arg) error {
	typ := mqttTypeID(a[0].b)
	if typ == 0 {
		return fmt.Errorf("Unknown MQTT type '%s'", a[0].s)
	}
	field := mqttFieldID(typ, a[1].b)
	if field == 0 {
		return fmt.Errorf("Unknown MQTT field name '%s' for packet type '%s'", a[1].s, a[0].s)
	}
	a[0].i, a[1].i = int64(typ), int64(field)
	return nil
}

// mqttPacket is what the parser keeps of a CONNECT or CONNACK packet.
// Properties are stored by identifier: CONNECT's own and its will
// properties do not share any.
type mqttPacket struct {
	typ       byte
	remLen    uint32
	version   byte // protocol level; for CONNACK, guessed from its length
	flags     byte // CONNECT flags, or CONNACK acknowledge flags
	reason    byte
	keepalive uint16
	protoName []byte
	clientID  []byte
	willTopic []byte
	willBody  []byte
	username  []byte
	password  []byte
	num       [mqttPropMax + 1]uint32
	str       [mqttPropMax + 1][]byte
}

// MQTT CONNECT flags.
const (
	mqttFlagReserved   = 0x01
	mqttFlagWill       = 0x04
	mqttFlagWillQoS    = 0x18
	mqttFlagWillRetain = 0x20
	mqttFlagPassword   = 0x40
	mqttFlagUsername   = 0x80
)

// mqttVarint reads a variable byte integer of at most 4 bytes. As in
// haproxy, running out of bytes in the middle is not an error: the value
// read so far is returned, and the length check that follows asks for
// more data.
func mqttVarint(b []byte) (uint32, []byte, bool) {
	var n uint32
	shift, off := 0, 0
	for ; off < 4 && len(b) > 0; off++ {
		c := b[0]
		n += uint32(c&127) << shift
		shift += 7
		b = b[1:]
		if c <= 127 {
			break
		}
	}
	return n, b, off < 4
}

// mqttString reads a string prefixed by its 2-byte length.
func mqttString(b []byte) ([]byte, []byte, bool) {
	if len(b) < 2 {
		return nil, nil, false
	}
	n := int(b[0])<<8 | int(b[1])
	if len(b)-2 < n {
		return nil, nil, false
	}
	return b[2 : 2+n], b[2+n:], true
}

// mqttInt reads a big-endian integer of size bytes.
func mqttInt(b []byte, size int) (uint32, []byte, bool) {
	if len(b) < size {
		return 0, nil, false
	}
	var n uint32
	for _, c := range b[:size] {
		n = n<<8 | uint32(c)
	}
	return n, b[size:], true
}

// mqttProps cuts a property list (its length, then the properties) from
// the start of b.
func mqttProps(b []byte) (props, rest []byte, ok bool) {
	n, b, ok := mqttVarint(b)
	if !ok || uint64(len(b)) < uint64(n) {
		return nil, nil, false
	}
	return b[:n], b[n:], true
}

// mqttPropKind says how a property is encoded and checked, in the one
// list where the packet allows it.
type mqttPropKind uint8

// mqttPropKinds are the properties a packet may carry, by identifier (0:
// not allowed there).
type mqttPropKinds [mqttPropMax + 1]mqttPropKind

const (
	propBool     mqttPropKind = iota + 1 // 1-byte integer, 0 or 1
	propShort                            // 2-byte integer
	propNonZero2                         // 2-byte integer, not 0
	propLong                             // 4-byte integer
	propNonZero4                         // 4-byte integer, not 0
	propString                           // string
	propNonEmpty                         // string, not empty
	propUser                             // name and value strings, repeatable
)

var (
	mqttConnectProps = &mqttPropKinds{
		mqttPropSessionExpiry: propLong, mqttPropReceiveMaximum: propNonZero2,
		mqttPropMaximumPacketSize: propNonZero4, mqttPropTopicAliasMaximum: propShort,
		mqttPropRequestResponse: propBool, mqttPropRequestProblem: propBool, mqttPropUserProperty: propUser,
		mqttPropAuthMethod: propString, mqttPropAuthData: propString,
	}
	mqttWillProps = &mqttPropKinds{
		mqttPropWillDelay: propLong, mqttPropPayloadFormat: propBool, mqttPropMessageExpiry: propLong,
		mqttPropContentType: propString, mqttPropResponseTopic: propString,
		mqttPropCorrelationData: propString, mqttPropUserProperty: propUser,
	}
	mqttConnackProps = &mqttPropKinds{
		mqttPropSessionExpiry: propLong, mqttPropReceiveMaximum: propNonZero2, mqttPropMaximumQoS: propBool,
		mqttPropRetainAvailable: propBool, mqttPropMaximumPacketSize: propNonZero4,
		mqttPropAssignedClientID: propNonEmpty, mqttPropTopicAliasMaximum: propShort,
		mqttPropReasonString: propString, mqttPropWildcardSubAvail: propBool, mqttPropSubIDsAvailable: propBool,
		mqttPropSharedSubAvailable: propBool, mqttPropServerKeepalive: propShort,
		mqttPropResponseInfo: propString, mqttPropServerReference: propString, mqttPropUserProperty: propUser,
		mqttPropAuthMethod: propString, mqttPropAuthData: propString,
	}
)

// parseProps reads a property list into p. A property given twice (user
// properties aside) or out of its range makes the packet invalid; one the
// list does not know returns unknown, which the caller judges: haproxy
// 2.6 calls a CONNACK with one incomplete, and a CONNECT invalid.
func (p *mqttPacket) parseProps(props []byte, known *mqttPropKinds, unknown protoVerdict) protoVerdict {
	var seen uint64
	for len(props) > 0 {
		id := props[0]
		var kind mqttPropKind
		if int(id) < len(known) {
			kind = known[id]
		}
		if kind == 0 {
			return unknown
		}
		if kind != propUser && seen&(1<<id) != 0 {
			return protoInvalid
		}
		seen |= 1 << id
		var ok bool
		switch kind {
		case propBool:
			p.num[id], props, ok = mqttInt(props[1:], 1)
			ok = ok && p.num[id] <= 1
		case propShort, propNonZero2:
			p.num[id], props, ok = mqttInt(props[1:], 2)
			ok = ok && (kind == propShort || p.num[id] != 0)
		case propLong, propNonZero4:
			p.num[id], props, ok = mqttInt(props[1:], 4)
			ok = ok && (kind == propLong || p.num[id] != 0)
		case propString, propNonEmpty:
			p.str[id], props, ok = mqttString(props[1:])
			ok = ok && (kind == propString || len(p.str[id]) > 0)
		case propUser:
			if _, props, ok = mqttString(props[1:]); ok {
				_, props, ok = mqttString(props)
			}
		}
		if !ok {
			return protoInvalid
		}
	}
	return protoValid
}

// mqttValidate parses the packet at the start of msg into p. Bytes after
// the packet are allowed, but a CONNECT or CONNACK must use exactly the
// length its header announces. Other packet types are invalid: haproxy
// does not parse them.
func mqttValidate(msg []byte, p *mqttPacket) protoVerdict {
	*p = mqttPacket{}
	if len(msg) < 2 {
		return protoNeedMore
	}
	p.typ = msg[0] >> 4
	if p.typ == 0 || msg[0]&0x0F != mqttTypeFlags[p.typ] {
		return protoInvalid
	}
	n, rest, ok := mqttVarint(msg[1:])
	if !ok {
		return protoInvalid
	}
	p.remLen = n
	if uint64(len(rest)) < uint64(n) {
		return protoNeedMore
	}
	switch p.typ {
	case mqttConnect:
		return p.parseConnect(rest)
	case mqttConnack:
		return p.parseConnack(rest)
	}
	return protoInvalid
}

// parseConnect reads a CONNECT's variable header and payload from b, which
// may run past the packet: the length check comes last, as in haproxy.
func (p *mqttPacket) parseConnect(b []byte) protoVerdict {
	orig := len(b)
	var ok bool
	if p.protoName, b, ok = mqttString(b); !ok ||
		!(equalFold(p.protoName, "MQTT") || equalFold(p.protoName, "MQIsdp")) {
		return protoInvalid
	}
	if len(b) < 4 {
		return protoInvalid
	}
	p.version, p.flags = b[0], b[1]
	p.keepalive = uint16(b[2])<<8 | uint16(b[3])
	b = b[4:]
	if p.version < 3 || p.version > 5 || p.flags&mqttFlagReserved != 0 {
		return protoInvalid
	}
	// haproxy refuses a will QoS without a will only when both QoS bits
	// are set (and no will retain): its mask is compared, not tested.
	if p.flags&(mqttFlagWill|mqttFlagWillQoS|mqttFlagWillRetain) == mqttFlagWillQoS {
		return protoInvalid
	}
	if p.version == 5 {
		var props []byte
		if props, b, ok = mqttProps(b); !ok || p.parseProps(props, mqttConnectProps, protoInvalid) != protoValid {
			return protoInvalid
		}
	}
	if len(p.str[mqttPropAuthMethod]) == 0 && len(p.str[mqttPropAuthData]) > 0 {
		return protoInvalid
	}
	if p.clientID, b, ok = mqttString(b); !ok {
		return protoInvalid
	}
	if p.version == 5 && p.flags&mqttFlagWill != 0 {
		var props []byte
		if props, b, ok = mqttProps(b); !ok || p.parseProps(props, mqttWillProps, protoInvalid) != protoValid {
			return protoInvalid
		}
	}
	if p.flags&mqttFlagWill != 0 {
		if p.willTopic, b, ok = mqttString(b); !ok {
			return protoInvalid
		}
		if p.willBody, b, ok = mqttString(b); !ok {
			return protoInvalid
		}
	}
	if p.flags&mqttFlagUsername != 0 {
		if p.username, b, ok = mqttString(b); !ok {
			return protoInvalid
		}
	}
	if p.flags&mqttFlagPassword != 0 {
		if p.password, b, ok = mqttString(b); !ok {
			return protoInvalid
		}
	}
	if uint64(orig-len(b)) != uint64(p.remLen) {
		return protoInvalid
	}
	return protoValid
}

// parseConnack reads a CONNACK. haproxy takes it for MQTT 3.1.1 when
// exactly 2 bytes follow the fixed header, else for 5.0: a 3.1.1 CONNACK
// followed by more data is therefore invalid there.
func (p *mqttPacket) parseConnack(b []byte) protoVerdict {
	orig := len(b)
	if len(b) < 2 {
		return protoInvalid
	}
	p.version = 5
	if len(b) == 2 {
		p.version = 4
	}
	p.flags, p.reason = b[0], b[1]
	b = b[2:]
	if p.flags&0xFE != 0 {
		return protoInvalid
	}
	if p.version == 5 {
		props, rest, ok := mqttProps(b)
		if !ok {
			return protoInvalid
		}
		if v := p.parseProps(props, mqttConnackProps, protoNeedMore); v != protoValid {
			return v
		}
		b = rest
	}
	if uint64(orig-len(b)) != uint64(p.remLen) {
		return protoInvalid
	}
	return protoValid
}

// mqttField returns the value of a field of a valid packet, numbers in
// decimal in c.Scratch. Properties exist only in MQTT 5.0 packets, and
// will properties only with the will flag; a number absent from the packet
// reads as 0, and an empty string is no value.
func mqttField(c *Ctx, p *mqttPacket, field int) []byte {
	v5 := p.version == 5
	num := func(n uint32) []byte {
		start := len(c.Scratch)
		c.Scratch = strconv.AppendUint(c.Scratch, uint64(n), 10)
		return scratchFrom(c, start)
	}
	switch p.typ {
	case mqttConnect:
		will := v5 && p.flags&mqttFlagWill != 0
		switch field {
		case mqttFlags:
			return num(uint32(p.flags))
		case mqttProtocolName:
			return p.protoName
		case mqttProtocolVersion:
			return num(uint32(p.version))
		case mqttClientID:
			return p.clientID
		case mqttWillTopic:
			return p.willTopic
		case mqttWillPayload:
			return p.willBody
		case mqttUsername:
			return p.username
		case mqttPassword:
			return p.password
		case mqttKeepalive:
			return num(uint32(p.keepalive))
		case mqttPropPayloadFormat, mqttPropMessageExpiry, mqttPropWillDelay:
			if will {
				return num(p.num[field])
			}
		case mqttPropContentType, mqttPropResponseTopic, mqttPropCorrelationData:
			if will {
				return p.str[field]
			}
		case mqttPropSessionExpiry, mqttPropRequestProblem, mqttPropRequestResponse, mqttPropReceiveMaximum,
			mqttPropTopicAliasMaximum, mqttPropMaximumPacketSize:
			if v5 {
				return num(p.num[field])
			}
		case mqttPropAuthMethod, mqttPropAuthData:
			if v5 {
				return p.str[field]
			}
		}
	case mqttConnack:
		switch field {
		case mqttFlags:
			return num(uint32(p.flags))
		case mqttReasonCode:
			return num(uint32(p.reason))
		case mqttProtocolVersion:
			return num(uint32(p.version))
		case mqttPropSessionExpiry, mqttPropServerKeepalive, mqttPropReceiveMaximum, mqttPropTopicAliasMaximum,
			mqttPropMaximumQoS, mqttPropRetainAvailable, mqttPropMaximumPacketSize, mqttPropWildcardSubAvail,
			mqttPropSubIDsAvailable, mqttPropSharedSubAvailable:
			if v5 {
				return num(p.num[field])
			}
		case mqttPropAssignedClientID, mqttPropAuthMethod, mqttPropAuthData, mqttPropResponseInfo,
			mqttPropServerReference, mqttPropReasonString:
			if v5 {
				return p.str[field]
			}
		}
	}
	return nil
}

// convMQTTIsValid gives a boolean once the packet is complete; before, no
// sample, and a tcp content rule may wait for more.
func convMQTTIsValid(c *Ctx, _ []arg, v Value) (Value, bool) {
	var p mqttPacket
	return isValid(c, mqttValidate(v.Str, &p))
}

// convMQTTFieldValue returns the field as binary, as haproxy leaves the
// sample's type at run time (its declared output, string, only matters to
// the configuration): strings point into the input.
func convMQTTFieldValue(c *Ctx, a []arg, v Value) (Value, bool) {
	var p mqttPacket
	verdict := mqttValidate(v.Str, &p)
	waitIfIncomplete(c, verdict)
	if verdict != protoValid || int64(p.typ) != a[0].i {
		return Value{}, false
	}
	val := mqttField(c, &p, int(a[1].i))
	if len(val) == 0 {
		return Value{}, false
	}
	return Value{Kind: KindBin, Str: val}, true
}
