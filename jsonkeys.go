package kizuna

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// CheckDuplicateKeys refuses a JSON document in which one object names the
// same key twice: encoding/json keeps the last value silently, which hides
// a mistake (a tag list typed twice, a filter whose second "op" wins). The
// error is an *Error with the given code whose Path names the second
// occurrence, such as "shopify.tags" or "groups[0].conditions[1].op".
// A document that is not valid JSON passes: the decoder that reads it says
// what is wrong with it in its own words.
func CheckDuplicateKeys(code string, data []byte) error {
	if path, key, ok := duplicateKey(data); ok {
		return &Error{Code: code, Message: fmt.Sprintf("the key %q appears twice in one object", key), Path: path}
	}
	return nil
}

// UnmarshalStrict decodes one JSON value into v like json.Unmarshal, but
// first refuses duplicate keys (CheckDuplicateKeys with code).
func UnmarshalStrict(code string, data []byte, v any) error {
	if err := CheckDuplicateKeys(code, data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// keyFrame is one open object or array while duplicateKey walks a document.
type keyFrame struct {
	object bool
	path   string
	keys   map[string]struct{}
	key    string // the object's current key
	index  int    // the array's current element
}

// duplicateKey walks valid JSON with an explicit stack (no recursion, so
// nesting costs memory, not goroutine stack) and returns the path and
// name of the first key that an object repeats. Keys are compared after
// decoding their escapes, as encoding/json compares them ("\u0061" is "a").
func duplicateKey(data []byte) (path, key string, found bool) {
	walkKeys(data, func(top *keyFrame, k string) bool {
		if _, dup := top.keys[k]; dup {
			path, key, found = joinKey(top.path, k), k, true
			return true
		}
		if top.keys == nil {
			top.keys = map[string]struct{}{}
		}
		top.keys[k] = struct{}{}
		return false
	})
	return path, key, found
}

// firstKeyPath returns the path of the first object key named key in
// data, or "$" when there is none; it places the "unknown key" that
// encoding/json names without saying where.
func firstKeyPath(data []byte, key string) string {
	path := "$"
	walkKeys(data, func(top *keyFrame, k string) bool {
		if k == key {
			path = joinKey(top.path, k)
			return true
		}
		return false
	})
	return path
}

// walkKeys calls fn with each object key of valid JSON data, in order,
// and the object that holds it, until fn returns true.
func walkKeys(data []byte, fn func(top *keyFrame, key string) bool) {
	if !json.Valid(data) {
		return
	}
	var stack []keyFrame
	expectKey := false
	for i := 0; i < len(data); {
		switch c := data[i]; c {
		case '{', '[':
			stack = append(stack, keyFrame{object: c == '{', path: childPath(stack)})
			expectKey = c == '{'
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			expectKey = false
			i++
		case ',':
			top := &stack[len(stack)-1]
			if top.object {
				expectKey = true
			} else {
				top.index++
			}
			i++
		case '"':
			end := stringEnd(data, i)
			if expectKey {
				top := &stack[len(stack)-1]
				k := decodeKey(data[i:end])
				if fn(top, k) {
					return
				}
				top.key = k
				expectKey = false
			}
			i = end
		default: // whitespace, ':', and the bytes of numbers, true, false, null
			i++
		}
	}
}

// stringEnd returns the index just after the JSON string that starts at
// data[start] (a quote).
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

func decodeKey(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	json.Unmarshal(raw, &s) // valid JSON: cannot fail
	return s
}

// childPath is the path of a value that starts inside the innermost open
// container of stack.
func childPath(stack []keyFrame) string {
	if len(stack) == 0 {
		return ""
	}
	top := &stack[len(stack)-1]
	if top.object {
		return joinKey(top.path, top.key)
	}
	return fmt.Sprintf("%s[%d]", top.path, top.index)
}

// joinKey appends an object key to a path: ".key" for a plain key, and
// a quoted ["key"] for one that a dotted path cannot show.
func joinKey(path, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return fmt.Sprintf("%s[%q]", path, key)
	case path == "":
		return key
	}
	return path + "." + key
}
