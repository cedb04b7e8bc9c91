package kizuna

// ParseMessages decodes and validates a broadcast's messages (a JSON array
// of LINE message objects) as LINE would, each error at its path
// ("messages[1].text").
//
// TODO(h-domain): implement; this placeholder only checks the count.
func ParseMessages(raw []byte) ([]Message, error) {
	var ms []Message
	if err := UnmarshalStrict(EINVALID, raw, &ms); err != nil {
		return nil, err
	}
	if err := ValidateMessages(ms); err != nil {
		return nil, err
	}
	return ms, nil
}

// ValidateMessages checks messages as LINE would: 1 to MaxMessages, each
// valid for its type, each error at its path.
//
// TODO(h-domain): implement.
func ValidateMessages(ms []Message) error {
	if len(ms) == 0 || len(ms) > MaxMessages {
		return ErrorAt(EINVALID, "messages", "a broadcast has 1 to %d messages", MaxMessages)
	}
	return nil
}
