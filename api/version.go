package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// versionField reads the version an edit was made from: the body's
// "version", or an If-Match header holding it ("3" or 3, as a GET's
// segment reports it). Neither is 0: the edit is not checked. Both must
// agree.
func versionField(r *http.Request, obj map[string]json.RawMessage) (int64, error) {
	var v int64
	if raw, ok := obj["version"]; ok {
		if err := json.Unmarshal(raw, &v); err != nil || v <= 0 {
			return 0, &kizuna.Error{Code: kizuna.EINVALID, Message: "\"version\" must be the segment's version, a positive integer", Path: "version"}
		}
	}
	if h := strings.TrimSpace(r.Header.Get("If-Match")); h != "" {
		m, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), 10, 64)
		if err != nil || m <= 0 {
			return 0, &kizuna.Error{Code: kizuna.EINVALID, Message: "If-Match must hold the segment's version, a positive integer", Path: "If-Match"}
		}
		if v != 0 && v != m {
			return 0, &kizuna.Error{Code: kizuna.EINVALID, Message: "If-Match and \"version\" name different versions", Path: "version"}
		}
		v = m
	}
	return v, nil
}
