package httpapi

import "encoding/json"

// optional is a request field whose null means something other than its
// absence (wire-format.md: null is absent unless the vendor's description
// gives it a meaning). encoding/json calls UnmarshalJSON only for a key
// that is present, null included, so the zero value is "absent".
type optional[T any] struct {
	Set   bool // the key was in the body
	Null  bool // its value was null
	Value T    // its value, when Set and not Null
}

// UnmarshalJSON records that the key was given, and whether as null.
func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// ptr returns the value, nil when absent or null.
func (o optional[T]) ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.Value
	return &v
}
