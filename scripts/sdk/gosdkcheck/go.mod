// A module of its own, so that the clusteriam module (whose `go mod tidy`
// reads files of every build tag) never sees main.go's imports of the vendor
// SDK. Deliberately no requirements: run-go-sdk-check.sh builds main.go in a
// throw-away module under /tmp that points the SDK at a local checkout.
module clusteriam.local/gosdkcheck

go 1.22
