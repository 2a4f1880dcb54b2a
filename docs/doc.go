// Package docs holds clusteriam's documentation. It has no code; its tests
// keep the documents true to the code (security.md to the tests it cites).
package docs
