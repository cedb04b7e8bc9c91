// Package openaifake is a fake OpenAI-compatible chat-completions server for
// tests and `kizuna fake openai`: POST {base}/chat/completions answered in
// OpenAI's wire format (a chat.completion object, or an error object with
// its HTTP status), scripted by the test, with every request recorded.
package openaifake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Request is a chat-completions request as the fake read it.
type Request struct {
	Model          string           `json:"model"`
	Messages       []Message        `json:"messages"`
	ResponseFormat *json.RawMessage `json:"response_format,omitempty"`
	Raw            json.RawMessage  `json:"-"`
	// Authorization is the request's Authorization header.
	Authorization string `json:"-"`
}

// Message is one message of a request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Reply is how the fake answers one request: Content as the assistant's
// message, or Status with an error, after Delay.
type Reply struct {
	Content      string
	FinishReason string // "" is "stop"
	Status       int    // 0: 200
	Delay        time.Duration
}

// Server is the fake. Key, when set, is the bearer key it requires.
type Server struct {
	Key   string
	Reply func(Request) Reply

	mu       sync.Mutex
	requests []Request
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// ServeHTTP answers POST …/chat/completions.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", fmt.Sprintf("Unknown request URL: %s %s", r.Method, r.URL.Path))
		return
	}
	if s.Key != "" && r.Header.Get("Authorization") != "Bearer "+s.Key {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "could not read the body")
		return
	}
	var req Request
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "We could not parse the JSON body of your request.")
		return
	}
	req.Raw = body
	req.Authorization = r.Header.Get("Authorization")
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	reply := Reply{Content: "{}"}
	if s.Reply != nil {
		reply = s.Reply(req)
	}
	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	switch reply.Status {
	case 0, http.StatusOK:
	case http.StatusTooManyRequests:
		writeError(w, reply.Status, "rate_limit_exceeded", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.")
		return
	default:
		writeError(w, reply.Status, "server_error", "", "The server had an error while processing your request.")
		return
	}
	finish := reply.FinishReason
	if finish == "" {
		finish = "stop"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake%d", len(s.Requests())),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   req.Model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": reply.Content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": finish,
		}},
		"usage": map[string]int{"prompt_tokens": len(body) / 4, "completion_tokens": len(reply.Content) / 4, "total_tokens": (len(body) + len(reply.Content)) / 4},
	})
}

// writeError answers in OpenAI's error shape.
func writeError(w http.ResponseWriter, status int, typ, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var c any
	if code != "" {
		c = code
	}
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": c}})
}
